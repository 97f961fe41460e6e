import Foundation

/// The workload the ledger recorded, scaled to a whole month: `switchyard cost --from-ledger`
/// prices it on every model.
package struct LedgerProjection: Sendable, Hashable {
    /// Tokens recorded in the range.
    package var recordedTokens: Decimal
    /// The recorded tokens scaled from the range's length to a 30-day month.
    package var workload: Workload
    package var recordedCost: Decimal

    package static let monthSeconds = Decimal(30 * 86_400)

    /// nil when the range recorded no tokens.
    package init?(groups: [UsageGroup], from: Date, to: Date) {
        let prompt = groups.reduce(0) { $0 + $1.promptTokens }
        let completion = groups.reduce(0) { $0 + $1.completionTokens }
        let cached = groups.reduce(0) { $0 + $1.cachedTokens }
        let total = Decimal(prompt) + Decimal(completion)
        guard total > 0 else { return nil }
        // Whole seconds keep the scaling exact; at least one.
        let seconds = Decimal(max(1, Int64(to.timeIntervalSince(from))))
        recordedTokens = total
        workload = Workload(tokens: total * Self.monthSeconds / seconds, inputShare: Decimal(prompt) / total,
                            cachedShare: prompt == 0 ? 0 : Decimal(min(cached, prompt)) / Decimal(prompt))
        recordedCost = groups.reduce(Decimal(0)) { $0 + $1.cost }
    }
}
