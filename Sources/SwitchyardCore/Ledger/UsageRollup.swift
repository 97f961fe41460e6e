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

    /// Counts per bucket of microseconds, log-linear: exact below 64 µs, then 64 buckets per
    /// power of two, so that a bucket's middle is within 0.8 % of any value in it.
    package struct Histogram: Sendable, Hashable {
        /// The buckets that have counts, ascending, and their counts (parallel arrays: a month
        /// of hourly entries merges and reads without hashing).
        package private(set) var buckets: [Int] = []
        package private(set) var counts: [Int] = []

        package init() {}

        package static func bucket(_ microseconds: Int64) -> Int {
            let v = UInt64(max(0, microseconds))
            guard v >= 64 else { return Int(v) }
            let exponent = 63 - v.leadingZeroBitCount  // ≥ 6
            let sub = Int(v >> UInt64(exponent - 6)) - 64  // 0…63
            return 64 + (exponent - 6) * 64 + sub
        }

        /// The middle of a bucket, in microseconds.
        package static func value(of bucket: Int) -> Double {
            guard bucket >= 64 else { return Double(bucket) }
            let exponent = (bucket - 64) / 64 + 6, sub = (bucket - 64) % 64
            let width = Double(UInt64(1) << UInt64(exponent - 6))
            return Double(64 + sub) * width + (width - 1) / 2
        }

        package mutating func add(_ microseconds: Int64, count: Int = 1) {
            add(bucket: Self.bucket(microseconds), count: count)
        }

        private mutating func add(bucket: Int, count: Int) {
            if let last = buckets.last, last < bucket {
                buckets.append(bucket)
                counts.append(count)
                return
            }
            var low = 0, high = buckets.count
            while low < high {
                let mid = (low + high) / 2
                if buckets[mid] < bucket { low = mid + 1 } else { high = mid }
            }
            if low < buckets.count, buckets[low] == bucket {
                counts[low] += count
            } else {
                buckets.insert(bucket, at: low)
                counts.insert(count, at: low)
            }
        }

        package mutating func merge(_ other: Histogram) {
            guard !other.buckets.isEmpty else { return }
            guard !buckets.isEmpty else {
                self = other
                return
            }
            // Most merges add into buckets this histogram already has: in place, no allocation.
            var i = 0, inPlace = true
            for bucket in other.buckets {
                while i < buckets.count, buckets[i] < bucket { i += 1 }
                if i == buckets.count || buckets[i] != bucket { inPlace = false; break }
            }
            if inPlace {
                i = 0
                for (j, bucket) in other.buckets.enumerated() {
                    while buckets[i] < bucket { i += 1 }
                    counts[i] += other.counts[j]
                }
                return
            }
            var mergedBuckets: [Int] = [], mergedCounts: [Int] = []
            mergedBuckets.reserveCapacity(buckets.count + other.buckets.count)
            mergedCounts.reserveCapacity(buckets.count + other.buckets.count)
            var j = 0
            i = 0
            while i < buckets.count || j < other.buckets.count {
                if j == other.buckets.count || (i < buckets.count && buckets[i] < other.buckets[j]) {
                    mergedBuckets.append(buckets[i]); mergedCounts.append(counts[i]); i += 1
                } else if i == buckets.count || other.buckets[j] < buckets[i] {
                    mergedBuckets.append(other.buckets[j]); mergedCounts.append(other.counts[j]); j += 1
                } else {
                    mergedBuckets.append(buckets[i]); mergedCounts.append(counts[i] + other.counts[j]); i += 1; j += 1
                }
            }
            buckets = mergedBuckets
            counts = mergedCounts
        }

        package var total: Int { counts.reduce(0, +) }

        /// The nearest-rank percentile, in milliseconds (0 when empty).
        package func percentileMs(_ quantile: Double) -> Double {
            percentilesMs([quantile])[0]
        }

        /// Several percentiles in one pass over the buckets.
        package func percentilesMs(_ quantiles: [Double]) -> [Double] {
            let n = total
            guard n > 0 else { return quantiles.map { _ in 0 } }
            let ranks = quantiles.map { max(1, Int(($0 * Double(n)).rounded(.up))) }
            let order = ranks.indices.sorted { ranks[$0] < ranks[$1] }
            var out = quantiles.map { _ in 0.0 }
            var seen = 0, next = 0
            for index in buckets.indices {
                seen += counts[index]
                while next < order.count, seen >= ranks[order[next]] {
                    out[order[next]] = Self.value(of: buckets[index]).rounded() / 1000
                    next += 1
                }
                if next == order.count { break }
            }
            return out
        }

        /// `bucket:count,…`, buckets ascending (written as bytes, made a string once).
        package var text: String {
            var out: [UInt8] = []
            out.reserveCapacity(buckets.count * 10)
            for index in buckets.indices {
                if index > 0 { out.append(0x2C) }  // ','
                out += String(buckets[index]).utf8
                out.append(0x3A)  // ':'
                out += String(counts[index]).utf8
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Reads `text`: a loop over its contiguous bytes, the arrays sized from its commas first
        /// (a usage report by key reads tens of thousands of entries, each with two histograms
        /// of up to hundreds of buckets).
        package init(text: String) {
            var text = text
            var histogram = Histogram()
            text.withUTF8 { histogram.read($0) }
            self = histogram
        }

        private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
            var pairs = 1
            for byte in bytes where byte == 0x2C { pairs += 1 }
            buckets.reserveCapacity(pairs)
            counts.reserveCapacity(pairs)
            var bucket = 0, number = 0, inCount = false, digits = 0
            // Stored text is ascending: each pair is appended; one out of order is added in place.
            var last = -1
            func pair(_ bucket: Int, _ count: Int) {
                if bucket > last {
                    buckets.append(bucket)
                    counts.append(count)
                    last = bucket
                } else {
                    add(bucket: bucket, count: count)
                }
            }
            for byte in bytes {
                if byte >= 0x30 && byte <= 0x39 {
                    if digits < 18 { number = number &* 10 &+ Int(byte &- 0x30) }
                    digits += 1
                } else if byte == 0x3A {  // ':'
                    bucket = number; number = 0; digits = 0; inCount = true
                } else if byte == 0x2C {  // ','
                    if inCount, digits > 0, number > 0 { pair(bucket, number) }
                    bucket = 0; number = 0; inCount = false; digits = 0
                } else {
                    inCount = false; digits = 0  // a malformed pair is skipped
                }
            }
            if inCount, digits > 0, number > 0 { pair(bucket, number) }
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
        var merged: [String: Totals] = [:]
        for (key, totals) in entries { merged[label(key, grouping: grouping), default: Totals()].merge(totals) }
        return merged.map { $0.value.group($0.key) }
    }
}
