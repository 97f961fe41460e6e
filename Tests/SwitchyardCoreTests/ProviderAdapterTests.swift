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
}
