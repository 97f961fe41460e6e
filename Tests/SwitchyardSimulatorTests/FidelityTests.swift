import Foundation
import SwitchyardCore
import Testing
@testable import SwitchyardSimulator

/// The simulator honours the chat request's contract, and each family's documented
/// differences (provider-apis.md §7).
@Suite struct FidelityTests {
    let sim = Simulator(options: .init(seed: 3, fast: true))
    static let weather = #""tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}}},{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"]}}}]"#

    func body(_ model: String, _ content: String, _ extra: String = "", stream: Bool = false) -> [UInt8] {
        Array("{\"model\":\(JSONString.quoted(model)),\"stream\":\(stream),\"messages\":[{\"role\":\"user\",\"content\":\(JSONString.quoted(content))}]\(extra.isEmpty ? "" : "," + extra)}".utf8)
    }

    func answer(_ model: String, _ content: String, _ extra: String = "") throws -> (status: Int, doc: JSONDocument) {
        let response = sim.respond(body: body(model, content, extra))
        let bytes = Array(response.body.bytesIgnoringTime.drop { $0 == 0x0A })
        return (response.status, try JSONDocument(bytes: bytes, strict: true))
    }

    func events(_ model: String, _ content: String, _ extra: String = "") throws -> [JSONDocument] {
        var parser = SSEParser()
        return try parser.feed(sim.respond(body: body(model, content, extra, stream: true)).body.bytesIgnoringTime).compactMap {
            guard case .data(let d) = $0, d != Array("[DONE]".utf8) else { return nil }
            return try JSONDocument(bytes: d, strict: true)
        }
    }

    func choices(_ doc: JSONDocument) -> [JSONValue] { doc.member("choices", of: doc.root).map { doc.elements(of: $0) } ?? [] }

    func errorText(_ doc: JSONDocument) -> String { String(decoding: doc.bytes, as: UTF8.self) }

    // MARK: Tools

    @Test(arguments: ["deepseek-v3.2", "Qwen/Qwen3-Coder-30B", "glm-4-9b", "kimi-k2.5"])
    func toolArgumentsFollowTheSchema(model: String) throws {
        let (status, doc) = try answer(model, "[sim tool_call]", Self.weather)
        #expect(status == 200)
        let choice = try #require(choices(doc).first)
        #expect(doc.value(at: "finish_reason", from: choice).flatMap(doc.string) == "tool_calls")
        let call = try #require(doc.value(at: "message", "tool_calls", from: choice).flatMap { doc.firstElement(of: $0) })
        #expect(doc.value(at: "function", "name", from: call).flatMap(doc.string) == "get_weather")
        let arguments = try #require(doc.value(at: "function", "arguments", from: call).flatMap(doc.string))
        let args = try JSONDocument(bytes: Array(arguments.utf8), strict: true)
        #expect(args.member("city", of: args.root).flatMap(args.string) != nil, "\(arguments)")
        // Usage counts the arguments' fragments and the call.
        let usage = try #require(UsageReader.usage(in: doc, object: doc.root))
        #expect(usage.completionTokens > usage.reasoningTokens + 1)
    }

    @Test func toolChoiceVariants() throws {
        let qwen = "Qwen/Qwen3-Coder-30B"
        func toolNames(_ extra: String, _ content: String = "hello") throws -> [String] {
            let (_, doc) = try answer(qwen, content, Self.weather + "," + extra)
            let choice = try #require(choices(doc).first)
            guard let calls = doc.value(at: "message", "tool_calls", from: choice) else { return [] }
            return doc.elements(of: calls).compactMap { doc.value(at: "function", "name", from: $0).flatMap(doc.string) }
        }
        #expect(try toolNames(#""tool_choice":"auto""#) == [])
        #expect(try toolNames(#""tool_choice":"auto""#, "what does get_time say?") == ["get_time"])
        #expect(try toolNames(#""tool_choice":"required""#) == ["get_weather"])
        #expect(try toolNames(#""tool_choice":{"type":"function","function":{"name":"get_time"}}"#) == ["get_time"])
        #expect(try toolNames(#""tool_choice":"none""#, "[sim tool_call]") == [])
        // Qwen makes one call unless parallel_tool_calls is true.
        #expect(try toolNames(#""tool_choice":"required""#, "[sim tool_calls=2]").count == 1)
        #expect(try toolNames(#""tool_choice":"required","parallel_tool_calls":true"#, "[sim tool_calls=2]") == ["get_weather", "get_time"])
        // A named tool that is not among the tools is refused.
        #expect(try answer(qwen, "x", Self.weather + #","tool_choice":{"type":"function","function":{"name":"nope"}}"#).status == 400)
    }

