import Foundation

/// The ledger's totals kept per period, so that usage over days or weeks reads hundreds of
/// rows instead of millions: per UTC hour for every row (`all`), and per UTC day for each key,
/// team, model, provider, deployment and front door. Each entry holds the sums of its rows and
/// two histograms (latency, TTFT) from which percentiles are read.
///
/// Histogram buckets keep three significant digits of the microseconds (exact under 1 ms), so
/// a percentile read from them is within 0.5 % of the exact nearest-rank value (the bucket's
/// middle is reported). Sums and counts are exact.
public enum UsageRollup {
    public enum Dimension: String, Sendable, Hashable, CaseIterable {
        case all, key, team, model, provider, deployment, front

        /// Hours for `all`, days for the others.
        public var periodMilliseconds: Int64 { self == .all ? 3_600_000 : 86_400_000 }

        public init?(_ grouping: UsageQuery.Grouping) {
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
        public init?(column: String) {
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
            case .all: return "all"
            case .key: return record.keyID ?? "(none)"
            case .team: return record.team ?? "(none)"
            case .model: return record.servedModel ?? "(none)"
            case .provider: return record.provider ?? "(none)"
            case .deployment: return record.deployment ?? "(none)"
            case .front: return record.front.rawValue
            }
        }
    }

    public struct Key: Sendable, Hashable {
        public var dimension: Dimension
        public var value: String
        /// The period's start, ms since the epoch (UTC).
        public var periodMilliseconds: Int64

        public init(dimension: Dimension, value: String, periodMilliseconds: Int64) {
            self.dimension = dimension
            self.value = value
            self.periodMilliseconds = periodMilliseconds
        }
    }

    public struct Totals: Sendable, Hashable {
        public var requests = 0
        public var errors = 0
        public var promptTokens = 0
        public var completionTokens = 0
        public var cachedTokens = 0
        public var reasoningTokens = 0
        public var costPicodollars: Int64 = 0
        public var unpricedRequests = 0
        public var cacheHits = 0
        public var costSavedPicodollars: Int64 = 0
        public var latency = Histogram()
        public var ttft = Histogram()

        public init() {}

        public mutating func add(_ r: UsageRecord) {
            requests += 1
            if r.status >= 400 { errors += 1 }
            promptTokens += r.usage.promptTokens
            completionTokens += r.usage.completionTokens
            cachedTokens += r.usage.cachedPromptTokens
            reasoningTokens += r.usage.reasoningTokens
            if let cost = r.costPicodollars { costPicodollars = Picodollars.add(costPicodollars, cost) } else if r.status < 400 { unpricedRequests += 1 }
            if r.cacheHit { cacheHits += 1 }
            if let saved = r.costSavedPicodollars { costSavedPicodollars = Picodollars.add(costSavedPicodollars, saved) }
            latency.add(r.latencyMicroseconds)
            if let ttft = r.ttftMicroseconds { self.ttft.add(ttft) }
        }

        public mutating func merge(_ other: Totals) {
            requests += other.requests
            errors += other.errors
            promptTokens += other.promptTokens
            completionTokens += other.completionTokens
            cachedTokens += other.cachedTokens
            reasoningTokens += other.reasoningTokens
            costPicodollars = Picodollars.add(costPicodollars, other.costPicodollars)
            unpricedRequests += other.unpricedRequests
            cacheHits += other.cacheHits
            costSavedPicodollars = Picodollars.add(costSavedPicodollars, other.costSavedPicodollars)
            latency.merge(other.latency)
            ttft.merge(other.ttft)
        }

        /// The group a usage report shows for these totals.
        public func group(_ name: String) -> UsageGroup {
            var group = UsageGroup(
                group: name, requests: requests, errors: errors, promptTokens: promptTokens, completionTokens: completionTokens,
                cachedTokens: cachedTokens, reasoningTokens: reasoningTokens, cost: Picodollars.usd(costPicodollars),
                unpricedRequests: unpricedRequests, latencyP50Ms: latency.percentileMs(0.50), latencyP95Ms: latency.percentileMs(0.95),
                latencyP99Ms: latency.percentileMs(0.99))
            group.cacheHits = cacheHits
            group.costSaved = Picodollars.usd(costSavedPicodollars)
            group.ttftP50Ms = ttft.percentileMs(0.50)
            group.ttftP95Ms = ttft.percentileMs(0.95)
            group.ttftP99Ms = ttft.percentileMs(0.99)
            return group
        }
    }

