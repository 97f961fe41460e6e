import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import SwitchyardHTTPClient

/// An exchange is freed once its response has been read, including on a reused keep-alive
/// connection, whose exchange carries a resend closure (it once kept the exchange, and the
/// request's head and body, alive forever: about 2.7 KB leaked per request).
@Suite struct ExchangeLifetimeTests {
    /// A keep-alive HTTP/1.1 server on loopback answering every request with a small 200.
    final class Answer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: "2")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    @Test func exchangesAreFreedAfterTheirResponseOnFreshAndReusedConnections() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Answer())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let connections = UpstreamConnections(group: group, settings: .init(connectTimeout: .seconds(5)))
        final class WeakExchange {
            weak var exchange: UpstreamExchange?
        }
        var exchanges: [WeakExchange] = []
        for _ in 0..<3 {  // the first on a new connection, the others on the same one, reused
            let call = try await connections.request(.POST, "http://127.0.0.1:\(port)", path: "/v1/x", headers: [],
                                                     body: ByteBuffer(string: "{}"), headDeadline: .now + .seconds(5))
            let reference = WeakExchange()
            reference.exchange = call.owner.exchange
            exchanges.append(reference)
            while try await call.next(deadline: .now + .seconds(5)) != nil {}
        }
        // Once the connection is closed nothing may hold an exchange whose response was read.
        await connections.closeIdle()
        try await group.next().submit {}.get()
        var freed = exchanges.filter { $0.exchange == nil }.count
        for _ in 0..<100 where freed < 3 {
            try await Task.sleep(for: .milliseconds(10))
            freed = exchanges.filter { $0.exchange == nil }.count
        }
        #expect(freed == 3)
        try await server.close()
        try await group.shutdownGracefully()
    }
}
