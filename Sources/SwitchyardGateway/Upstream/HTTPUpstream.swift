import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// Calls OpenAI-compatible HTTP(S) upstreams through one pooled `HTTPClient`.
public struct HTTPUpstream: UpstreamTransport {
    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    public func send(_ request: UpstreamRequest, logger: Logger) async throws(UpstreamTransportError) -> UpstreamResponse {
        guard case .http(let baseURL) = request.deployment.endpoint else { throw .connect("not an HTTP deployment") }
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        var outgoing = HTTPClientRequest(url: url + "/chat/completions")
        outgoing.method = .POST
        outgoing.headers.add(name: "content-type", value: "application/json")
        outgoing.headers.add(name: "accept", value: "application/json, text/event-stream")
        outgoing.headers.add(name: "user-agent", value: "switchyard")
        outgoing.headers.add(name: "x-request-id", value: request.requestID)
        if let key = request.deployment.apiKey {
            outgoing.headers.add(name: "authorization", value: "Bearer \(key.value)")
        }
        outgoing.body = .bytes(request.body)
        let remaining = ContinuousClock.now.duration(to: request.headDeadline)
        let deadline = NIODeadline.now() + .nanoseconds(max(0, remaining.nanosecondsClamped))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, deadline: deadline, logger: logger)
        } catch {
            throw Self.classify(error, beforeResponse: true)
        }
        let headers = response.headers.map { ($0.name.lowercased(), $0.value) }
        let body = response.body
        // AsyncHTTPClient's deadline covers the response head; each read of the body has its
        // own (first token, stream idle, total), enforced by the pump.
        return UpstreamResponse(status: Int(response.status.code), headers: headers, body: UpstreamBody {
            BodyPump.reader(for: body, chunk: { $0 }, classify: { Self.classify($0, beforeResponse: false) })
        })
    }

    static func classify(_ error: any Error, beforeResponse: Bool) -> UpstreamTransportError {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return .timeout
            case .connectTimeout: return .connect("connect timeout")
            case .cancelled: return .cancelled
            default: return beforeResponse ? .connect(String(describing: error)) : .broken(String(describing: error))
            }
        }
        return beforeResponse ? .connect(String(describing: error)) : .broken(String(describing: error))
    }
}
