/// Moonshot Kimi: errors carry only `type`. 403 means balance (or permission);
/// `engine_overloaded_error` arrives as HTTP 429 but is overload, not a rate limit.
public struct KimiAdapter: ProviderAdapter {
    public var family: ModelFamily { .kimi }
    public init() {}

    public func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        switch error.type {
        case "content_filter": return .contentFilter
        case "engine_overloaded_error": return .overloaded
        case "rate_limit_reached_error": return .rateLimit
        case "invalid_authentication_error": return .auth
        case "exceeded_current_quota_error", "insufficient_balance_error": return .balance
        default: break
        }
        if status == 403 { return error.mentions("permission", "not allowed") ? .auth : .balance }
        return StandardErrorClassifier.classify(status: status, error: error)
    }
}
