import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

@Suite struct StreamingTests {
    func dataEvents(_ response: TestResponse) throws -> [String] {
        var parser = SSEParser()
        return try parser.feed(response.body.readableBytesView).compactMap {
            if case .data(let d) = $0 { return String(decoding: d, as: UTF8.self) }
            return nil
        }
    }

    @Test(arguments: ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"])
    func streamsEndWithDoneAndUsageOnlyWhenAsked(model: String) async throws {
        try await withGateway { client, _ in
            let plain = try await post(client, chatBody(model, "hi [sim tokens=5]", stream: true))
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "text/event-stream")
            let events = try dataEvents(plain)
            #expect(events.last == "[DONE]")
            #expect(!events.contains { $0.contains("\"choices\":[]") }, "usage-only chunk must be stripped")
            #expect(String(buffer: plain.body).contains(": x-switchyard-cost-usd="))

            let asked = try await post(client, chatBody(model, "hi [sim tokens=5]", stream: true, extra: ",\"stream_options\":{\"include_usage\":true}"))
            let usageChunks = try dataEvents(asked).filter { $0.contains("\"choices\":[]") }
            #expect(usageChunks.count == 1, "\(model)")
            let d = try JSONDocument(bytes: Array(usageChunks[0].utf8))
            #expect(d.value(at: "usage", "cost_usd").flatMap(d.string) != nil)
        }
    }

    @Test func midStreamFailureAfterContentEndsWithAnErrorEvent() async throws {
        try await withGateway { client, _ in
            let r = try await post(client, chatBody("Qwen/Qwen3-32B", "x [sim fail=mid_stream after=3 tokens=10]", stream: true))
            #expect(r.status == .ok)
            let events = try dataEvents(r)
            #expect(events.filter { $0.contains("\"content\":\"") && !$0.contains("\"content\":\"\"") }.count == 3)
            #expect(events.last?.hasPrefix("{\"error\":") == true)
            #expect(!events.contains("[DONE]"))
        }
    }

    @Test(arguments: ["mid_stream", "drop"])
    func failureBeforeFirstContentIsAnHTTPError(fault: String) async throws {
        try await withGateway { client, _ in
            let r = try await post(client, chatBody("glm-5", "x [sim fail=\(fault) after=0]", stream: true))
            #expect(r.status == .badGateway)
            #expect(try errorCode(r) == "upstream_error")
        }
    }

    @Test func dropAfterContentIsAnErrorEventNotASilentEnd() async throws {
        try await withGateway { client, _ in
            let r = try await post(client, chatBody("deepseek-v4-flash", "x [sim fail=drop after=2]", stream: true))
            let events = try dataEvents(r)
            #expect(events.last?.contains("\"error\"") == true)
            #expect(!events.contains("[DONE]"))
        }
    }

    @Test func toolCallsStream() async throws {
        try await withGateway { client, _ in
            let tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"required\""
                // DeepSeek V4 thinks by default, and thinking mode refuses tool_choice "required".
                + ",\"thinking\":{\"type\":\"disabled\"}"
            let r = try await post(client, chatBody("deepseek-v4-flash", "weather?", stream: true, extra: tools))
            let events = try dataEvents(r)
            #expect(events.contains { $0.contains("\"tool_calls\"") && $0.contains("get_weather") })
            #expect(events.contains { $0.contains("\"finish_reason\":\"tool_calls\"") })
        }
    }
}
