/// Reads token usage out of a response body or a stream chunk, whatever the provider's dialect.
///
/// Order of precedence (provider-apis.md §6.2): the top-level `usage` object, else
/// `choices[0].usage` (Kimi puts it there on the finish chunk). Cached prompt tokens come from
/// `prompt_tokens_details.cached_tokens`, `prompt_cache_hit_tokens` (DeepSeek) or `cached_tokens`
/// (old Kimi).
public enum UsageReader {
    /// The usage object of `object`, if it has one (`nil` also for `"usage": null`).
    public static func usageObject(in document: JSONDocument, object: JSONValue) -> JSONValue? {
        if let usage = document.member("usage", of: object), usage.kind == .object { return usage }
        if let choices = document.member("choices", of: object),
           let first = document.firstElement(of: choices),
           let usage = document.member("usage", of: first), usage.kind == .object {
            return usage
        }
        return nil
    }

    public static func usage(in document: JSONDocument, object: JSONValue) -> TokenUsage? {
        guard let usage = usageObject(in: document, object: object) else { return nil }
        return read(usage, in: document)
    }

    public static func read(_ usage: JSONValue, in document: JSONDocument) -> TokenUsage {
        func int(_ path: String...) -> Int? {
            var current = usage
            for key in path {
                guard let next = document.member(key, of: current) else { return nil }
                current = next
            }
            // Bounded, so that an absurd upstream count cannot overflow a sum.
            return document.int(current).map { min($0, 1 << 40) }
        }
        let prompt = max(0, int("prompt_tokens") ?? 0)
        let completion = max(0, int("completion_tokens") ?? 0)
        let cached = int("prompt_tokens_details", "cached_tokens") ?? int("prompt_cache_hit_tokens") ?? int("cached_tokens") ?? 0
        let reasoning = int("completion_tokens_details", "reasoning_tokens") ?? 0
        return TokenUsage(promptTokens: prompt, completionTokens: completion,
                          cachedPromptTokens: max(0, min(cached, prompt)), reasoningTokens: max(0, min(reasoning, completion)))
    }
}
