/// DeepSeek: 402 is an exhausted balance; "Content Exists Risk" (HTTP 400) is its content filter;
/// 400 "Model Not Exist" is an unknown model (another deployment may serve it); 503 is overload
/// (provider-apis.md §2, §7.6). Thinking mode needs `reasoning_content` back in tool turns.
package struct DeepSeekAdapter: ProviderAdapter {
    package var family: ModelFamily { .deepseek }
    package init() {}

    package func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        if status == 402 || error.mentions("insufficient balance") { return .balance }
        if error.mentions("content exists risk") { return .contentFilter }
        if error.mentions("model not exist") { return .notFound }
        return StandardErrorClassifier.classify(status: status, error: error)
    }

    package func prepare(_ body: [UInt8], for model: CatalogModel, stream: Bool) -> PreparedBody {
        ThinkingToolTurnRule.prepare(body, for: model, family: "DeepSeek")
    }
}
