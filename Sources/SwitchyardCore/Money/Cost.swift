import Foundation

/// The price of one call. `unknown` when the model has no price: never reported as $0.
///
/// Costs are kept in whole picodollars when the prices allow it (every price with at most six
/// decimals per million tokens, which is every real price list), so the hot path does integer
/// arithmetic; other prices fall back to exact `Decimal`. Both print the same digits.
package struct Cost: Sendable, Hashable {
    private enum Amount: Sendable {
        case picodollars(Int64)
        case decimal(Decimal)
        case unknown
    }

    private let amount: Amount

    package static func usd(_ value: Decimal) -> Cost { Cost(amount: .decimal(value)) }
    package static func picodollars(_ value: Int64) -> Cost { Cost(amount: .picodollars(value)) }
    package static let unknown = Cost(amount: .unknown)

    /// Cost of `usage` at `pricing` (USD per 1M tokens), exact.
    ///
    /// Cached prompt tokens are billed at the cached-input rate and the rest of the prompt at the
    /// input rate; reasoning tokens are part of the completion and billed at the output rate.
    package static func of(_ usage: TokenUsage, at pricing: Pricing?) -> Cost {
        guard let pricing else { return .unknown }
        let cached = max(0, min(usage.cachedPromptTokens, usage.promptTokens))
        let uncached = max(0, usage.promptTokens) - cached
        let output = max(0, usage.completionTokens)
        if let rates = pricing.picodollarsPerToken,
           let total = Self.sum([(uncached, rates.input), (cached, rates.cachedInput), (output, rates.output)]) {
            return .picodollars(Picodollars.clamp(total))
        }
        let perToken = Decimal(1_000_000)
        let total = (Decimal(uncached) * pricing.inputPer1M
            + Decimal(cached) * pricing.cachedInputPer1M
            + Decimal(output) * pricing.outputPer1M) / perToken
        // Beyond the ceiling, the amount is the ceiling (what the ledger and the budget see).
        if total >= Picodollars.usd(Picodollars.ceiling) { return .picodollars(Picodollars.ceiling) }
        return .usd(total)
    }

    /// Σ tokens × rate, nil on overflow.
    private static func sum(_ terms: [(Int, Int64)]) -> Int64? {
        var total: Int64 = 0
        for (tokens, rate) in terms {
            let (product, overflowProduct) = Int64(tokens).multipliedReportingOverflow(by: rate)
            let (next, overflowSum) = total.addingReportingOverflow(product)
            if overflowProduct || overflowSum { return nil }
            total = next
        }
        return total
    }

    /// The header / JSON rendering: a plain decimal (`0.00000375`), or `unknown`.
    package var headerValue: String {
        switch amount {
        case .picodollars(let value): return Self.plain(value)
        case .decimal(let value): return value.plainString(scale: 12)
        case .unknown: return "unknown"
        }
    }

    /// The amount in USD; nil when unknown.
    package var usd: Decimal? {
        switch amount {
        case .picodollars(let value): return Picodollars.usd(value)
        case .decimal(let value): return value
        case .unknown: return nil
        }
    }

    /// The amount in whole picodollars, rounded as the header is; nil when unknown.
    package var picodollars: Int64? {
        switch amount {
        case .picodollars(let value): return value
        case .decimal(let value): return Picodollars.from(value)
        case .unknown: return nil
        }
    }

    package var isKnown: Bool {
        if case .unknown = amount { return false }
        return true
    }

    /// `picodollars` as a plain decimal number of dollars: `2600000` → `0.0000026`.
    static func plain(_ picodollars: Int64) -> String {
        let magnitude = picodollars.magnitude
        let whole = magnitude / 1_000_000_000_000
        var fraction = magnitude % 1_000_000_000_000
        var text = (picodollars < 0 ? "-" : "") + String(whole)
        guard fraction != 0 else { return text }
        var digits = 12
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let shown = String(fraction)
        text += "." + String(repeating: "0", count: digits - shown.count) + shown
        return text
    }

    package static func == (lhs: Cost, rhs: Cost) -> Bool {
        switch (lhs.amount, rhs.amount) {
        case (.unknown, .unknown): return true
        case (.unknown, _), (_, .unknown): return false
        case (.picodollars(let a), .picodollars(let b)): return a == b
        default: return lhs.usd == rhs.usd
        }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(usd)
    }
}
