/// Reads token usage out of a response body or a stream chunk, whatever the provider's dialect.
///
/// Order of precedence (provider-apis.md §6.2): the top-level `usage` object, else
/// `choices[0].usage` (Kimi puts it there on the finish chunk). Cached prompt tokens come from
/// `prompt_tokens_details.cached_tokens`, `prompt_cache_hit_tokens` (DeepSeek) or `cached_tokens`
/// (old Kimi).
package enum UsageReader {
    /// The usage object of `object`, if it has one (`nil` also for `"usage": null`).
    package static func usageObject(in document: JSONDocument, object: JSONValue) -> JSONValue? {
        if let usage = document.member("usage", of: object), usage.kind == .object { return usage }
        if let choices = document.member("choices", of: object),
           let first = document.firstElement(of: choices),
           let usage = document.member("usage", of: first), usage.kind == .object {
            return usage
        }
        return nil
    }

    package static func usage(in document: JSONDocument, object: JSONValue) -> TokenUsage? {
        guard let usage = usageObject(in: document, object: object) else { return nil }
        return read(usage, in: document)
    }

    /// The counts as reported, bounded to ±2^40 so that sums cannot overflow. A field that is
    /// present but not an integer (a fraction, a string, a number beyond `Int`) reads as 2^40:
    /// implausible, see `TokenUsage.implausibility`. Negative counts stay negative.
    package static func read(_ usage: JSONValue, in document: JSONDocument) -> TokenUsage {
        let bound = 1 << 40
        func int(_ path: String...) -> Int? {
            var current = usage
            for key in path {
                guard let next = document.member(key, of: current) else { return nil }
                current = next
            }
            if current.kind == .null { return nil }
            guard let value = document.int(current) else { return bound }
            return min(bound, max(-bound, value))
        }
        let prompt = int("prompt_tokens") ?? 0
        let completion = int("completion_tokens") ?? 0
        let cached = int("prompt_tokens_details", "cached_tokens") ?? int("prompt_cache_hit_tokens") ?? int("cached_tokens") ?? 0
        let reasoning = int("completion_tokens_details", "reasoning_tokens") ?? 0
        return TokenUsage(promptTokens: prompt, completionTokens: completion, cachedPromptTokens: cached, reasoningTokens: reasoning)
    }
}