    @Test func answersAfterAToolResult() throws {
        let extra = Self.weather + #","messages":[{"role":"user","content":"weather in Paris? [sim tool_call]"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"18 degrees and sunny"}]"#
        let raw = Array("{\"model\":\"Qwen/Qwen3-Coder-30B\",\(extra)}".utf8)
        let doc = try JSONDocument(bytes: sim.respond(body: raw).body.bytesIgnoringTime)
        let choice = try #require(choices(doc).first)
        #expect(doc.value(at: "finish_reason", from: choice).flatMap(doc.string) == "stop")
        let content = try #require(doc.value(at: "message", "content", from: choice).flatMap(doc.string))
        #expect(content.contains("get_weather") && content.contains("18 degrees and sunny"))
    }

    /// DeepSeek, Qwen and Kimi stream arguments in fragments keyed by index; GLM sends each
    /// call whole unless `tool_stream: true`.
    @Test(arguments: [("deepseek-v3.2", "", true), ("Qwen/Qwen3-Coder-30B", "", true), ("kimi-k2.5", "", true),
                      ("glm-4-9b", "", false), ("glm-4-9b", #""tool_stream":true"#, true)])
    func argumentsStreamPerFamily(model: String, extra: String, fragmented: Bool) throws {
        let chunks = try events(model, "[sim tool_call]", Self.weather + (extra.isEmpty ? "" : "," + extra))
        var pieces: [String] = []
        var starts = 0
        for chunk in chunks {
            guard let choice = choices(chunk).first, let calls = chunk.value(at: "delta", "tool_calls", from: choice) else { continue }
            for call in chunk.elements(of: calls) {
                #expect(chunk.member("index", of: call).flatMap(chunk.int) == 0)
                if chunk.member("id", of: call) != nil { starts += 1 }
                pieces.append(try #require(chunk.value(at: "function", "arguments", from: call).flatMap(chunk.string)))
            }
        }
        #expect(starts == 1)
        #expect(fragmented ? pieces.count > 2 : pieces.count == 1, "\(pieces)")
        let args = try JSONDocument(bytes: Array(pieces.joined().utf8), strict: true)
        #expect(args.member("city", of: args.root) != nil)
    }

    @Test func tooChoiceRequiredPerFamily() throws {
        let required = Self.weather + #","tool_choice":"required""#
        // DeepSeek in thinking mode (V4's default) refuses; with thinking off it calls.
        let ds = try answer("deepseek-v4-flash", "x", required)
        #expect(ds.status == 400 && errorText(ds.doc).contains("Thinking mode does not support this tool_choice"))
        #expect(try answer("deepseek-v4-flash", "x", required + #","thinking":{"type":"disabled"}"#).status == 200)
        // Kimi K2.x refuses `required`, and a named tool with thinking on.
        let kimi = try answer("kimi-k2.5", "x", required)
        #expect(kimi.status == 400 && kimi.doc.value(at: "error", "type").flatMap(kimi.doc.string) == "invalid_request_error")
        #expect(kimi.doc.value(at: "error", "code") == nil)
        #expect(try answer("kimi-k2.5", "x", Self.weather + #","tool_choice":{"type":"function","function":{"name":"get_time"}}"#).status == 400)
        // GLM documents only "auto".
        let glm = try answer("glm-4-9b", "x", required)
        #expect(glm.status == 400 && glm.doc.value(at: "error", "code").flatMap(glm.doc.string) == "1210")
        #expect(try answer("glm-4-9b", "x", Self.weather + #","tool_choice":"auto""#).status == 200)
    }

    @Test func thinkingToolTurnNeedsReasoningBack() throws {
        let history = #""messages":[{"role":"user","content":"w?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}]"#
        for model in ["deepseek-v4-flash", "kimi-k2.5"] {
            let raw = sim.respond(body: Array("{\"model\":\"\(model)\",\(Self.weather),\(history)}".utf8))
            #expect(raw.status == 400)
            #expect(String(decoding: raw.body.bytesIgnoringTime, as: UTF8.self).contains("reasoning_content"))
            let off = sim.respond(body: Array("{\"model\":\"\(model)\",\"thinking\":{\"type\":\"disabled\"},\(Self.weather),\(history)}".utf8))
            #expect(off.status == 200)
        }
    }

    // MARK: Structured output

    @Test func jsonObjectAndSchema() throws {
        let (status, doc) = try answer("deepseek-v3.2", "answer in json", #""response_format":{"type":"json_object"}"#)
        #expect(status == 200)
        let content = try #require(choices(doc).first.flatMap { doc.value(at: "message", "content", from: $0) }.flatMap(doc.string))
        #expect(try JSONDocument(bytes: Array(content.utf8), strict: true).root.kind == .object)
        let schema = #""response_format":{"type":"json_schema","json_schema":{"name":"p","strict":true,"schema":{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":120}},"required":["name","age"],"additionalProperties":false}}}"#
        let chunks = try events("kimi-k2.5", "person", schema)
        let text = chunks.compactMap { c in choices(c).first.flatMap { c.value(at: "delta", "content", from: $0) }.flatMap(c.string) }.joined()
        let person = try JSONDocument(bytes: Array(text.utf8), strict: true)
        #expect(person.member("name", of: person.root).flatMap(person.string) != nil)
        #expect((0...120).contains(try #require(person.member("age", of: person.root).flatMap(person.int))))
        #expect(chunks.filter { c in choices(c).first.flatMap { c.value(at: "delta", "content", from: $0) } != nil }.count > 3)
    }

    @Test func qwenJSONObjectNeedsTheWordJSON() throws {
        let extra = #""response_format":{"type":"json_object"},"enable_thinking":false"#
        let refused = try answer("Qwen/Qwen3-32B", "give me data", extra)
        #expect(refused.status == 400 && errorText(refused.doc).contains("must contain the word 'json'"))
        #expect(try answer("Qwen/Qwen3-32B", "give me JSON data", extra).status == 200)
    }

    // MARK: Sampling and limits

    @Test func nChoicesStopAndLength() throws {
        let (_, many) = try answer("deepseek-v3.2", "[sim tokens=12]", #""n":3"#)
        #expect(choices(many).count == 3)
        #expect(choices(many).map { many.member("index", of: $0).flatMap(many.int) } == [0, 1, 2])
        let usage = try #require(UsageReader.usage(in: many, object: many.root))
        #expect(usage.completionTokens == 36)
        // stop: the answer ends before the stop sequence.
        let plain = try answer("glm-4-9b", "[sim tokens=30]", #""seed":9"#)
        let text = try #require(choices(plain.doc).first.flatMap { plain.doc.value(at: "message", "content", from: $0) }.flatMap(plain.doc.string))
        let word = String(text.split(separator: " ")[3])
        let stopped = try answer("glm-4-9b", "[sim tokens=30]", "\"seed\":9,\"stop\":[\" \(word)\"]")
        let cut = try #require(choices(stopped.doc).first)
        let cutText = try #require(stopped.doc.value(at: "message", "content", from: cut).flatMap(stopped.doc.string))
        #expect(text.hasPrefix(cutText) && !cutText.contains(" \(word)") && cutText.count < text.count)
        #expect(stopped.doc.value(at: "finish_reason", from: cut).flatMap(stopped.doc.string) == "stop")
        // max_tokens: finish_reason length.
        let capped = try answer("glm-4-9b", "[sim tokens=30]", #""max_tokens":5"#)
        #expect(choices(capped.doc).first.flatMap { capped.doc.value(at: "finish_reason", from: $0) }.flatMap(capped.doc.string) == "length")
    }

    @Test func familiesRefuseWhatTheirDocsRefuse() throws {
        // Kimi K2.5: n is fixed at 1.
        #expect(try answer("kimi-k2.5", "x", #""n":2"#).status == 400)
        // DeepSeek: logprobs in thinking mode.
        let ds = try answer("deepseek-v4-flash", "x", #""logprobs":true"#)
        #expect(ds.status == 400 && errorText(ds.doc).contains("logprobs"))
        // GLM: one stop word only.
        let glm = try answer("glm-5", "x", #""stop":["a","b"]"#)
        #expect(glm.status == 400 && glm.doc.value(at: "error", "code").flatMap(glm.doc.string) == "1210")
        #expect(try answer("glm-5", "x", #""stop":["a"]"#).status == 200)
        // Open-source Qwen3 thinks by default: non-streaming needs enable_thinking false.
        let qwen = try answer("Qwen/Qwen3-32B", "x")
        #expect(qwen.status == 400 && errorText(qwen.doc).contains("enable_thinking must be set to false"))
        #expect(try events("Qwen/Qwen3-32B", "[sim tokens=3]").contains { c in
            choices(c).first.flatMap { c.value(at: "delta", "reasoning_content", from: $0) } != nil
        })
        // Bad types are refused, not ignored.
        #expect(try answer("deepseek-v3.2", "x", #""n":"two""#).status == 400)
        #expect(try answer("deepseek-v3.2", "x", #""top_logprobs":50,"logprobs":true"#).status == 400)
        #expect(try answer("deepseek-v3.2", "x", #""response_format":{"type":"yaml"}"#).status == 400)
    }

    @Test func logprobsAndSeed() throws {
        let extra = #""logprobs":true,"top_logprobs":3,"seed":42"#
        let (_, doc) = try answer("deepseek-v3.2", "[sim tokens=6]", extra)
        let choice = try #require(choices(doc).first)
        let entries = try #require(doc.value(at: "logprobs", "content", from: choice)).kind
        #expect(entries == .array)
        let first = try #require(doc.value(at: "logprobs", "content", from: choice).flatMap { doc.firstElement(of: $0) })
        #expect(try #require(doc.member("logprob", of: first).flatMap(doc.double)) <= 0)
        #expect(doc.member("top_logprobs", of: first).map { doc.elements(of: $0).count } == 3)
        // Same seed and request: same answer, whatever came before.
        let again = try answer("deepseek-v3.2", "[sim tokens=6]", extra)
        let content = { (d: JSONDocument) in d.value(at: "choices").flatMap { d.firstElement(of: $0) }.flatMap { d.value(at: "message", "content", from: $0) }.flatMap(d.string) }
        #expect(content(doc) == content(again.doc))
        let other = try answer("deepseek-v3.2", "[sim tokens=6]", #""logprobs":true,"top_logprobs":3,"seed":43"#)
        #expect(content(doc) != content(other.doc))
    }

    // MARK: Reasoning, usage, finish reasons, errors

    @Test func reasoningDefaultsAndSwitches() throws {
        func reasoning(_ model: String, _ extra: String = "") throws -> Bool {
            let (_, doc) = try answer(model, "[sim tokens=8]", extra)
            return choices(doc).first.flatMap { doc.value(at: "message", "reasoning_content", from: $0) } != nil
        }
        #expect(try reasoning("deepseek-v4-flash"))
        #expect(try !reasoning("deepseek-v4-flash", #""thinking":{"type":"disabled"}"#))
        #expect(try reasoning("glm-5"))
        #expect(try !reasoning("glm-4-9b"))
        #expect(try reasoning("kimi-k2.5") && !reasoning("kimi-k2.5", #""thinking":{"type":"disabled"}"#))
        #expect(try !reasoning("deepseek-v3.2") && reasoning("deepseek-r1"))
    }

    @Test func glmUsageAndFinishReasons() throws {
        let (_, doc) = try answer("glm-5", "[sim tokens=8]")
        #expect(doc.value(at: "usage", "completion_tokens_details") == nil)
        #expect(try answer("deepseek-v4-flash", "[sim tokens=8]").doc.value(at: "usage", "completion_tokens_details", "reasoning_tokens") != nil)
        for reason in ["sensitive", "model_context_window_exceeded"] {
            let chunks = try events("glm-5", "[sim tokens=8 finish=\(reason)]")
            #expect(chunks.contains { c in choices(c).first.flatMap { c.value(at: "finish_reason", from: $0) }.flatMap(c.string) == reason })
        }
        // Not a GLM reason: ignored by other families.
        let ds = try answer("deepseek-v3.2", "[sim tokens=8 finish=sensitive]")
        #expect(choices(ds.doc).first.flatMap { ds.doc.value(at: "finish_reason", from: $0) }.flatMap(ds.doc.string) == "stop")
    }

    @Test func streamUsageCountsEverything() throws {
        let chunks = try events("deepseek-v3.2", "[sim tool_call]", Self.weather + #","stream_options":{"include_usage":true}"#)
        let last = try #require(chunks.last)
        #expect(choices(last).isEmpty)
        let usage = try #require(UsageReader.usage(in: last, object: last.root))
        let fragments = chunks.reduce(0) { n, c in
            n + (choices(c).first.flatMap { c.value(at: "delta", "tool_calls", from: $0) }.map { c.elements(of: $0).count } ?? 0)
        }
        // One token per arguments fragment plus one for the call (its first chunk has empty arguments).
        #expect(usage.completionTokens == fragments)
    }

    @Test(arguments: [("deepseek-v3.2", 400, "maximum context length"), ("Qwen/Qwen3-Coder-30B", 400, "Range of input length"),
                      ("kimi-k2.5", 400, "Input token length too long"), ("glm-4-9b", 400, "1261")])
    func contextTooLongPerFamily(model: String, status: Int, text: String) throws {
        let directive = try answer(model, "[sim fail=context_length]")
        #expect(directive.status == status && errorText(directive.doc).contains(text))
        // A prompt that really is longer than the window gets the same answer.
        let long = String(repeating: "word ", count: 140_000)
        let real = try answer(model, long)
        #expect(real.status == status && errorText(real.doc).contains(text))
    }

    @Test func kimiBalanceIs429() throws {
        let (status, doc) = try answer("kimi-k2.5", "[sim fail=balance]")
        #expect(status == 429 && doc.value(at: "error", "type").flatMap(doc.string) == "exceeded_current_quota_error")
        #expect(ProviderAdapters.adapter(for: .kimi).classify(status: status, error: UpstreamErrorBody(document: doc, object: doc.root)) == .balance)
    }
}
