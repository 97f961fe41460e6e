import Foundation

/// The ledger's totals kept per period, so that usage over days or weeks reads hundreds of
/// rows instead of millions: per UTC hour and per UTC day for every row (`all`, `all-days`),
/// and per UTC day for each key, team, model, provider, deployment and front door. Each entry holds the sums of its rows and
/// two histograms (latency, TTFT) from which percentiles are read.
///
/// Histogram buckets are log-linear (64 per power of two of the microseconds, exact below
/// 64 µs), so a percentile read from them is within 0.8 % of the exact nearest-rank value (the
/// bucket's middle is reported). Sums and counts are exact.
package enum UsageRollup {
    package enum Dimension: String, Sendable, Hashable, CaseIterable {
        /// Every row, per hour.
        case all
        /// Every row, per day (what long ranges grouped by day or in all read).
        case days = "all-days"
        case key, team, model, provider, deployment, front

        /// Hours for `all`, days for the others.
        package var periodMilliseconds: Int64 { self == .all ? 3_600_000 : 86_400_000 }

        package init?(_ grouping: UsageQuery.Grouping) {
            switch grouping {
            case .key: self = .key
            case .team: self = .team
            case .model: self = .model
            case .provider: self = .provider
            case .deployment: self = .deployment
            case .front: self = .front
            case .all, .day, .hour: self = .all
            }
        }

        /// The ledger column of a filter (`key_id`, `team`, `served_model`, …).
        package init?(column: String) {
            switch column {
            case "key_id": self = .key
            case "team": self = .team
            case "served_model": self = .model
            case "provider": self = .provider
            case "deployment": self = .deployment
            default: return nil
            }
        }

        func value(of record: UsageRecord) -> String {
            switch self {
            case .all, .days: return "all"
            case .key: return record.keyID ?? "(none)"
            case .team: return record.team ?? "(none)"
            case .model: return record.servedModel ?? "(none)"
            case .provider: return record.provider ?? "(none)"
            case .deployment: return record.deployment ?? "(none)"
            case .front: return record.front.rawValue
            }
        }
    }

    package struct Key: Sendable, Hashable {
        package var dimension: Dimension
        package var value: String
        /// The period's start, ms since the epoch (UTC).
        package var periodMilliseconds: Int64

        package init(dimension: Dimension, value: String, periodMilliseconds: Int64) {
            self.dimension = dimension
            self.value = value
            self.periodMilliseconds = periodMilliseconds
        }
    }

    package struct Totals: Sendable, Hashable {
        package var requests = 0
        package var errors = 0
        package var promptTokens = 0
        package var completionTokens = 0
        package var cachedTokens = 0
        package var reasoningTokens = 0
        package var costPicodollars: Int64 = 0
        package var unpricedRequests = 0
        package var cacheHits = 0
        package var costSavedPicodollars: Int64 = 0
        package var latency = Histogram()
        package var ttft = Histogram()

        package init() {}

        package mutating func add(_ r: UsageRecord) {
            requests = Self.add(requests, 1)
            if r.status >= 400 { errors = Self.add(errors, 1) }
            promptTokens = Self.add(promptTokens, r.usage.promptTokens)
            completionTokens = Self.add(completionTokens, r.usage.completionTokens)
            cachedTokens = Self.add(cachedTokens, r.usage.cachedPromptTokens)
            reasoningTokens = Self.add(reasoningTokens, r.usage.reasoningTokens)
            if let cost = r.costPicodollars { costPicodollars = Picodollars.add(costPicodollars, cost) } else if r.status < 400 { unpricedRequests = Self.add(unpricedRequests, 1) }
            if r.cacheHit { cacheHits = Self.add(cacheHits, 1) }
            if let saved = r.costSavedPicodollars { costSavedPicodollars = Picodollars.add(costSavedPicodollars, saved) }
            latency.add(r.latencyMicroseconds)
            if let ttft = r.ttftMicroseconds { self.ttft.add(ttft) }
        }

        /// Adds `other` (counts saturate: an entry read back from the store may hold anything a
        /// hand edit put there, and must not trap the ledger writer).
        package mutating func merge(_ other: Totals) {
            let add = Self.add
            requests = add(requests, other.requests)
            errors = add(errors, other.errors)
            promptTokens = add(promptTokens, other.promptTokens)
            completionTokens = add(completionTokens, other.completionTokens)
            cachedTokens = add(cachedTokens, other.cachedTokens)
            reasoningTokens = add(reasoningTokens, other.reasoningTokens)
            costPicodollars = Picodollars.add(costPicodollars, other.costPicodollars)
            unpricedRequests = add(unpricedRequests, other.unpricedRequests)
            cacheHits = add(cacheHits, other.cacheHits)
            costSavedPicodollars = Picodollars.add(costSavedPicodollars, other.costSavedPicodollars)
            latency.merge(other.latency)
            ttft.merge(other.ttft)
        }

        /// Adds an entry as stored: `other`'s counts and sums, and histograms from their bytes.
        mutating func merge(_ other: Totals, latency: UnsafeRawBufferPointer, ttft: UnsafeRawBufferPointer) {
            merge(other)
            self.latency.merge(stored: latency)
            self.ttft.merge(stored: ttft)
        }

        /// A count that saturates instead of trapping.
        private static func add(_ a: Int, _ b: Int) -> Int {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? (b > 0 ? .max : .min) : sum
        }

        /// The group a usage report shows for these totals.
        package func group(_ name: String) -> UsageGroup {
            var group = UsageGroup(
                group: name, requests: requests, errors: errors, promptTokens: promptTokens, completionTokens: completionTokens,
                cachedTokens: cachedTokens, reasoningTokens: reasoningTokens, cost: Picodollars.usd(costPicodollars),
                unpricedRequests: unpricedRequests, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0)
            let l = latency.percentilesMs([0.50, 0.95, 0.99]), t = ttft.percentilesMs([0.50, 0.95, 0.99])
            (group.latencyP50Ms, group.latencyP95Ms, group.latencyP99Ms) = (l[0], l[1], l[2])
            (group.ttftP50Ms, group.ttftP95Ms, group.ttftP99Ms) = (t[0], t[1], t[2])
            group.cacheHits = cacheHits
            group.costSaved = Picodollars.usd(costSavedPicodollars)
            return group
        }
    }

    /// The entries a record adds to: its hour (`all`), and its day under each other dimension.
    package static func keys(for record: UsageRecord) -> [Key] {
        Dimension.allCases.map { dimension in
            Key(dimension: dimension, value: dimension.value(of: record),
                periodMilliseconds: periodStart(record.timeMilliseconds, period: dimension.periodMilliseconds))
        }
    }

    /// The start of the period of `period` ms containing `ms` (rounded down, before 1970 too).
    package static func periodStart(_ ms: Int64, period: Int64) -> Int64 {
        ms >= 0 ? ms / period * period : ((ms - period + 1) / period) * period
    }

    package static func aggregate(_ records: some Sequence<UsageRecord>, into totals: inout [Key: Totals]) {
        for (record, combined) in combine(records) {
            for key in keys(for: record) { totals[key, default: Totals()].merge(combined) }
        }
    }

    /// A ledger batch's entries and pair entries, its rows combined once for both.
    package static func aggregate(_ records: some Sequence<UsageRecord>, into totals: inout [Key: Totals], pairs: inout [PairKey: Totals]) {
        for (record, combined) in combine(records) {
            for key in keys(for: record) { totals[key, default: Totals()].merge(combined) }
            for key in pairKeys(for: record) { pairs[key, default: Totals()].merge(combined) }
        }
    }

    /// The rows of a batch added up by everything their entries are named by (key, team,
    /// model, provider, deployment, front door and hour), each sum with one of its rows to name
    /// its entries. A batch holds few such combinations, so each row is hashed and added once,
    /// not once per entry it counts in.
    static func combine(_ records: some Sequence<UsageRecord>) -> Zip2Sequence<[UsageRecord], [Totals]> {
        // An index per combination, and the sums in an array: each row is added in place (a
        // dictionary value reached through an optional would copy its histograms per row).
        var index: [Combination: Int] = [:]
        var named: [UsageRecord] = []
        var sums: [Totals] = []
        for record in records {
            let combination = Combination(record)
            if let at = index[combination] {
                sums[at].add(record)
            } else {
                index[combination] = sums.count
                named.append(record)
                sums.append(Totals())
                sums[sums.count - 1].add(record)
            }
        }
        return zip(named, sums)
    }

    /// What names a row's entries: rows that agree on it count in the same entries.
    struct Combination: Hashable {
        var keyID: String?
        var team: String?
        var model: String?
        var provider: String?
        var deployment: String?
        var front: UsageRecord.Front
        /// The hour (every entry's period is an hour or a day, and a day is whole hours).
        var hour: Int64

        init(_ record: UsageRecord) {
            (keyID, team, model, provider, deployment, front) = (record.keyID, record.team, record.servedModel, record.provider, record.deployment, record.front)
            hour = UsageRollup.periodStart(record.timeMilliseconds, period: 3_600_000)
        }
    }

    /// How a usage query can be answered from the rollup: the dimension and value to read, or
    /// nil when it needs the ledger's rows or pair entries (`pairPlan`) — more than one filter, a
    /// filter with a grouping other than `day`, `all` or its own dimension, hours with a filter, or a range that cuts a period (`from`
    /// not at an hour's start — a day's for keys, teams, models, … —, `to` neither at one nor
    /// now or later; "now" allows 5 s, the time between a caller's clock and the store's).
    package static func plan(_ query: UsageQuery, now: Date) -> (dimension: Dimension, value: String?)? {
        let filters = query.filters.columns
        let from = query.fromMilliseconds, to = query.toMilliseconds, nowMs = now.millisecondsSinceEpoch
        func covers(_ unit: Int64) -> Bool { from % unit == 0 && (to % unit == 0 || to >= nowMs - 5_000) && from >= 0 }
        if filters.isEmpty {
            guard let dimension = Dimension(query.groupBy) else { return nil }
            if dimension == .all, query.groupBy != .hour, covers(Dimension.days.periodMilliseconds) { return (.days, nil) }
            return covers(dimension.periodMilliseconds) ? (dimension, nil) : nil
        }
        guard filters.count == 1, filters[0].value != "(none)", let dimension = Dimension(column: filters[0].column),
              [.all, .day].contains(query.groupBy) || (query.groupBy != .hour && Dimension(query.groupBy) == dimension),
              covers(dimension.periodMilliseconds) else { return nil }
        return (dimension, filters[0].value)
    }

    /// The group label of an entry in a report grouped by `grouping`.
    package static func label(_ key: Key, grouping: UsageQuery.Grouping) -> String {
        let date = Date(timeIntervalSince1970: Double(key.periodMilliseconds) / 1000)
        switch grouping {
        case .all: return "all"
        case .day: return DashboardFormat.day(date)
        case .hour:
            let c = Calendar.utc.dateComponents([.year, .month, .day, .hour], from: date)
            return String(format: "%04d-%02d-%02dT%02d:00Z", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0)
        default: return key.value
        }
    }

    /// A report's groups from rollup entries.
    package static func groups(_ entries: [(Key, Totals)], grouping: UsageQuery.Grouping) -> [UsageGroup] {
        var report = Report()
        for (key, totals) in entries { report.add(totals, to: label(key, grouping: grouping)) }
        return report.groups
    }

    /// A report's groups added up from entries as a store reads them. An entry read from its
    /// stored form adds its histograms' bytes straight into its group's (`Histogram.merge(stored:)`):
    /// a week's report by key reads tens of thousands of entries, and building two histograms for
    /// each was most of its time.
    package struct Report {
        private var totals: [String: Totals] = [:]

        package init() {}

        package mutating func add(_ entry: Totals, to group: String) {
            totals[group, default: Totals()].merge(entry)
        }

        /// Adds an entry as stored: its counts and sums (`counts`, whose histograms are not
        /// read) and its two histograms' bytes.
        package mutating func add(counts: Totals, latency: UnsafeRawBufferPointer, ttft: UnsafeRawBufferPointer, to group: String) {
            totals[group, default: Totals()].merge(counts, latency: latency, ttft: ttft)
        }

        package var groups: [UsageGroup] { totals.map { $0.value.group($0.key) } }
    }
}
