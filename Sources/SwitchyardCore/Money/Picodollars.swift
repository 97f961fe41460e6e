import Foundation

/// Money as a whole number of picodollars (10⁻¹² USD): the unit the usage ledger stores and
/// sums. The cost header prints 12 fraction digits, so a cost converted here and back prints
/// the same digits, and the ledger's sums equal the sums of the headers exactly.
///
/// An `Int64` holds up to about 9.2 million USD, far above any single call; sums are taken in
/// the database (PostgreSQL: `numeric`) or in `Int128`.
public enum Picodollars {
    public static let perDollar = Decimal(string: "1000000000000")!

    /// Rounds to the picodollar the way the cost header does (banker's rounding at 12 digits),
    /// clamped to the `Int64` range (±$9.2M; a single call never comes close).
    public static func from(_ usd: Decimal) -> Int64 {
        var scaled = usd * perDollar
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .bankers)
        if rounded >= Decimal(Int64.max) { return .max }
        if rounded <= Decimal(Int64.min) { return .min }
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    public static func usd(_ picodollars: Int64) -> Decimal { Decimal(picodollars) / perDollar }

    public static func usd(_ picodollars: Int128) -> Decimal {
        // Decimal has no Int128 initialiser; split into two exact halves.
        let high = picodollars / 1_000_000_000_000_000_000
        let low = picodollars % 1_000_000_000_000_000_000
        return (Decimal(Int64(high)) * Decimal(string: "1000000000000000000")! + Decimal(Int64(low))) / perDollar
    }
}
