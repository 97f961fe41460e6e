import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// Sends one chat request and records its timeline: send, first byte, first content and first
/// token chunks, every content chunk, last byte, and the server's usage.
public struct BenchClient: Sendable {
    public struct Target: Sendable {
        public var baseURL: String
        public var apiKey: Secret?

        public init(baseURL: String, apiKey: Secret?) {
            var url = baseURL
            while url.hasSuffix("/") { url.removeLast() }
            self.baseURL = url
            self.apiKey = apiKey
        }
    }

    let client: HTTPClient
    let timeout: Duration

    public init(client: HTTPClient, timeout: Duration) {
        self.client = client
        self.timeout = timeout
    }

    public func send(model: String, body: [UInt8], to target: Target, targetIndex: Int, runStart: ContinuousClock.Instant,
                     scheduled: Duration? = nil) async -> RequestTimeline {
        var request = HTTPClientRequest(url: target.baseURL + "/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let key = target.apiKey { request.headers.add(name: "authorization", value: "Bearer \(key.value)") }
        request.body = .bytes(body)
        let sent = ContinuousClock.now - runStart
        var timeline = RequestTimeline(model: model, target: targetIndex, scheduled: scheduled, sent: sent, end: sent, status: 0)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanosecondsClamped))
            timeline.status = Int(response.status.code)
            var parser = SSEParser()
            var bytes: [UInt8] = []
            let isStream = response.headers.first(name: "content-type")?.contains("event-stream") ?? false
            for try await chunk in response.body {
                let now = ContinuousClock.now - runStart
                if timeline.firstByte == nil { timeline.firstByte = now }
                if isStream {
                    for event in try parser.feed(chunk.readableBytesView) {
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

    static func classify(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timeout"
            case .connectTimeout: return "connect_timeout"
            case .remoteConnectionClosed: return "connection_closed"
            default: return "client_error"
            }
        }
        return "connect_error"
    }
}
