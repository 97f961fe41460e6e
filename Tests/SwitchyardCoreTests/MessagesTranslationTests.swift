import Foundation
import Testing
@testable import SwitchyardCore

/// The Messages front door's pure translations: request → chat request, chat completion →
/// message, chat stream → Messages events, errors.
@Suite struct MessagesTranslationTests {
    func translate(_ json: String, counting: Bool = false) throws -> [String: Any] {
        let request = try MessagesRequest(body: Array(json.utf8), counting: counting)
        _ = try ChatRequest(body: request.chatBody)  // Always a valid chat request.
        return try #require(JSONSerialization.jsonObject(with: Data(request.chatBody)) as? [String: Any])
    }

    func refused(_ json: String, counting: Bool = false) -> OpenAIError? {
        do {
            _ = try MessagesRequest(body: Array(json.utf8), counting: counting)
            return nil
        } catch {
            return error
        }
    }

    func messages(_ chat: [String: Any]) -> [[String: Any]] { chat["messages"] as? [[String: Any]] ?? [] }

    // MARK: Request

    @Test func plainFieldsMapOneToOne() throws {
        let chat = try translate("""
            {"model":"glm-5","max_tokens":64,"stream":true,"temperature":0.5,"top_p":0.9,"top_k":40,
             "stop_sequences":["END","\\n\\n"],"metadata":{"user_id":"u-1"},
             "messages":[{"role":"user","content":"hi"}]}
            """)
        #expect(chat["model"] as? String == "glm-5")
        #expect(chat["max_tokens"] as? Int == 64)
        #expect(chat["stream"] as? Bool == true)
        #expect((chat["stream_options"] as? [String: Bool]) == ["include_usage": true])
        #expect(chat["temperature"] as? Double == 0.5)
        #expect(chat["top_p"] as? Double == 0.9)
        #expect(chat["top_k"] as? Int == 40)
        #expect(chat["stop"] as? [String] == ["END", "\n\n"])
        #expect(chat["user"] as? String == "u-1")
        #expect(messages(chat).first?["content"] as? String == "hi")
    }

