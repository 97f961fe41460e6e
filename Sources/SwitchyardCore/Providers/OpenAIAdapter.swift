/// Plain OpenAI-compatible upstreams (OpenAI, vLLM, Ollama, …).
public struct OpenAIAdapter: ProviderAdapter {
    public var family: ModelFamily { .openai }
    public init() {}

    public func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        StandardErrorClassifier.classify(status: status, error: error)
    }
}
