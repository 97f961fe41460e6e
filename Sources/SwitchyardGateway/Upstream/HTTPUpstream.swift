import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// Calls OpenAI-compatible HTTP(S) upstreams over pooled keep-alive connections on the
/// caller's event loop (see `UpstreamConnections`). The request body goes out as given; the
/// response is handed over as it arrives, without re-encoding.
public struct HTTPUpstream: UpstreamTransport {
    let connections: UpstreamConnections

    public init(connections: UpstreamConnections) {
        self.connections = connections
    }

    public func send(_ request: UpstreamRequest, logger: Logger) async throws(UpstreamTransportError) -> UpstreamResponse {
        guard case .http(let baseURL) = request.deployment.endpoint else { throw .connect("not an HTTP deployment") }
        let home = connections.home()
        let start: @Sendable () throws(UpstreamTransportError) -> UpstreamExchange = { () throws(UpstreamTransportError) -> UpstreamExchange in
            guard let target = home.target(baseURL) else { throw .connect("the base URL \(baseURL) is not an http(s) URL") }
            return home.send(Self.head(request, target: target), body: ByteBuffer(bytes: request.body), to: target,
                             headDeadline: request.headDeadline)
        }
        let exchange: UpstreamExchange
        if home.loop.inEventLoop {
            exchange = try start()
        } else {
            do {
                exchange = try await home.loop.submit { try start() }.get()
            } catch let error as UpstreamTransportError {
                throw error
            } catch {
                throw .connect(String(describing: error))
            }
        }
        let owner = UpstreamExchangeOwner(exchange)
        let head = try await UpstreamExchangeOwner.await(exchange.headFuture, onCancel: exchange)
        var headers: [(String, String)] = []
        headers.reserveCapacity(head.headers.count)
        for (name, value) in head.headers { headers.append((name.lowercased(), value)) }
        return UpstreamResponse(status: Int(head.status.code), headers: headers, body: UpstreamBody {
            { deadline async throws(UpstreamTransportError) -> ByteBuffer? in try await owner.next(deadline: deadline) }
        })
    }

    static func head(_ request: UpstreamRequest, target: UpstreamTarget) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        headers.add(name: "host", value: target.hostHeader)
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(request.body.count))
        headers.add(name: "accept", value: "application/json, text/event-stream")
        headers.add(name: "user-agent", value: "switchyard")
        headers.add(name: "x-request-id", value: request.requestID)
        if let key = request.deployment.apiKey {
            headers.add(name: "authorization", value: "Bearer \(key.value)")
        }
        return HTTPRequestHead(version: .http1_1, method: .POST, uri: target.chatPath, headers: headers)
    }
}
