import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore
import SwitchyardHTTPClient

/// Calls OpenAI-compatible HTTP(S) upstreams over pooled keep-alive connections on the
/// caller's event loop (see `UpstreamConnections`). The request body goes out as given; the
/// response is handed over as it arrives, without re-encoding.
package struct HTTPUpstream: UpstreamTransport {
    let connections: UpstreamConnections

    package init(connections: UpstreamConnections) {
        self.connections = connections
    }

    package func send(_ request: UpstreamRequest, logger: Logger) async throws(UpstreamTransportError) -> UpstreamResponse {
        guard case .http(let baseURL) = request.deployment.endpoint else { throw .connect("not an HTTP deployment") }
        var headers: [(String, String)] = [
            ("content-type", "application/json"), ("accept", "application/json, text/event-stream"),
            ("user-agent", "switchyard"), ("x-request-id", request.requestID),
        ]
        if let key = request.deployment.apiKey { headers.append(("authorization", "Bearer \(key.value)")) }
        headers += request.traceHeaders
        let call = try await connections.post(baseURL, tls: request.deployment.tls, proxy: request.deployment.proxy, path: request.path, headers: headers, body: ByteBuffer(bytes: request.body),
                                              headDeadline: request.headDeadline)
        var responseHeaders: [(String, String)] = []
        responseHeaders.reserveCapacity(call.head.headers.count)
        for (name, value) in call.head.headers { responseHeaders.append((name.lowercased(), value)) }
        return UpstreamResponse(status: Int(call.head.status.code), headers: responseHeaders, body: UpstreamBody {
            { deadline async throws(UpstreamTransportError) -> ByteBuffer? in try await call.next(deadline: deadline) }
        })
    }
}