    @Test func systemAsStringOrBlocksBecomesTheFirstMessage() throws {
        for system in ["\"Be brief.\\nAnd kind.\"", "[{\"type\":\"text\",\"text\":\"Be brief.\"},{\"type\":\"text\",\"text\":\"And kind.\",\"cache_control\":{\"type\":\"ephemeral\"}}]"] {
            let chat = try translate("{\"model\":\"m\",\"max_tokens\":5,\"system\":\(system),\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
            let first = try #require(messages(chat).first)
            #expect(first["role"] as? String == "system")
            #expect(first["content"] as? String == "Be brief.\nAnd kind.")
        }
    }

    @Test func imagesBecomeImageURLParts() throws {
        let chat = try translate("""
            {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
              {"type":"text","text":"what is it?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/a.jpg"}}]}]}
            """)
        let parts = try #require(messages(chat).first?["content"] as? [[String: Any]])
        #expect(parts.count == 3)
        #expect(parts[0]["type"] as? String == "text")
        #expect((parts[1]["image_url"] as? [String: Any])?["url"] as? String == "data:image/png;base64,iVBORw0KGgo=")
        #expect((parts[2]["image_url"] as? [String: Any])?["url"] as? String == "https://example.com/a.jpg")
        let features = RequestFeatures(request: try ChatRequest(body: MessagesRequest(body: Array("""
            {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://e/a.png"}}]}]}
            """.utf8)).chatBody))
        #expect(features.hasImage)
    }

    @Test func toolUseAndToolResultRoundTrip() throws {
        let chat = try translate("""
            {"model":"m","max_tokens":5,
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
             "messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"Checking."},
                {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},
                {"type":"tool_result","tool_use_id":"toolu_2","content":"boom","is_error":true},{"type":"text","text":"And now?"}]}]}
            """)
        let tool = try #require((chat["tools"] as? [[String: Any]])?.first)
        #expect(tool["type"] as? String == "function")
        let function = try #require(tool["function"] as? [String: Any])
        #expect(function["name"] as? String == "get_weather")
        #expect(function["description"] as? String == "Weather")
        #expect((function["parameters"] as? [String: Any])?["type"] as? String == "object")
        #expect(((chat["tool_choice"] as? [String: Any])?["function"] as? [String: Any])?["name"] as? String == "get_weather")
        #expect(chat["parallel_tool_calls"] as? Bool == false)
        let list = messages(chat)
        #expect(list.map { $0["role"] as? String } == ["user", "assistant", "tool", "tool", "user"])
        #expect(list[1]["content"] as? String == "Checking.")
        let call = try #require((list[1]["tool_calls"] as? [[String: Any]])?.first)
        #expect(call["id"] as? String == "toolu_1")
        let arguments = try #require((call["function"] as? [String: Any])?["arguments"] as? String)
        #expect(try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: String] == ["city": "Paris"])
        #expect(list[2]["tool_call_id"] as? String == "toolu_1")
        #expect(list[2]["content"] as? String == "18C")
        #expect(list[3]["content"] as? String == "Error: boom")
    }

    @Test func toolChoiceKinds() throws {
        let tools = "\"tools\":[{\"name\":\"t\",\"input_schema\":{\"type\":\"object\"}}]"
        func choice(_ json: String) throws -> Any? {
            try translate("{\"model\":\"m\",\"max_tokens\":5,\(tools),\"tool_choice\":\(json),\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")["tool_choice"]
        }
        #expect(try choice("{\"type\":\"auto\"}") as? String == "auto")
        #expect(try choice("{\"type\":\"any\"}") as? String == "required")
        #expect(try choice("{\"type\":\"none\"}") as? String == "none")
        #expect(refused("{\"model\":\"m\",\"max_tokens\":5,\"tool_choice\":{\"type\":\"any\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")?.param == "tool_choice")
        #expect(refused("{\"model\":\"m\",\"max_tokens\":5,\(tools),\"tool_choice\":{\"type\":\"some\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")?.param == "tool_choice.type")
    }

    @Test func thinkingBecomesTheFamilysSwitch() throws {
        let on = try MessagesRequest(body: Array("{\"model\":\"m\",\"max_tokens\":50,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":20},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}".utf8))
        #expect(on.reasoning == true)
        var chat = try ChatRequest(body: on.chatBody)
        chat.reasoning = on.reasoning
        func body(_ family: ModelFamily) -> String { String(decoding: chat.upstreamBody(model: "u", family: family), as: UTF8.self) }
        #expect(body(.deepseek).contains("\"thinking\":{\"type\":\"enabled\"}"))
        #expect(body(.glm).contains("\"thinking\":{\"type\":\"enabled\"}"))
        #expect(body(.kimi).contains("\"thinking\":{\"type\":\"enabled\"}"))
        #expect(body(.qwen).contains("\"enable_thinking\":true"))
        #expect(body(.openai).contains("\"reasoning_effort\":\"medium\""))
        for family in ModelFamily.allCases { _ = try JSONDocument(bytes: chat.upstreamBody(model: "u", family: family), strict: true) }
        chat.reasoning = false
        #expect(body(.qwen).contains("\"enable_thinking\":false"))
        #expect(!body(.openai).contains("reasoning_effort"))
        chat.reasoning = nil
        #expect(!body(.qwen).contains("thinking"))
        #expect(refused("{\"model\":\"m\",\"max_tokens\":50,\"thinking\":{\"type\":\"enabled\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")?.param == "thinking.budget_tokens")
    }

    @Test func untranslatableFieldsAreRefusedByName() {
        let base = "\"model\":\"m\",\"max_tokens\":5"
        let user = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]"
        let cases: [(String, String)] = [
            ("{\(base),\(user),\"container\":\"c\"}", "container"),
            ("{\(base),\(user),\"mcp_servers\":[]}", "mcp_servers"),
            ("{\(base),\(user),\"metadata\":{\"tenant\":\"a\"}}", "metadata.tenant"),
            ("{\(base),\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{}}]}]}", "messages.0.content.0.type"),
            ("{\(base),\(user),\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}", "tools.0.type"),
            ("{\(base),\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"image\",\"source\":{}}]}]}]}",
             "messages.0.content.0.content.0.type"),
            ("{\(base),\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"bob\"}]}", "messages.0.name"),
            ("{\(base),\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"f\"}}]}]}", "messages.0.content.0.source.type"),
        ]
        for (json, field) in cases {
            let error = refused(json)
            #expect(error?.status == 400, "\(json)")
            #expect(error?.param == field, "\(json)")
            #expect(error?.message.contains(field) == true)
        }
    }

