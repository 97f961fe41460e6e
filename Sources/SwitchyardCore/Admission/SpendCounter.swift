/// One key's spending in picodollars, as one replica sees it: what the shared store had
/// recorded at the last sync, plus what this replica has spent since that the ledger has not
/// yet written. The budget check compares their sum with the budget before routing, so a
/// budget is overshot at most by the calls in flight and by what other replicas spent since
/// the last sync.
package struct SpendCounter: Sendable, Hashable {
    /// Spent in the current period according to the store, per period.
    package var stored: [BudgetPeriod: Int64] = [:]
    /// Spent here and not yet written by the ledger.
    package private(set) var unwritten: Int64 = 0

    package init() {}

    /// Reserved for calls in flight (their worst-case cost), released when they settle.
    package private(set) var reserved: Int64 = 0

    package func spent(in period: BudgetPeriod) -> Int64 {
        Picodollars.add(stored[period] ?? 0, unwritten)
    }

    /// Spent plus reserved: what admission compares with the budget.
    package func committed(in period: BudgetPeriod) -> Int64 {
        Picodollars.add(spent(in: period), reserved)
    }

    package func isExhausted(_ budget: Budget) -> Bool { spent(in: budget.period) >= budget.amountPicodollars }

    /// Whether a call whose worst case is `worstCase` still fits the budget next to what is
    /// spent and reserved by the calls in flight. So concurrent calls can never overshoot the
    /// budget together: at most by the error of their estimates.
    package func admits(_ worstCase: Int64, budget: Budget) -> Bool {
        if isExhausted(budget) { return false }
        return Picodollars.add(committed(in: budget.period), max(0, worstCase)) <= budget.amountPicodollars
    }

    package mutating func reserve(_ picodollars: Int64) { reserved = Picodollars.add(reserved, max(0, picodollars)) }

    package mutating func release(_ picodollars: Int64) { reserved = max(0, Picodollars.subtract(reserved, max(0, picodollars))) }

    package mutating func spend(_ picodollars: Int64) { unwritten = Picodollars.add(unwritten, max(0, picodollars)) }

    /// The ledger wrote `picodollars` of this key's calls. The next sync will read them back
    /// from the store; until then they count as stored.
    package mutating func written(_ picodollars: Int64) {
        let amount = max(0, picodollars)
        unwritten = max(0, Picodollars.subtract(unwritten, amount))
        for period in BudgetPeriod.allCases { stored[period] = Picodollars.add(stored[period] ?? 0, amount) }
    }
}
