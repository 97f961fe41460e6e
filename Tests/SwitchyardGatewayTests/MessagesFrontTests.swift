import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

/// `POST /v1/messages` and `/v1/messages/count_tokens` through the production front handler:
/// the chat pipeline with its request and answer translated.
@Suite struct MessagesFrontTests {
    func postMessages(_ client: some TestClientProtocol, _ body: String, path: String = "/v1/messages") async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    func messagesBody(_ model: String, _ content: String, stream: Bool = false, extra: String = "") -> String {
        "{\"model\":\(JSONString.quoted(model)),\"max_tokens\":64,\"stream\":\(stream),\"messages\":[{\"role\":\"user\",\"content\":\(JSONString.quoted(content))}]\(extra)}"
    }

    @Test(arguments: ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"])
    func wholeMessageWithCostHeaders(model: String) async throws {
        try await withGateway { client, _ in
            let response = try await postMessages(client, messagesBody(model, "hello [sim tokens=6]"))
            #expect(response.status == .ok)
            let d = try json(response)
            #expect(d.value(at: "type").flatMap(d.string) == "message")
            #expect(d.value(at: "stop_reason").flatMap(d.string) == "end_turn")
            let input = try #require(d.value(at: "usage", "input_tokens").flatMap(d.int))
            let output = try #require(d.value(at: "usage", "output_tokens").flatMap(d.int))
            #expect(input > 0 && output > 0)
            let price = try #require(Catalog.builtIn.model(named: model)?.pricing?.outputPer1M)
            #expect(response.headers["x-switchyard-cost-usd"] == (Decimal(input + output) * price / 1_000_000).plainString(scale: 12))
            #expect(response.headers["request-id"] == response.headers["x-request-id"])
        }
    }

    @Test func streamIsMessagesEvents() async throws {
        try await withGateway { client, _ in
            let response = try await postMessages(client, messagesBody("glm-5", "hello [sim tokens=4]", stream: true))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let text = String(buffer: response.body)
            let names = text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(names.first == "message_start")
            #expect(names.last == "message_stop")
            #expect(names.contains("content_block_delta") && names.contains("message_delta"))
            #expect(!text.contains("[DONE]") && !text.contains("chat.completion.chunk"))
            #expect(text.contains(": x-switchyard-cost-usd="))
        }
    }

    @Test func errorsHaveTheMessagesShape() async throws {
        try await withGateway { client, _ in
            var r = try await postMessages(client, messagesBody("no-such-model", "x"))
            #expect(r.status == .notFound)
            var d = try json(r)
            #expect(d.value(at: "type").flatMap(d.string) == "error")
            #expect(d.value(at: "error", "type").flatMap(d.string) == "not_found_error")
            r = try await postMessages(client, "{\"model\":\"glm-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"container\":\"c\"}")
            #expect(r.status == .badRequest)
            d = try json(r)
            #expect(d.value(at: "error", "type").flatMap(d.string) == "invalid_request_error")
            #expect(d.value(at: "error", "message").flatMap(d.string)?.hasPrefix("container:") == true)
            r = try await postMessages(client, messagesBody("glm-5", "x [sim fail=overloaded]"))
            #expect(r.status.code == 529)
            d = try json(r)
            #expect(d.value(at: "error", "type").flatMap(d.string) == "overloaded_error")
            // The chat path is unchanged.
            r = try await post(client, chatBody("no-such-model", "x"))
            #expect(try errorCode(r) == "model_not_found")
        }
    }

    @Test func countTokens() async throws {
        try await withGateway { client, _ in
            let short = try await postMessages(client, "{\"model\":\"glm-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                                               path: "/v1/messages/count_tokens")
            #expect(short.status == .ok)
            let long = try await postMessages(client, "{\"model\":\"glm-5\",\"messages\":[{\"role\":\"user\",\"content\":\"\(String(repeating: "word ", count: 400))\"}]}",
                                              path: "/v1/messages/count_tokens")
            let shortJSON = try json(short), longJSON = try json(long)
            let a = try #require(shortJSON.value(at: "input_tokens").flatMap(shortJSON.int))
            let b = try #require(longJSON.value(at: "input_tokens").flatMap(longJSON.int))
            #expect(a > 0 && b > a + 400)
            let missing = try await postMessages(client, "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                                                 path: "/v1/messages/count_tokens")
            #expect(missing.status == .notFound)
        }
    }
}
