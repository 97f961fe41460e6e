import Foundation

extension UsageRollup {
    /// Counts per bucket of microseconds, log-linear: exact below 64 µs, then 64 buckets per
    /// power of two, so that a bucket's middle is within 0.8 % of any value in it.
    ///
    /// Stored (`stored`, `init(stored:)`) as bytes: a format byte, then each bucket's gap from
    /// the one before and its count as varints — about two bytes a bucket, a sixth of the
    /// `bucket:count,…` text earlier versions stored. A usage report by key over a week reads
    /// tens of thousands of entries with two histograms each, so this size is most of its time.
    package struct Histogram: Sendable, Hashable {
        /// The buckets that have counts, ascending, and their counts (parallel arrays: a month
        /// of hourly entries merges and reads without hashing).
        package private(set) var buckets: [Int] = []
        package private(set) var counts: [Int] = []

        package init() {}

        /// The bucket of the largest value (`Int64.max` µs): no stored bucket is above it.
        package static let largestBucket = bucket(.max)

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

        /// Adds `count` samples to a bucket (a count below one adds nothing: every stored count is positive).
        private mutating func add(bucket: Int, count: Int) {
            guard count > 0 else { return }
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
                counts[low] = Self.sum(counts[low], count)
            } else {
                buckets.insert(bucket, at: low)
                counts.insert(count, at: low)
            }
        }

