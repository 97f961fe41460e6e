import Foundation

/// One model the gateway knows: its identity, what it can do and what it costs.
package struct CatalogModel: Sendable, Hashable {
    package var id: String
    package var name: String
    package var family: ModelFamily
    package var aliases: [String]
    package var contextWindow: Int
    package var capabilities: Set<Capability>
    /// `nil` when the price is unknown: calls are then billed as "unknown", never as $0.
    package var pricing: Pricing?
    /// Typical output tokens per second, where the seed gives it.
    package var tokensPerSecond: Int?
    package var notes: String
    /// The most tokens one answer may have when the request sets no `max_tokens`: the output
    /// cap admission reserves against budgets and TPM. nil: `defaultMaxOutputTokens`.
    package var maxOutputTokensSetting: Int?
    /// Whether and by default how the model reasons (provider documentation, named in `notes`).
    package var thinking: Thinking
    /// Embedding models: the vector length when a request sets no `dimensions`.
    package var embeddingDimensions: Int?
    /// Embedding models: the most inputs one upstream request may carry (Qwen: 10).
    package var maxEmbeddingInputs: Int?

    /// Whether the model answers chat completions (every model but an embeddings-only one).
    package var chats: Bool { capabilities.contains(.text) }

    /// The output cap when none is set: 8,192 tokens, or a quarter of the context window when
    /// that is smaller.
    package static func defaultMaxOutputTokens(contextWindow: Int) -> Int { max(1, min(8_192, contextWindow / 4)) }

    /// The output cap used when a request sets no `max_tokens` / `max_completion_tokens`.
    package var maxOutputTokens: Int { maxOutputTokensSetting ?? Self.defaultMaxOutputTokens(contextWindow: contextWindow) }

    package init(
        id: String,
        name: String,
        family: ModelFamily,
        aliases: [String] = [],
        contextWindow: Int,
        capabilities: Set<Capability>,
        pricing: Pricing?,
        tokensPerSecond: Int? = nil,
        notes: String = "",
        maxOutputTokens: Int? = nil,
        thinking: Thinking = .none,
        embeddingDimensions: Int? = nil,
        maxEmbeddingInputs: Int? = nil
    ) {
        self.embeddingDimensions = embeddingDimensions
        self.maxEmbeddingInputs = maxEmbeddingInputs
        self.thinking = thinking
        self.maxOutputTokensSetting = maxOutputTokens
        self.id = id
        self.name = name
        self.family = family
        self.aliases = aliases
        self.contextWindow = contextWindow
        self.capabilities = capabilities
        self.pricing = pricing
        self.tokensPerSecond = tokensPerSecond
        self.notes = notes
    }

    package var sortedCapabilities: [Capability] { capabilities.sorted() }
}
