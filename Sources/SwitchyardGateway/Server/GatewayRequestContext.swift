import Hummingbird
import NIOCore

/// The router's request context: Hummingbird's basic one plus the client's address (the
/// dashboard's sign-in throttle counts wrong keys per address).
struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
