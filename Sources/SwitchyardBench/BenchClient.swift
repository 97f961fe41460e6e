import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardCore
import SwitchyardHTTPClient

/// Sends one chat request and records its timeline: send, first byte, first content and first
/// token chunks, every content chunk, last byte, and the server's usage.
package struct BenchClient: Sendable {
    package struct Target: Sendable {
        package var baseURL: String
        package var apiKey: Secret?

        package init(baseURL: String, apiKey: Secret?) {
            var url = baseURL
            while url.hasSuffix("/") { url.removeLast() }
            self.baseURL = url
            self.apiKey = apiKey
        }
    }

    /// Keep-alive connections on the caller's event loop: the same client the gateway uses
    /// upstream, so that the load generator costs little next to what it measures.
    let connections: UpstreamConnections
    let timeout: Duration

    package init(connections: UpstreamConnections, timeout: Duration) {
        self.connections = connections
        self.timeout = timeout
    }

    package func send(model: String, body: [UInt8], to target: Target, targetIndex: Int, runStart: ContinuousClock.Instant,
                     scheduled: Duration? = nil) async -> RequestTimeline {
        var headers = [("content-type", "application/json")]
        if let key = target.apiKey { headers.append(("authorization", "Bearer \(key.value)")) }
        let sentAt = ContinuousClock.now
        let sent = sentAt - runStart
        let deadline = sentAt + timeout
        var timeline = RequestTimeline(model: model, target: targetIndex, scheduled: scheduled, sent: sent, end: sent, status: 0)
        do throws(UpstreamTransportError) {
            let response = try await connections.post(target.baseURL, path: "/chat/completions", headers: headers,
                                                      body: ByteBuffer(bytes: body), headDeadline: deadline)
            timeline.status = Int(response.head.status.code)
            var parser = SSEParser()
            var bytes: [UInt8] = []
            let isStream = response.head.headers.first(name: "content-type")?.contains("event-stream") ?? false
            while let chunk = try await response.next(deadline: deadline) {
                let now = ContinuousClock.now - runStart
                if timeline.firstByte == nil { timeline.firstByte = now }
                if isStream {
                    guard let events = try? parser.feed(chunk.readableBytesView) else {
                        timeline.errorClass = "stream_error"
                        break
                    }
                    for event in events {
                        guard case .data(let payload) = event, let parsed = StreamChunk(payload: payload) else { continue }
                        if parsed.error != nil {
                            timeline.errorClass = "stream_error"
                            continue
                        }
                        if parsed.hasContent {
                            if timeline.firstContent == nil { timeline.firstContent = now }
                            timeline.contentChunks.append(now)
                        }
                        if (parsed.hasContent || parsed.hasReasoning) && timeline.firstToken == nil { timeline.firstToken = now }
                        if let usage = parsed.usage {
                            timeline.outputTokens = usage.completionTokens
                            timeline.promptTokens = usage.promptTokens
                        }
                    }
                } else {
                    bytes.append(contentsOf: chunk.readableBytesView)
                }
            }
            timeline.end = ContinuousClock.now - runStart
            if !isStream, let doc = try? JSONDocument(bytes: bytes),
               let usage = UsageReader.usage(in: doc, object: doc.root) {
                timeline.outputTokens = usage.completionTokens
                timeline.promptTokens = usage.promptTokens
                timeline.firstContent = timeline.end
                timeline.firstToken = timeline.end
            }
            if timeline.status != 200 {
                timeline.errorClass = "http_\(timeline.status)"
            } else if isStream && timeline.firstContent == nil && timeline.errorClass == nil {
                timeline.errorClass = "no_content"
            }
        } catch {
            timeline.end = ContinuousClock.now - runStart
            timeline.errorClass = Self.classify(error)
        }
        return timeline
    }

    static func classify(_ error: UpstreamTransportError) -> String {
        switch error {
        case .timeout: return "timeout"
        case .connect(let reason): return reason.contains("timeout") ? "connect_timeout" : "connect_error"
        case .broken: return "connection_closed"
        case .cancelled: return "client_error"
        }
    }
}
