import Foundation

/// Pair entries: the totals of one value of a filter dimension split by the values of another,
/// per period, so that "one key's usage by model" or "one team's by model" reads a few hundred
/// entries instead of the filter's ledger rows. Only the pairs in `pairs` are kept: every pair
/// costs each ledger batch one entry per distinct (filter value, group value, period) it holds,
/// and with many keys nearly every row is its own key entry — 25 pairs made the PostgreSQL
/// ingest six times slower than the rows alone. Other filtered groupings read the ledger rows
/// through their column's index.
///
/// Percentiles come from the entries' histograms, as for the single-dimension entries (within
/// 0.8 % of the nearest-rank value; sums and counts exact).
extension UsageRollup {
    /// A kept pair: entries of one `filter` value split by `group`, per `periodMilliseconds`.
    package struct Pair: Sendable, Hashable {
        package var filter: Dimension
        package var group: Dimension
        package var periodMilliseconds: Int64
    }

    /// Key × model per hour, and team × model per day (the scale issue's rollups).
    package static let pairs: [Pair] = [
        Pair(filter: .key, group: .model, periodMilliseconds: 3_600_000),
        Pair(filter: .team, group: .model, periodMilliseconds: 86_400_000),
    ]

    package struct PairKey: Sendable, Hashable {
        package var filter: Dimension
        package var filterValue: String
        package var group: Dimension
        package var groupValue: String
        /// The start of the pair's period (a UTC hour or day), ms since the epoch.
        package var periodMilliseconds: Int64

        package init(filter: Dimension, filterValue: String, group: Dimension, groupValue: String, periodMilliseconds: Int64) {
            self.filter = filter
            self.filterValue = filterValue
            self.group = group
            self.groupValue = groupValue
            self.periodMilliseconds = periodMilliseconds
        }

        /// The order entries are written in (every writer the same: row locks are taken in it).
        package static func ordered(_ a: PairKey, _ b: PairKey) -> Bool {
            (a.filter.rawValue, a.group.rawValue, a.filterValue, a.periodMilliseconds, a.groupValue)
                < (b.filter.rawValue, b.group.rawValue, b.filterValue, b.periodMilliseconds, b.groupValue)
        }
    }

    /// The pair entries a record adds to: one per kept pair, in that pair's period.
    package static func pairKeys(for record: UsageRecord) -> [PairKey] {
        pairs.map { pair in
            PairKey(filter: pair.filter, filterValue: pair.filter.value(of: record), group: pair.group, groupValue: pair.group.value(of: record),
                    periodMilliseconds: periodStart(record.timeMilliseconds, period: pair.periodMilliseconds))
        }
    }

    package static func aggregatePairs(_ records: some Sequence<UsageRecord>, into totals: inout [PairKey: Totals]) {
        for (record, combined) in combine(records) {
            for key in pairKeys(for: record) { totals[key, default: Totals()].merge(combined) }
        }
    }

    /// How a query with one filter and a grouping on another dimension is answered from pair
    /// entries: the filter's dimension and value and the grouping's dimension; nil when that
    /// pair is not kept, the query has no filter or more than one, filters on `(none)` (a NULL
    /// column, which the ledger's filter never matches), or cuts the pair's period (`from` not
    /// at a period's start, `to` neither at one nor now or later).
    package static func pairPlan(_ query: UsageQuery, now: Date) -> (filter: Dimension, value: String, group: Dimension)? {
        let filters = query.filters.columns
        guard filters.count == 1, filters[0].value != "(none)", let filter = Dimension(column: filters[0].column),
              ![.all, .day, .hour].contains(query.groupBy), let group = Dimension(query.groupBy),
              let pair = pairs.first(where: { $0.filter == filter && $0.group == group }) else { return nil }
        let from = query.fromMilliseconds, to = query.toMilliseconds, period = pair.periodMilliseconds
        guard from >= 0, from % period == 0, to % period == 0 || to >= now.millisecondsSinceEpoch - 5_000 else { return nil }
        return (filter, filters[0].value, group)
    }

    /// A report's groups from pair entries (grouped by their group value).
    package static func pairGroups(_ entries: [(PairKey, Totals)]) -> [UsageGroup] {
        var report = Report()
        for (key, totals) in entries { report.add(totals, to: key.groupValue) }
        return report.groups
    }
}
