import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct ProviderAdapterTests {
    func classify(_ family: ModelFamily, _ status: Int, _ body: String) -> UpstreamErrorClass {
        ProviderAdapters.adapter(for: family).classify(status: status, error: UpstreamErrorBody(bytes: Array(body.utf8)))
    }

    /// provider-apis.md §6.4, row by row.
    @Test func errorTable() {
        // Balance / quota
        #expect(classify(.deepseek, 402, #"{"error":{"message":"Insufficient Balance","type":"unknown_error"}}"#) == .balance)
        #expect(classify(.qwen, 400, #"{"error":{"code":"Arrearage","message":"Access denied"}}"#) == .balance)
        #expect(classify(.qwen, 429, #"{"error":{"code":"insufficient_quota","message":"quota"}}"#) == .balance)
        #expect(classify(.kimi, 403, #"{"error":{"type":"exceeded_current_quota_error","message":"suspended"}}"#) == .balance)
        #expect(classify(.glm, 429, #"{"error":{"code":"1113","message":"余额不足"}}"#) == .balance)
        #expect(classify(.openai, 429, #"{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}"#) == .balance)
        // Content filter
        #expect(classify(.qwen, 400, #"{"error":{"code":"data_inspection_failed","message":"x"}}"#) == .contentFilter)
        #expect(classify(.kimi, 400, #"{"error":{"type":"content_filter","message":"x"}}"#) == .contentFilter)
        #expect(classify(.glm, 400, #"{"error":{"code":"1301","message":"x"}}"#) == .contentFilter)
        #expect(classify(.deepseek, 400, #"{"error":{"message":"Content Exists Risk"}}"#) == .contentFilter)
        // Rate limit
        #expect(classify(.qwen, 429, #"{"error":{"code":"limit_requests"}}"#) == .rateLimit)
        #expect(classify(.kimi, 429, #"{"error":{"type":"rate_limit_reached_error"}}"#) == .rateLimit)
        #expect(classify(.glm, 429, #"{"error":{"code":"1302"}}"#) == .rateLimit)
        #expect(classify(.deepseek, 429, "") == .rateLimit)
        // Overload / server
        #expect(classify(.kimi, 429, #"{"error":{"type":"engine_overloaded_error"}}"#) == .overloaded)
        #expect(classify(.deepseek, 503, "") == .overloaded)
        #expect(classify(.openai, 500, "oops") == .server)
        // Auth and invalid requests
        #expect(classify(.glm, 401, #"{"error":{"code":"1001"}}"#) == .auth)
        #expect(classify(.glm, 400, #"{"error":{"code":1214,"message":"bad param"}}"#) == .invalidRequest)
        #expect(classify(.openai, 400, #"{"error":{"code":"context_length_exceeded"}}"#) == .contextLength)
        #expect(classify(.openai, 404, "") == .notFound)
    }

    @Test func glmCodeIsNotAStatus() {
        // "1301" must be read as a business code, whatever the HTTP status says.
        #expect(classify(.glm, 200, #"{"error":{"code":"1301"}}"#) == .contentFilter)
    }

    @Test func retryability() {
        #expect(UpstreamErrorClass.rateLimit.isRetryable)
        #expect(!UpstreamErrorClass.balance.isRetryable)
        #expect(UpstreamErrorClass.balance.allowsFailover)
        #expect(!UpstreamErrorClass.contentFilter.allowsFailover)
    }

    @Test func openAIErrorShapes() {
        let balance = UpstreamFailure(errorClass: .balance, provider: "p", deployment: "d").openAIError
        #expect(balance.status == 429 && balance.code == "insufficient_quota" && balance.shouldRetry == false)
        let rate = UpstreamFailure(errorClass: .rateLimit, provider: "p", deployment: "d").openAIError
        #expect(rate.retryAfterSeconds == 1 && rate.shouldRetry == true)
        #expect(UpstreamFailure(errorClass: .timeout, provider: "p", deployment: "d").openAIError.status == 504)
        #expect(UpstreamFailure(errorClass: .connect, provider: "p", deployment: "d").openAIError.status == 502)
    }

    @Test func secretsAreScrubbedFromUpstreamMessages() {
        let failure = UpstreamFailure(errorClass: .invalidRequest, upstreamMessage: "Incorrect API key provided: sk-abcdef1234567890XYZ.",
                                      provider: "p", deployment: "d")
        #expect(failure.upstreamMessage?.contains("sk-abcdef1234567890XYZ") == false)
        #expect(failure.upstreamMessage?.contains("sk-a***") == true)
    }

    /// provider-apis.md §7.6: each family's documented errors, by class.
    @Test func familyErrorsAsDocumented() {
        // Context too long → context_length (routing may move to a model with a larger window).
        #expect(classify(.qwen, 400, #"{"error":{"message":"Range of input length should be [1, 129024]","type":"invalid_request_error","code":"invalid_parameter_error"}}"#) == .contextLength)
        #expect(classify(.kimi, 400, #"{"error":{"message":"Invalid request: Input token length too long","type":"invalid_request_error"}}"#) == .contextLength)
        #expect(classify(.kimi, 400, #"{"error":{"message":"Your request exceeded model token limit: 131072","type":"invalid_request_error"}}"#) == .contextLength)
        #expect(classify(.glm, 400, #"{"error":{"code":"1261","message":"Prompt 超长"}}"#) == .contextLength)
        #expect(classify(.deepseek, 400, #"{"error":{"message":"This model's maximum context length is 131072 tokens.","type":"invalid_request_error"}}"#) == .contextLength)
        // DeepSeek's unknown model is a not-found: another deployment may serve it.
        let notExist = classify(.deepseek, 400, #"{"error":{"message":"Model Not Exist","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#)
        #expect(notExist == .notFound && notExist.allowsFailover)
        // GLM account states 1110–1121 arrive with HTTP 429 but are no rate limit.
        for code in [1110, 1112, 1116, 1121] {
            let c = classify(.glm, 429, #"{"error":{"code":"\#(code)","message":"账户已锁定"}}"#)
            #expect(c == .balance && !c.isRetryable, "\(code)")
        }
        // Qwen's free quota is a balance error, not a rate limit.
        #expect(classify(.qwen, 429, #"{"error":{"message":"Free allocated quota exceeded.","type":"Throttling.AllocationQuota","code":"Throttling.AllocationQuota"}}"#) == .balance)
        #expect(classify(.qwen, 429, #"{"error":{"code":"Throttling.RateQuota","message":"Requests rate limit exceeded"}}"#) == .rateLimit)
        // Kimi's balance fault as documented now: 429 exceeded_current_quota_error.
        #expect(classify(.kimi, 429, #"{"error":{"type":"exceeded_current_quota_error","message":"Your account is suspended due to insufficient balance"}}"#) == .balance)
        // GLM finish reasons that are errors.
        let glm = ProviderAdapters.adapter(for: .glm)
        #expect(glm.failure(forFinishReason: "model_context_window_exceeded") == .contextLength)
        #expect(glm.failure(forFinishReason: "sensitive") == .contentFilter)
        #expect(glm.failure(forFinishReason: "stop") == nil)
    }

    func prepare(_ family: ModelFamily, _ model: String, _ body: String, stream: Bool = false) throws -> PreparedBody {
        let catalogModel = try #require(Catalog.builtIn.model(named: model))
        return ProviderAdapters.adapter(for: family).prepare(Array(body.utf8), for: catalogModel, stream: stream)
    }

    func sent(_ prepared: PreparedBody) -> String? {
        if case .send(let bytes) = prepared { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// README "Normalisations": open-source Qwen3 thinks by default and refuses non-streaming
    /// calls with thinking on, so a plain non-streaming call goes with enable_thinking false.
    @Test func qwenNonStreamingTurnsThinkingOff() throws {
        let plain = #"{"model":"Qwen/Qwen3-32B","messages":[{"role":"user","content":"hi"}]}"#
        let out = try #require(sent(try prepare(.qwen, "Qwen/Qwen3-32B", plain)))
        let doc = try JSONDocument(bytes: Array(out.utf8), strict: true)
        #expect(doc.member("enable_thinking", of: doc.root).flatMap(doc.bool) == false)
        // Streaming, an explicit choice, or a model that does not think: untouched.
        #expect(sent(try prepare(.qwen, "Qwen/Qwen3-32B", plain, stream: true)) == plain)
        let explicit = #"{"model":"Qwen/Qwen3-32B","enable_thinking":true,"messages":[]}"#
        #expect(sent(try prepare(.qwen, "Qwen/Qwen3-32B", explicit)) == explicit)
        let coder = #"{"model":"Qwen/Qwen3-Coder-30B","messages":[]}"#
        #expect(sent(try prepare(.qwen, "Qwen/Qwen3-Coder-30B", coder)) == coder)
    }

    /// README "Normalisations": DeepSeek/Kimi thinking mode needs reasoning_content back in
    /// tool turns; a client that left thinking to the default gets it turned off, one that
    /// turned it on gets an error that says what to send.
    @Test(arguments: [(ModelFamily.deepseek, "deepseek-v4-flash"), (.kimi, "kimi-k2.5")])
    func thinkingToolTurnWithoutReasoning(family: ModelFamily, model: String) throws {
        let history = #""messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}]"#
        let plain = "{\"model\":\"\(model)\",\(history)}"
        let out = try #require(sent(try prepare(family, model, plain)))
        let doc = try JSONDocument(bytes: Array(out.utf8), strict: true)
        #expect(doc.value(at: "thinking", "type").flatMap(doc.string) == "disabled")
        let explicit = "{\"model\":\"\(model)\",\"thinking\":{\"type\":\"enabled\"},\(history)}"
        guard case .reject(let message) = try prepare(family, model, explicit) else { Issue.record("expected a rejection"); return }
        #expect(message.contains("reasoning_content") && message.contains("disabled"))
        // With the reasoning sent back, or thinking off, the body goes as it is.
        let withReasoning = plain.replacingOccurrences(of: #""content":null,"#, with: #""content":null,"reasoning_content":"r","#)
        #expect(sent(try prepare(family, model, withReasoning)) == withReasoning)
        let off = "{\"model\":\"\(model)\",\"thinking\":{\"type\":\"disabled\"},\(history)}"
        #expect(sent(try prepare(family, model, off)) == off)
    }
}
