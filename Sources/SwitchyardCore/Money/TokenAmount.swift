import Foundation

/// A token count written the way people say it: `10B`, `1.5M`, `250k`, `1000000`.
package enum TokenAmount {
    /// Parses exactly (no floating point); nil for anything else, negatives included.
    package static func parse(_ text: String) -> Decimal? {
        var t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")
        guard let last = t.last else { return nil }
        var multiplier: Decimal = 1
        switch last.lowercased() {
        case "k": multiplier = 1_000
        case "m": multiplier = 1_000_000
        case "b", "g": multiplier = 1_000_000_000
        case "t": multiplier = 1_000_000_000_000
        default: break
        }
        if multiplier != 1 { t.removeLast() }
        guard !t.hasPrefix("-"), let value = Decimal(exactly: t) else { return nil }
        return value * multiplier
    }

    /// `10000000000` → `10B`, for labels.
    package static func label(_ tokens: Decimal) -> String {
        for (suffix, size) in [("T", Decimal(1_000_000_000_000)), ("B", 1_000_000_000), ("M", 1_000_000), ("K", 1_000)] where tokens >= size {
            return (tokens / size).plainString(scale: 3) + suffix
        }
        return tokens.plainString(scale: 0)
    }
}
