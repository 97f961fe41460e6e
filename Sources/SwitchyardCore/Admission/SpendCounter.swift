/// One key's spending in picodollars, as one replica sees it: what the shared store had
/// recorded at the last sync, plus what this replica has spent since that the ledger has not
/// yet written. The budget check compares their sum with the budget before routing, so a
/// budget is overshot at most by the calls in flight and by what other replicas spent since
/// the last sync.
public struct SpendCounter: Sendable, Hashable {
    /// Spent in the current period according to the store, per period.
    public var stored: [BudgetPeriod: Int64] = [:]
    /// Spent here and not yet written by the ledger.
    public private(set) var unwritten: Int64 = 0

    public init() {}

    public func spent(in period: BudgetPeriod) -> Int64 {
        let (sum, overflow) = (stored[period] ?? 0).addingReportingOverflow(unwritten)
        return overflow ? .max : sum
    }

    public func isExhausted(_ budget: Budget) -> Bool { spent(in: budget.period) >= budget.amountPicodollars }

    public mutating func spend(_ picodollars: Int64) { unwritten = unwritten.addingReportingOverflow(picodollars).overflow ? .max : unwritten + picodollars }

    /// The ledger wrote `picodollars` of this key's calls. The next sync will read them back
    /// from the store; until then they count as stored.
    public mutating func written(_ picodollars: Int64) {
        unwritten -= picodollars
        for period in BudgetPeriod.allCases { stored[period, default: 0] += picodollars }
    }
}
