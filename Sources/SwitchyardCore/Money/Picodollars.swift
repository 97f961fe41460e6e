import Foundation

/// Money as a whole number of picodollars (10⁻¹² USD): the unit the usage ledger stores and
/// sums. The cost header prints 12 fraction digits, so a cost converted here and back prints
/// the same digits, and the ledger's sums equal the sums of the headers exactly.
///
/// An `Int64` holds up to about 9.2 million USD, far above any single call; sums are taken in
/// the database (PostgreSQL: `numeric`) or in `Int128`.
package enum Picodollars {
    package static let perDollar = Decimal(string: "1000000000000")!

    /// The largest amount the gateway keeps for a call, a key's spend or a sum of them:
    /// $9,000,000 (budgets are capped at the same amount). Every sum saturates here instead of
    /// trapping, so no upstream answer and no stored row can crash the process.
    package static let ceiling: Int64 = 9_000_000_000_000_000_000

    /// `a + b`, saturating at ±`ceiling`.
    package static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b > 0 ? ceiling : -ceiling }
        return clamp(sum)
    }

    /// `a - b`, saturating at ±`ceiling`.
    package static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return b < 0 ? ceiling : -ceiling }
        return clamp(difference)
    }

    package static func clamp(_ value: Int64) -> Int64 { min(ceiling, max(-ceiling, value)) }

    /// A stored amount read back: out of range (a row written by an older version, or by hand)
    /// comes back clamped to `0...ceiling`, with `repaired` set so the caller can warn.
    package static func repaired(_ value: Int64) -> (value: Int64, repaired: Bool) {
        let clamped = min(ceiling, max(0, value))
        return (clamped, clamped != value)
    }

    /// A floating-point column value (SQLite stores an integer that overflowed as REAL) as a
    /// picodollar amount, never trapping: NaN is 0, anything beyond the range saturates.
    package static func fromStored(_ value: Double) -> Int64 {
        guard value.isFinite else { return value.isNaN ? 0 : (value > 0 ? ceiling : 0) }
        if value >= Double(ceiling) { return ceiling }
        if value <= -Double(ceiling) { return -ceiling }
        return Int64(value)
    }

    /// Rounds to the picodollar the way the cost header does (banker's rounding at 12 digits),
    /// clamped to ±`ceiling` ($9M; a single real call never comes close).
    package static func from(_ usd: Decimal) -> Int64 {
        var scaled = usd * perDollar
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .bankers)
        if rounded.isNaN { return 0 }
        if rounded >= Decimal(ceiling) { return ceiling }
        if rounded <= Decimal(-ceiling) { return -ceiling }
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    /// Exact: the picodollars as the significand of a Decimal with exponent -12 (the same value
    /// `Decimal(picodollars) / perDollar` is, without a Decimal division, which costs about 5 µs:
    /// a report of 10,000 groups makes two of these for each).
    package static func usd(_ picodollars: Int64) -> Decimal {
        Decimal(sign: picodollars < 0 ? .minus : .plus, exponent: -12, significand: Decimal(picodollars.magnitude))
    }

    package static func usd(_ picodollars: Int128) -> Decimal {
        // Decimal has no Int128 initialiser; split into two exact halves.
        let high = picodollars / 1_000_000_000_000_000_000
        let low = picodollars % 1_000_000_000_000_000_000
        return (Decimal(Int64(high)) * Decimal(string: "1000000000000000000")! + Decimal(Int64(low))) / perDollar
    }
}
