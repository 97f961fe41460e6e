/// Token counts of one call, normalised across providers.
///
/// `cachedPromptTokens` is the part of `promptTokens` served from the provider's prompt cache;
/// `reasoningTokens` is the part of `completionTokens` spent thinking.
package struct TokenUsage: Sendable, Hashable {
    package var promptTokens: Int
    package var completionTokens: Int
    package var cachedPromptTokens: Int
    package var reasoningTokens: Int

    package init(promptTokens: Int = 0, completionTokens: Int = 0, cachedPromptTokens: Int = 0, reasoningTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.reasoningTokens = reasoningTokens
    }

    package var totalTokens: Int { promptTokens + completionTokens }

    /// No real call reports more than this in any field.
    package static let plausibleMaximum = 100_000_000

    /// Why these counts cannot come from a real call, or nil when they can: a field that is
    /// negative or above 100,000,000, or prompt + completion above 4× the model's context
    /// window. An upstream that reports such usage is treated as a bad response (never billed
    /// as is: the numbers would drain a budget or overflow a sum).
    package func implausibility(contextWindow: Int?) -> String? {
        for (name, value) in [("prompt_tokens", promptTokens), ("completion_tokens", completionTokens),
                              ("cached_tokens", cachedPromptTokens), ("reasoning_tokens", reasoningTokens)] {
            if value < 0 { return "\(name) is negative (\(value))" }
            if value > Self.plausibleMaximum { return "\(name) is above \(Self.plausibleMaximum) (\(value))" }
        }
        if let contextWindow, contextWindow > 0, promptTokens + completionTokens > 4 * contextWindow {
            return "prompt + completion tokens (\(promptTokens + completionTokens)) exceed 4× the context window (\(contextWindow))"
        }
        return nil
    }

    /// Cached tokens within the prompt, reasoning tokens within the completion (call only on
    /// plausible usage).
    package var normalized: TokenUsage {
        TokenUsage(promptTokens: promptTokens, completionTokens: completionTokens,
                   cachedPromptTokens: max(0, min(cachedPromptTokens, promptTokens)),
                   reasoningTokens: max(0, min(reasoningTokens, completionTokens)))
    }
}
