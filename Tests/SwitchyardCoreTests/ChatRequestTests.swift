import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct ChatRequestTests {
    func parse(_ text: String) throws(OpenAIError) -> ChatRequest { try ChatRequest(body: Array(text.utf8)) }

    func expectError(_ text: String, status: Int = 400, param: String?, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(text)
            Issue.record("expected an error for \(text)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.status == status, sourceLocation: sourceLocation)
            #expect(error.param == param, sourceLocation: sourceLocation)
            #expect(error.type == "invalid_request_error", sourceLocation: sourceLocation)
        }
    }

    @Test func badBodiesNameTheField() {
        expectError("not json", param: nil)
        expectError("[1,2]", param: nil)
        expectError(#"{"messages":[{"role":"user","content":"hi"}]}"#, param: "model")
        expectError(#"{"model":42,"messages":[{"role":"user","content":"hi"}]}"#, param: "model")
        expectError(#"{"model":"  ","messages":[{"role":"user","content":"hi"}]}"#, param: "model")
        expectError(#"{"model":"m"}"#, param: "messages")
        expectError(#"{"model":"m","messages":"hi"}"#, param: "messages")
        expectError(#"{"model":"m","messages":[]}"#, param: "messages")
        expectError(#"{"model":"m","messages":["hi"]}"#, param: "messages[0]")
        expectError(#"{"model":"m","messages":[{"content":"hi"}]}"#, param: "messages[0].role")
        expectError(#"{"model":"m","messages":[{"role":"user"}],"stream":"yes"}"#, param: "stream")
        expectError(#"{"model":"m","messages":[{"role":"user"}],"stream_options":[]}"#, param: "stream_options")
        expectError(#"{"model":"m","messages":[{"role":"user"}],"max_tokens":-1}"#, param: "max_tokens")
    }

    @Test func rewriteChangesOnlyTheModel() throws {
        let original = #"{"model":"qwen3-32b","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAA="}}]}],"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"thinking":{"type":"enabled"},"enable_thinking":true,"x_custom":1.50}"#
        let request = try parse(original)
        #expect(request.model == "qwen3-32b")
        #expect(!request.stream)
        let body = String(decoding: request.upstreamBody(model: "qwen3-32b-upstream"), as: UTF8.self)
        #expect(body == original.replacingOccurrences(of: #""model":"qwen3-32b""#, with: #""model":"qwen3-32b-upstream""#))
    }

    @Test func streamsAlwaysAskForUsage() throws {
        let cases: [(String, String)] = [
            (#"{"model":"m","messages":[{"role":"user"}],"stream":true}"#,
             #"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}}"#),
            (#"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{}}"#,
             #"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}}"#),
            (#"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"x":1}}"#,
             #"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true,"x":1}}"#),
            (#"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":false}}"#,
             #"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}}"#),
        ]
        for (input, expected) in cases {
            let request = try parse(input)
            #expect(!request.clientWantsUsage)
            let body = request.upstreamBody(model: "m")
            #expect(String(decoding: body, as: UTF8.self) == expected)
            _ = try JSONDocument(bytes: body)
        }
        let asked = try parse(#"{"model":"m","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(asked.clientWantsUsage)
    }

    @Test func upstreamModelIsEscaped() throws {
        let request = try parse(#"{"model":"a","messages":[{"role":"user"}]}"#)
        let body = request.upstreamBody(model: "we\"ird")
        let d = try JSONDocument(bytes: body)
        #expect(d.member("model", of: d.root).flatMap(d.string) == "we\"ird")
    }
}
