import Foundation

/// The price of one call. `unknown` when the model has no price: never reported as $0.
public enum Cost: Sendable, Hashable {
    case usd(Decimal)
    case unknown

    /// Cost of `usage` at `pricing` (USD per 1M tokens), exact.
    ///
    /// Cached prompt tokens are billed at the cached-input rate and the rest of the prompt at the
    /// input rate; reasoning tokens are part of the completion and billed at the output rate.
    public static func of(_ usage: TokenUsage, at pricing: Pricing?) -> Cost {
        guard let pricing else { return .unknown }
        let cached = max(0, min(usage.cachedPromptTokens, usage.promptTokens))
        let uncached = max(0, usage.promptTokens) - cached
        let output = max(0, usage.completionTokens)
        let perToken = Decimal(1_000_000)
        let total = (Decimal(uncached) * pricing.inputPer1M
            + Decimal(cached) * pricing.cachedInputPer1M
            + Decimal(output) * pricing.outputPer1M) / perToken
        return .usd(total)
    }

    /// The header / JSON rendering: a plain decimal (`0.00000375`), or `unknown`.
    public var headerValue: String {
        switch self {
        case .usd(let value): return value.plainString(scale: 12)
        case .unknown: return "unknown"
        }
    }

    public var usd: Decimal? {
        if case .usd(let v) = self { return v }
        return nil
    }
}
