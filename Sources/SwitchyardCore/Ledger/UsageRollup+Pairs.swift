import Foundation

/// Pair entries: the totals per UTC day of one value of a filter dimension (key, team, model,
/// provider, deployment) split by the values of another dimension (the same five and the front
/// door), so that "one filter, grouped by anything else" — one key's usage by model, one team's
/// by deployment — reads a few hundred entries instead of the filter's ledger rows.
///
/// Every ordered pair is kept (key×model and model×key are two entries with the same totals):
/// a query reads one table range by its primary key, whichever side it filters. A record adds
/// to 25 pair entries a day; the ledger writer's batches are aggregated first, so a batch
/// writes one entry per distinct (filter value, group value, day) it holds, not one per row.
/// Percentiles come from the entries' histograms, as for the single-dimension entries (within
/// 0.8 % of the nearest-rank value; sums and counts exact).
extension UsageRollup {
    /// The dimensions a usage query can filter on.
    public static let filterDimensions: [Dimension] = [.key, .team, .model, .provider, .deployment]
    /// The dimensions a filtered query can be grouped by from pair entries.
    public static let pairGroupDimensions: [Dimension] = [.key, .team, .model, .provider, .deployment, .front]

    public struct PairKey: Sendable, Hashable {
        public var filter: Dimension
        public var filterValue: String
        public var group: Dimension
        public var groupValue: String
        /// The UTC day's start, ms since the epoch.
        public var periodMilliseconds: Int64

        public init(filter: Dimension, filterValue: String, group: Dimension, groupValue: String, periodMilliseconds: Int64) {
            self.filter = filter
            self.filterValue = filterValue
            self.group = group
            self.groupValue = groupValue
            self.periodMilliseconds = periodMilliseconds
        }

        /// The order entries are written in (every writer the same: row locks are taken in it).
        public static func ordered(_ a: PairKey, _ b: PairKey) -> Bool {
            (a.filter.rawValue, a.group.rawValue, a.filterValue, a.periodMilliseconds, a.groupValue)
                < (b.filter.rawValue, b.group.rawValue, b.filterValue, b.periodMilliseconds, b.groupValue)
        }
    }

    /// The pair entries a record adds to: one per (filter dimension, other dimension), on its day.
    public static func pairKeys(for record: UsageRecord) -> [PairKey] {
        let period = Dimension.days.periodMilliseconds, ms = record.timeMilliseconds
        let day = ms >= 0 ? ms / period * period : ((ms - period + 1) / period) * period
        var out: [PairKey] = []
        out.reserveCapacity(filterDimensions.count * (pairGroupDimensions.count - 1))
        for filter in filterDimensions {
            let filterValue = filter.value(of: record)
            for group in pairGroupDimensions where group != filter {
                out.append(PairKey(filter: filter, filterValue: filterValue, group: group, groupValue: group.value(of: record), periodMilliseconds: day))
            }
        }
        return out
    }

    public static func aggregatePairs(_ records: some Sequence<UsageRecord>, into totals: inout [PairKey: Totals]) {
        for record in records {
            for key in pairKeys(for: record) { totals[key, default: Totals()].add(record) }
        }
    }

    /// How a query with one filter and a grouping on another dimension is answered from pair
    /// entries: the filter's dimension and value and the grouping's dimension; nil when the
    /// query has no filter or more than one, groups by time or by the filter's own dimension
    /// (`plan` answers those), filters on `(none)` (a NULL column, which the ledger's filter
    /// never matches), or cuts a day (`from` not at a UTC day's start, `to` neither at one nor
    /// now or later).
    public static func pairPlan(_ query: UsageQuery, now: Date) -> (filter: Dimension, value: String, group: Dimension)? {
        let filters = query.filters.columns
        guard filters.count == 1, filters[0].value != "(none)", let filter = Dimension(column: filters[0].column),
              ![.all, .day, .hour].contains(query.groupBy), let group = Dimension(query.groupBy), group != filter,
              pairGroupDimensions.contains(group) else { return nil }
        let from = query.fromMilliseconds, to = query.toMilliseconds, day = Dimension.days.periodMilliseconds
        guard from >= 0, from % day == 0, to % day == 0 || to >= now.millisecondsSinceEpoch - 5_000 else { return nil }
        return (filter, filters[0].value, group)
    }

    /// A report's groups from pair entries (grouped by their group value).
    public static func pairGroups(_ entries: [(PairKey, Totals)]) -> [UsageGroup] {
        var merged: [String: Totals] = [:]
        for (key, totals) in entries { merged[key.groupValue, default: Totals()].merge(totals) }
        return merged.map { $0.value.group($0.key) }
    }
}
