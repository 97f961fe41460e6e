/// Moonshot Kimi: errors carry only `type`. A balance fault is 429 `exceeded_current_quota_error`
/// (older pages: 403); `engine_overloaded_error` arrives as HTTP 429 but is overload, not a rate
/// limit; "Input token length too long" is a context-length error (provider-apis.md §4, §7.6).
/// Thinking mode needs `reasoning_content` back in tool turns.
package struct KimiAdapter: ProviderAdapter {
    package var family: ModelFamily { .kimi }
    package init() {}

    package func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        switch error.type {
        case "content_filter": return .contentFilter
        case "engine_overloaded_error": return .overloaded
        case "rate_limit_reached_error": return .rateLimit
        case "invalid_authentication_error", "incorrect_api_key_error": return .auth
        case "exceeded_current_quota_error", "insufficient_balance_error": return .balance
        case "resource_not_found_error": return .notFound
        default: break
        }
        if error.mentions("input token length too long", "exceeded model token limit") { return .contextLength }
        if status == 403 { return error.mentions("permission", "not allowed") ? .auth : .balance }
        return StandardErrorClassifier.classify(status: status, error: error)
    }

    package func prepare(_ body: [UInt8], for model: CatalogModel, stream: Bool) -> PreparedBody {
        ThinkingToolTurnRule.prepare(body, for: model, family: "Kimi")
    }
}
