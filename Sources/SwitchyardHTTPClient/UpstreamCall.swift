import NIOCore
import SwitchyardCore
import NIOHTTP1

/// One HTTP call whose response head has arrived; the body is read with `next`.
package struct UpstreamCall: Sendable {
    package let head: HTTPResponseHead
    let owner: UpstreamExchangeOwner

    /// The next body chunk, nil at the end; throws `.timeout` when `deadline` passes first.
    /// Dropping every copy of the call before the end closes its connection.
    package func next(deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> ByteBuffer? {
        try await owner.next(deadline: deadline)
    }
}

extension UpstreamConnections {
    /// POSTs `body` to `baseURL` + `path` on a pooled connection of the caller's event loop.
    /// `Host` and `Content-Length` are added to `headers`. Throws `.timeout` when the response
    /// head has not arrived by `headDeadline` (connecting and sending count against it).
    package func post(_ baseURL: String, tls: DeploymentTLS? = nil, proxy: EgressProxy? = nil, path: String,
                     headers: [(String, String)], body: ByteBuffer,
                     headDeadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> UpstreamCall {
        try await request(.POST, baseURL, tls: tls, proxy: proxy, path: path, headers: headers, body: body, headDeadline: headDeadline)
    }

    /// Sends `method` to `baseURL` + `path`, as `post` does; a nil `body` sends none (GET).
    package func request(_ method: HTTPMethod, _ baseURL: String, tls: DeploymentTLS? = nil,
                        proxy: EgressProxy? = nil, path: String,
                        headers: [(String, String)], body: ByteBuffer?,
                        headDeadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> UpstreamCall {
        let home = home()
        let start: @Sendable () throws(UpstreamTransportError) -> UpstreamExchange = { () throws(UpstreamTransportError) -> UpstreamExchange in
            guard let target = home.target(baseURL, tls: tls, proxy: proxy) else { throw .connect("\(baseURL) is not an http(s) URL") }
            var fields = HTTPHeaders()
            fields.reserveCapacity(headers.count + 2)
            fields.add(name: "host", value: target.hostHeader)
            if let body { fields.add(name: "content-length", value: String(body.readableBytes)) }
            for (name, value) in headers { fields.add(name: name, value: value) }
            if let proxy = target.origin.proxy, !target.origin.tls, let authorization = proxy.authorization {
                fields.add(name: "proxy-authorization", value: authorization.value)
            }
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: target.requestURI(path), headers: fields)
            return home.send(head, body: body ?? ByteBuffer(), to: target, headDeadline: headDeadline)
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

/// A whole response, for callers that need no streaming (health probes, the admin CLI).
package struct UpstreamResponse: Sendable {
    package let status: Int
    package let headers: HTTPHeaders
    package let body: ByteBuffer
}

extension UpstreamConnections {
    /// Sends one request and reads its whole answer. Throws `.timeout` when the answer is not
    /// complete within `timeout`, and `.broken` when its body exceeds `maxBodyBytes`.
    package func fetch(_ method: HTTPMethod, _ baseURL: String, tls: DeploymentTLS? = nil,
                      proxy: EgressProxy? = nil, path: String,
                      headers: [(String, String)] = [], body: ByteBuffer? = nil,
                      timeout: Duration, maxBodyBytes: Int = 1 << 20) async throws(UpstreamTransportError) -> UpstreamResponse {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let call = try await request(method, baseURL, tls: tls, proxy: proxy, path: path, headers: headers, body: body, headDeadline: deadline)
        var collected = ByteBuffer()
        while let chunk = try await call.next(deadline: deadline) {
            guard collected.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                throw .broken("the answer is larger than \(maxBodyBytes) bytes")
            }
            var chunk = chunk
            collected.writeBuffer(&chunk)
        }
        return UpstreamResponse(status: Int(call.head.status.code), headers: call.head.headers, body: collected)
    }
}
