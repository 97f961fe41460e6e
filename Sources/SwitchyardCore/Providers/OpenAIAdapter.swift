/// Plain OpenAI-compatible upstreams (OpenAI, vLLM, Ollama, …).
package struct OpenAIAdapter: ProviderAdapter {
    package var family: ModelFamily { .openai }
    package init() {}

    package func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        StandardErrorClassifier.classify(status: status, error: error)
    }
}
