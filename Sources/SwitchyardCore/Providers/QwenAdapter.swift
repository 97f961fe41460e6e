/// Qwen (DashScope compatible mode): `data_inspection_failed` is the content filter (also
/// mid-stream); `Arrearage` and `insufficient_quota` are balance; `limit_requests` is a rate limit.
public struct QwenAdapter: ProviderAdapter {
    public var family: ModelFamily { .qwen }
    public init() {}

    public func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        switch error.code?.lowercased() {
        case "data_inspection_failed", "datainspectionfailed": return .contentFilter
        case "arrearage", "insufficient_quota": return .balance
        case "limit_requests", "throttling", "throttling.ratequota": return .rateLimit
        default: break
        }
        if error.mentions("data_inspection_failed", "inappropriate content") { return .contentFilter }
        if error.mentions("arrearage") { return .balance }
        return StandardErrorClassifier.classify(status: status, error: error)
    }
}
