/// DeepSeek: 402 is an exhausted balance; "Content Exists Risk" (HTTP 400) is its content filter;
/// 503 is overload (provider-apis.md §2).
public struct DeepSeekAdapter: ProviderAdapter {
    public var family: ModelFamily { .deepseek }
    public init() {}

    public func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        if status == 402 || error.mentions("insufficient balance") { return .balance }
        if error.mentions("content exists risk") { return .contentFilter }
        return StandardErrorClassifier.classify(status: status, error: error)
    }
}