        /// Adds `other`'s counts (saturating: stored entries may hold anything a hand edit put
        /// there, and merging them must not trap).
        package mutating func merge(_ other: Histogram) {
            guard !other.buckets.isEmpty else { return }
            guard !buckets.isEmpty else {
                self = other
                return
            }
            // A few buckets (a row's, when a batch or the ledger is added up): each found by
            // binary search, not by a walk through this histogram's hundreds.
            if other.buckets.count <= 4 {
                for index in other.buckets.indices { add(bucket: other.buckets[index], count: other.counts[index]) }
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
                    counts[i] = Self.sum(counts[i], other.counts[j])
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
                    mergedBuckets.append(buckets[i]); mergedCounts.append(Self.sum(counts[i], other.counts[j])); i += 1; j += 1
                }
            }
            buckets = mergedBuckets
            counts = mergedCounts
        }

        /// Two counts added, `Int.max` when they would overflow (counts are never negative).
        private static func sum(_ a: Int, _ b: Int) -> Int {
            let (total, overflow) = a.addingReportingOverflow(b)
            return overflow ? .max : total
        }

        package var total: Int { counts.reduce(0, Self.sum) }

        /// The nearest-rank percentile, in milliseconds (0 when empty).
        package func percentileMs(_ quantile: Double) -> Double {
            percentilesMs([quantile])[0]
        }

        /// Several percentiles in one pass over the buckets.
        package func percentilesMs(_ quantiles: [Double]) -> [Double] {
            let n = total
            guard n > 0 else { return quantiles.map { _ in 0 } }
            let ranks = quantiles.map { max(1, Int(min(Double(Int.max / 2), ($0 * Double(n)).rounded(.up)))) }
            let order = ranks.indices.sorted { ranks[$0] < ranks[$1] }
            var out = quantiles.map { _ in 0.0 }
            var seen = 0, next = 0
            for index in buckets.indices {
                seen = Self.sum(seen, counts[index])
                while next < order.count, seen >= ranks[order[next]] {
                    out[order[next]] = Self.value(of: buckets[index]).rounded() / 1000
                    next += 1
                }
                if next == order.count { break }
            }
            return out
        }

        // MARK: Stored form

        /// The first byte of the binary form. Text written by earlier versions starts with a
        /// digit, so both read through `init(stored:)`.
        static let binaryFormat: UInt8 = 0x01

        /// The bytes to store: `binaryFormat`, then for each bucket (ascending) its gap from
        /// the bucket before (the first: the bucket itself) and its count, each an unsigned
        /// LEB128 varint (7 bits a byte, low first). Empty when the histogram is.
        package var stored: [UInt8] {
            guard !buckets.isEmpty else { return [] }
            var out: [UInt8] = [Self.binaryFormat]
            out.reserveCapacity(1 + buckets.count * 3)
            var previous = -1
            for index in buckets.indices {
                Self.appendVarint(UInt64(buckets[index] - previous - 1), to: &out)
                Self.appendVarint(UInt64(counts[index]), to: &out)
                previous = buckets[index]
            }
            return out
        }

        /// Reads what `stored` wrote, or the `bucket:count,…` text of earlier versions. Bytes
        /// from the database are not trusted: a truncated varint, a bucket beyond
        /// `largestBucket` or a count that does not fit ends the histogram there, without trapping.
        package init(stored bytes: UnsafeRawBufferPointer) {
            self.init()
            guard let first = bytes.first else { return }
            if first == Self.binaryFormat { readBinary(bytes) } else { readText(bytes) }
        }

        private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
            var value = value
            while value >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            out.append(UInt8(value))
        }

        /// The varint at `index` (moved past it), or nil when it is cut short or longer than
        /// ten bytes.
        private static func varint(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while index < bytes.count, shift < 70 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }

        /// The bucket and count of the pair at `index` (moved past it) that follows bucket
        /// `previous`, or nil where the bytes are cut short or damaged: a gap or bucket beyond
        /// `largestBucket`, a count beyond `Int`.
        private static func pair(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, after previous: Int) -> (bucket: Int, count: Int)? {
            guard let gap = varint(bytes, &index), let count = varint(bytes, &index),
                  gap <= UInt64(largestBucket), count <= UInt64(Int.max) else { return nil }
            let bucket = previous + 1 + Int(gap)
            guard bucket <= largestBucket else { return nil }
            return (bucket, Int(count))
        }

        /// Adds stored bytes (what `merge(Histogram(stored:))` does): in place while their
        /// buckets are ones this histogram has — the usual case when a report adds up one key's
        /// days —, so most entries are added without building a histogram for each.
        package mutating func merge(stored bytes: UnsafeRawBufferPointer) {
            guard let first = bytes.first else { return }
            guard first == Self.binaryFormat, !buckets.isEmpty else {
                merge(Histogram(stored: bytes))
                return
            }
            var index = 1, previous = -1
            let addedInPlace = buckets.withUnsafeBufferPointer { buckets in
                counts.withUnsafeMutableBufferPointer { counts in
                    var i = 0
                    while index < bytes.count {
                        var next = index
                        guard let (bucket, count) = Self.pair(bytes, &next, after: previous) else { return true }  // damaged: ends here
                        while i < buckets.count, buckets[i] < bucket { i += 1 }
                        guard i < buckets.count, buckets[i] == bucket else { return false }
                        counts[i] = Self.sum(counts[i], count)
                        previous = bucket
                        index = next
                    }
                    return true
                }
            }
            guard !addedInPlace else { return }
            // A bucket this histogram lacks: the rest is read whole and merged.
            var rest = Histogram()
            rest.readBinary(bytes, from: index, previous: previous)
            merge(rest)
        }

        private mutating func readBinary(_ bytes: UnsafeRawBufferPointer, from start: Int = 1, previous: Int = -1) {
            buckets.reserveCapacity((bytes.count - start) / 2)
            counts.reserveCapacity((bytes.count - start) / 2)
            var index = start, previous = previous
            while index < bytes.count {
                guard let (bucket, count) = Self.pair(bytes, &index, after: previous) else { return }
                if count > 0 {
                    buckets.append(bucket)
                    counts.append(count)
                }
                previous = bucket
            }
        }

        /// Reads `bucket:count,…` text (what versions before the binary form stored): a loop
        /// over its bytes, the arrays sized from its commas first. Pairs are expected ascending
        /// and appended; one out of order is added in place; a malformed one, or one beyond
        /// `largestBucket`, is skipped.
        package init(text: String) {
            var text = text
            var histogram = Histogram()
            text.withUTF8 { histogram.readText(UnsafeRawBufferPointer($0)) }
            self = histogram
        }

        private mutating func readText(_ bytes: UnsafeRawBufferPointer) {
            var pairs = 1
            for byte in bytes where byte == 0x2C { pairs += 1 }
            buckets.reserveCapacity(pairs)
            counts.reserveCapacity(pairs)
            var bucket = 0, number = 0, inCount = false, digits = 0
            var last = -1
            func pair(_ bucket: Int, _ count: Int) {
                guard bucket <= Self.largestBucket else { return }
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
}