    @Test func hostileAndMalformedRequestsAre400s() {
        let bad: [(String, String?)] = [
            ("", nil), ("[]", nil), ("{\"model\":\"m\",\"model\":\"n\",\"max_tokens\":1,\"messages\":[]}", nil),
            ("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model"),
            ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens"),
            ("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens"),
            ("{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "max_tokens"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[]}", "messages"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":{}}", "messages"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "messages.0.role"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[]}]}", "messages.0.content"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":7}]}", "messages.0.content"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}", "messages.0.content.0.type"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[\"str\"]}]}", "messages.0.content.0"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "temperature"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"stop_sequences\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "stop_sequences.0"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"a\\\"b\"}}]}]}",
             "messages.0.content.0.source.data"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"file:///etc/passwd\"}}]}]}",
             "messages.0.content.0.source.url"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":\"{}\"}]}]}",
             "messages.0.content.0.input"),
            ("{\"model\":\"m\",\"max_tokens\":5,\"tools\":[{\"name\":\"t\"}],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "tools.0.input_schema"),
        ]
        for (json, param) in bad {
            let error = refused(json)
            #expect(error?.status == 400, "\(json)")
            if let param { #expect(error?.param == param, "\(json)") }
        }
        // Deep nesting and bytes that are not UTF-8: refused, never a crash.
        let deep = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"metadata\":" + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}"
        #expect(refused(deep)?.status == 400)
        #expect((try? MessagesRequest(body: [0x7B, 0xFF, 0x7D])) == nil)
    }

    @Test func countingNeedsNoMaxTokensAndRefusesStream() throws {
        let chat = try translate("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", counting: true)
        #expect(chat["max_tokens"] == nil)
        #expect(refused("{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", counting: true)?.param == "stream")
        #expect(String(decoding: MessagesResponse.tokenCount(42), as: UTF8.self) == "{\"input_tokens\":42}")
    }

    // MARK: Whole answers

    func message(_ chat: String, stops: [String] = []) throws -> [String: Any] {
        let bytes = try #require(MessagesResponse.message(fromChatCompletion: Array(chat.utf8), stopSequences: stops))
        return try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func completionBecomesAMessage() throws {
        let m = try message("""
            {"id":"chatcmpl-1","object":"chat.completion","model":"glm-5","choices":[{"index":0,"message":{"role":"assistant",
             "content":"Hello","reasoning_content":"Let me think","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}},
             {"id":"call_2","type":"function","function":{"name":"g","arguments":""}},{"id":"call_3","type":"function","function":{"name":"h","arguments":"{oops"}}]},
             "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":30,"completion_tokens":7,"total_tokens":37,"prompt_tokens_details":{"cached_tokens":10}}}
            """)
        #expect(m["id"] as? String == "msg_chatcmpl-1")
        #expect(m["type"] as? String == "message")
        #expect(m["role"] as? String == "assistant")
        #expect(m["model"] as? String == "glm-5")
        #expect(m["stop_reason"] as? String == "tool_use")
        let content = try #require(m["content"] as? [[String: Any]])
        #expect(content.map { $0["type"] as? String } == ["thinking", "text", "tool_use", "tool_use", "tool_use"])
        #expect(content[0]["thinking"] as? String == "Let me think")
        #expect(content[1]["text"] as? String == "Hello")
        #expect(content[2]["id"] as? String == "call_1")
        #expect(content[2]["input"] as? [String: Int] == ["a": 1])
        #expect((content[3]["input"] as? [String: Any])?.isEmpty == true)
        #expect(content[4]["input"] as? [String: String] == ["_unparsed_arguments": "{oops"])
        let usage = try #require(m["usage"] as? [String: Int])
        #expect(usage["input_tokens"] == 20 && usage["cache_read_input_tokens"] == 10 && usage["output_tokens"] == 7)
    }

    @Test func stopReasons() throws {
        #expect(MessagesResponse.stopReason(finish: "stop") == ("end_turn", nil))
        #expect(MessagesResponse.stopReason(finish: "stop", matchedStop: "END") == ("stop_sequence", "END"))
        #expect(MessagesResponse.stopReason(finish: "length") == ("max_tokens", nil))
        #expect(MessagesResponse.stopReason(finish: "tool_calls") == ("tool_use", nil))
        #expect(MessagesResponse.stopReason(finish: "content_filter") == ("refusal", nil))
        #expect(MessagesResponse.stopReason(finish: "sensitive") == ("refusal", nil))
        let m = try message("{\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"a\"},\"finish_reason\":\"stop\",\"stop_reason\":\"END\"}]}", stops: ["END"])
        #expect(m["stop_reason"] as? String == "stop_sequence" && m["stop_sequence"] as? String == "END")
    }

    @Test func notACompletionIsNil() {
        for body in ["", "{}", "{\"choices\":[]}", "{\"choices\":[{\"message\":7}]}", "[1]"] {
            #expect(MessagesResponse.message(fromChatCompletion: Array(body.utf8)) == nil)
        }
    }

    // MARK: Errors

    @Test func errorStatusesAndTypes() throws {
        let expected: [(APIError, Int, String)] = [
            (.invalidJSON, 400, "invalid_request_error"), (.requestTooLarge, 413, "invalid_request_error"),
            (.invalidAPIKey, 401, "authentication_error"), (.modelNotAllowed, 403, "permission_error"),
            (.modelNotFound, 404, "not_found_error"), (.keyRequestRateLimited, 429, "rate_limit_error"),
            (.insufficientQuota, 429, "rate_limit_error"), (.internalError, 500, "api_error"), (.upstreamError, 502, "api_error"),
            (.upstreamOverloaded, 529, "overloaded_error"), (.noHealthyDeployment, 529, "overloaded_error"),
        ]
        for (kind, status, type) in expected {
            let (got, body) = MessagesResponse.error(OpenAIError(kind, "m \"q\""))
            #expect(got == status, "\(kind)")
            let json = try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(json["type"] as? String == "error")
            #expect((json["error"] as? [String: String]) == ["type": type, "message": "m \"q\""])
        }
        let converted = try #require(MessagesResponse.error(fromOpenAIBody: Array(OpenAIError(.invalidAPIKey, "no").body.utf8), status: 401))
        #expect(converted.status == 401 && converted.body.contains("authentication_error"))
        #expect(MessagesResponse.error(fromOpenAIBody: Array("nope".utf8), status: 500) == nil)
    }

    // MARK: Streams

    func chunk(_ delta: String, finish: String? = nil, usage: String? = nil) -> String {
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":\(delta),\"finish_reason\":"
            + (finish.map { "\"\($0)\"" } ?? "null") + "}]" + (usage.map { ",\"usage\":\($0)" } ?? "") + "}\n\n"
    }

    /// The events as (name, JSON) pairs.
    func events(_ bytes: [UInt8]) throws -> [(String, [String: Any])] {
        var out: [(String, [String: Any])] = []
        for frame in String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n") where frame.hasPrefix("event: ") {
            let lines = frame.components(separatedBy: "\n")
            let name = String(lines[0].dropFirst("event: ".count))
            let data = String(lines[1].dropFirst("data: ".count))
            out.append((name, try #require(JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])))
        }
        return out
    }

    @Test func streamOfThinkingTextAndToolCalls() throws {
        var translator = MessagesStreamTranslator(model: "fallback", promptEstimate: 12)
        let text = chunk("{\"role\":\"assistant\",\"content\":\"\"}") + ": keep-alive\n\n"
            + chunk("{\"reasoning_content\":\"Hmm\"}") + chunk("{\"reasoning_content\":\" ok\"}")
            + chunk("{\"content\":\"Hel\"}") + chunk("{\"content\":\"lo\"}")
            + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}")
            + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}")
            + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}")
            + chunk("{}", finish: "tool_calls")
            + "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"cost_usd\":\"0.000029\"}}\n\n"
            + ": x-switchyard-cost-usd=0.001\n\n" + "data: [DONE]\n\n"
        // Fed one byte at a time: frames split anywhere.
        var out: [UInt8] = []
        for byte in Array(text.utf8) { out += translator.consume([byte]) }
        out += translator.finish()
        let written = String(decoding: out, as: UTF8.self)
        #expect(written.contains(": x-switchyard-cost-usd=0.001\n\n"))
        #expect(written.contains(": x-switchyard-cost-usd=0.000029\n\nevent: message_delta"))
        let list = try events(out)
        #expect(list.map(\.0) == ["message_start", "ping", "ping",
                                  "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                                  "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                                  "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                                  "message_delta", "message_stop"])
        let start = try #require(list[0].1["message"] as? [String: Any])
        #expect(start["id"] as? String == "msg_c1" && start["model"] as? String == "m")
        #expect((start["usage"] as? [String: Int])?["input_tokens"] == 12)
        #expect((list[3].1["content_block"] as? [String: Any])?["type"] as? String == "thinking")
        #expect((list[4].1["delta"] as? [String: String]) == ["type": "thinking_delta", "thinking": "Hmm"])
        #expect((list[8].1["delta"] as? [String: String]) == ["type": "text_delta", "text": "Hel"])
        #expect(list[8].1["index"] as? Int == 1)
        let tool = try #require(list[11].1["content_block"] as? [String: Any])
        #expect(tool["type"] as? String == "tool_use" && tool["id"] as? String == "call_1" && tool["name"] as? String == "f")
        #expect((list[12].1["delta"] as? [String: String]) == ["type": "input_json_delta", "partial_json": "{\"a\":"])
        #expect(list[14].1["index"] as? Int == 2)
        #expect((list[15].1["delta"] as? [String: Any])?["stop_reason"] as? String == "tool_use")
        let usage = try #require(list[15].1["usage"] as? [String: Int])
        #expect(usage["input_tokens"] == 20 && usage["output_tokens"] == 9)
    }

    @Test func streamStopsAndLengths() throws {
        for (finish, reason) in [("stop", "end_turn"), ("length", "max_tokens")] {
            var translator = MessagesStreamTranslator(model: "m", promptEstimate: 1)
            var out = translator.consume(Array((chunk("{\"content\":\"a\"}") + chunk("{}", finish: finish)).utf8))
            out += translator.finish()
            let list = try events(out)
            #expect(list.last?.0 == "message_stop")
            #expect((list[list.count - 2].1["delta"] as? [String: Any])?["stop_reason"] as? String == reason)
            #expect(translator.finish().isEmpty)  // Once.
        }
    }

    @Test func errorInsideAStreamIsOneErrorEventAndTheEnd() throws {
        var translator = MessagesStreamTranslator(model: "m", promptEstimate: 1)
        var out = translator.consume(Array(chunk("{\"content\":\"a\"}").utf8))
        out += translator.consume(Array(("data: " + OpenAIError(.upstreamOverloaded, "busy").body + "\n\n" + chunk("{\"content\":\"late\"}")).utf8))
        out += translator.finish()
        let list = try events(out)
        #expect(list.last?.0 == "error")
        #expect(list.last?.1["error"] as? [String: String] == ["type": "overloaded_error", "message": "busy"])
        #expect(!list.contains { $0.0 == "message_stop" })
        #expect(!String(decoding: out, as: UTF8.self).contains("late"))
    }

    @Test func emptyOrGarbageStreamStillEndsAsAMessage() throws {
        var translator = MessagesStreamTranslator(model: "m", promptEstimate: 3)
        var out = translator.consume(Array("data: not json\n\ndata: [1,2]\n\n".utf8))
        out += translator.finish()
        #expect(try events(out).map(\.0) == ["message_start", "ping", "message_delta", "message_stop"])
        var oversized = MessagesStreamTranslator(model: "m", promptEstimate: 3)
        let big = oversized.consume(Array(repeating: UInt8(ascii: "a"), count: 9 << 20))
        #expect(try events(big).map(\.0) == ["error"])
    }
}