    /// Counts per bucket of microseconds: below 1,000 µs the value itself; above, the number of
    /// digits × 1,000 + the first three digits (712,345 µs → 6,712).
    public struct Histogram: Sendable, Hashable {
        public private(set) var counts: [Int: Int] = [:]

        public init() {}

        public static func bucket(_ microseconds: Int64) -> Int {
            let v = max(0, microseconds)
            guard v >= 1000 else { return Int(v) }
            var digits = 0
            var scaled = v
            while scaled >= 1000 {
                scaled /= 10
                digits += 1
            }
            return (digits + 3) * 1000 + Int(scaled)
        }

        /// The middle of a bucket, in microseconds.
        public static func value(of bucket: Int) -> Double {
            guard bucket >= 1000 else { return Double(bucket) }
            let digits = bucket / 1000, leading = bucket % 1000
            let width = pow(10, Double(digits - 3))
            return Double(leading) * width + (width - 1) / 2
        }

        public mutating func add(_ microseconds: Int64, count: Int = 1) {
            counts[Self.bucket(microseconds), default: 0] += count
        }

        public mutating func merge(_ other: Histogram) {
            for (bucket, count) in other.counts { counts[bucket, default: 0] += count }
        }

        public var total: Int { counts.values.reduce(0, +) }

        /// The nearest-rank percentile, in milliseconds (0 when empty).
        public func percentileMs(_ quantile: Double) -> Double {
            let n = total
            guard n > 0 else { return 0 }
            let rank = max(1, Int((quantile * Double(n)).rounded(.up)))
            var seen = 0
            for bucket in counts.keys.sorted() {
                seen += counts[bucket] ?? 0
                if seen >= rank { return (Self.value(of: bucket) / 1000 * 1000).rounded() / 1000 }
            }
            return 0
        }

        /// `bucket:count,…`, buckets ascending.
        public var text: String {
            counts.keys.sorted().map { "\($0):\(counts[$0] ?? 0)" }.joined(separator: ",")
        }

        public init(text: String) {
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: ":")
                guard parts.count == 2, let bucket = Int(parts[0]), let count = Int(parts[1]), count > 0 else { continue }
                counts[bucket, default: 0] += count
            }
        }
    }

    /// The entries a record adds to: its hour (`all`), and its day under each other dimension.
    public static func keys(for record: UsageRecord) -> [Key] {
        let ms = record.timeMilliseconds
        return Dimension.allCases.map { dimension in
            let period = dimension.periodMilliseconds
            let start = ms >= 0 ? ms / period * period : ((ms - period + 1) / period) * period
            return Key(dimension: dimension, value: dimension.value(of: record), periodMilliseconds: start)
        }
    }

    public static func aggregate(_ records: some Sequence<UsageRecord>, into totals: inout [Key: Totals]) {
        for record in records {
            for key in keys(for: record) { totals[key, default: Totals()].add(record) }
        }
    }

    /// How a usage query can be answered from the rollup: the dimension and value to read, or
    /// nil when it needs the ledger's rows — more than one filter, a filter with a grouping
    /// other than `day` or `all`, hours with a filter, or a range that cuts a period (`from`
    /// not at an hour's start — a day's for keys, teams, models, … —, `to` neither at one nor
    /// now or later; "now" allows 5 s, the time between a caller's clock and the store's).
    public static func plan(_ query: UsageQuery, now: Date) -> (dimension: Dimension, value: String?)? {
        let filters = query.filters.columns
        let from = query.fromMilliseconds, to = query.toMilliseconds, nowMs = now.millisecondsSinceEpoch
        func covers(_ unit: Int64) -> Bool { from % unit == 0 && (to % unit == 0 || to >= nowMs - 5_000) && from >= 0 }
        if filters.isEmpty {
            guard let dimension = Dimension(query.groupBy) else { return nil }
            return covers(dimension.periodMilliseconds) ? (dimension, nil) : nil
        }
        guard filters.count == 1, [.all, .day].contains(query.groupBy), filters[0].value != "(none)",
              let dimension = Dimension(column: filters[0].column), covers(dimension.periodMilliseconds) else { return nil }
        return (dimension, filters[0].value)
    }

    /// The group label of an entry in a report grouped by `grouping`.
    public static func label(_ key: Key, grouping: UsageQuery.Grouping) -> String {
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
    public static func groups(_ entries: [(Key, Totals)], grouping: UsageQuery.Grouping) -> [UsageGroup] {
        var merged: [String: Totals] = [:]
        for (key, totals) in entries { merged[label(key, grouping: grouping), default: Totals()].merge(totals) }
        return merged.map { $0.value.group($0.key) }
    }
}
