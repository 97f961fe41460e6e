import NIOCore
import NIOHTTP1

/// One HTTP call whose response head has arrived; the body is read with `next`.
public struct UpstreamCall: Sendable {
    public let head: HTTPResponseHead
    let owner: UpstreamExchangeOwner

    /// The next body chunk, nil at the end; throws `.timeout` when `deadline` passes first.
    /// Dropping every copy of the call before the end closes its connection.
    public func next(deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> ByteBuffer? {
        try await owner.next(deadline: deadline)
    }
}

extension UpstreamConnections {
    /// POSTs `body` to `baseURL` + `path` on a pooled connection of the caller's event loop.
    /// `Host` and `Content-Length` are added to `headers`. Throws `.timeout` when the response
    /// head has not arrived by `headDeadline` (connecting and sending count against it).
    public func post(_ baseURL: String, path: String, headers: [(String, String)], body: ByteBuffer,
                     headDeadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> UpstreamCall {
        let home = home()
        let start: @Sendable () throws(UpstreamTransportError) -> UpstreamExchange = { () throws(UpstreamTransportError) -> UpstreamExchange in
            guard let target = home.target(baseURL) else { throw .connect("\(baseURL) is not an http(s) URL") }
            var fields = HTTPHeaders()
            fields.reserveCapacity(headers.count + 2)
            fields.add(name: "host", value: target.hostHeader)
            fields.add(name: "content-length", value: String(body.readableBytes))
            for (name, value) in headers { fields.add(name: name, value: value) }
            let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.basePath + path, headers: fields)
            return home.send(head, body: body, to: target, headDeadline: headDeadline)
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
        return UpstreamCall(head: head, owner: owner)
    }
}
