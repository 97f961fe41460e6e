/// Qwen (DashScope compatible mode): `data_inspection_failed` is the content filter (also
/// mid-stream); `Arrearage`, `insufficient_quota` and "Free allocated quota exceeded" are balance;
/// `limit_requests` and `Throttling` are rate limits; "Range of input length…" is a prompt too
/// long for the model (provider-apis.md §3, §7.6).
///
/// Open-source Qwen3 models think by default and reject non-streaming calls with thinking on, so
/// a non-streaming call that does not set `enable_thinking` goes with `enable_thinking: false`.
package struct QwenAdapter: ProviderAdapter {
    package var family: ModelFamily { .qwen }
    package init() {}

    package func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        if error.mentions("free allocated quota exceeded") { return .balance }
        if error.mentions("range of input length") { return .contextLength }
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

    package func prepare(_ body: [UInt8], for model: CatalogModel, stream: Bool) -> PreparedBody {
        guard !stream, model.thinking == .onByDefault, let document = try? JSONDocument(bytes: body), document.root.kind == .object,
              ThinkingSwitch.requested(in: document) == nil else { return .send(body) }
        var edits = ByteEdits()
        edits.insert(",\"enable_thinking\":false", at: document.root.range.upperBound - 1)
        return .send(edits.applied(to: document.bytes))
    }

    /// Qwen's embedding models take text: a string or an array of strings (Model Studio,
    /// "OpenAI compatible - Embedding"), not token IDs.
    package func prepareEmbeddings(_ body: [UInt8], request: EmbeddingsRequest, for model: CatalogModel) -> PreparedBody {
        if request.hasTokenInput {
            return .reject("\(model.id) takes text input only (a string or an array of strings), not token IDs.")
        }
        return EmbeddingsRules.limits(body, request: request, for: model)
    }
}
