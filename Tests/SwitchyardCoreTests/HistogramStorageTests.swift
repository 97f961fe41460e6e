import Testing
@testable import SwitchyardCore

/// A rollup histogram's stored bytes (`Histogram.stored`), and the text earlier versions stored.
@Suite struct HistogramStorageTests {
    typealias Histogram = UsageRollup.Histogram

    static func read(_ bytes: [UInt8]) -> Histogram {
        bytes.withUnsafeBytes { Histogram(stored: $0) }
    }

    static func histogram(_ pairs: [(Int, Int)]) -> Histogram {
        // Built through the text reader, which takes any bucket and count.
        Histogram(text: pairs.map { "\($0.0):\($0.1)" }.joined(separator: ","))
    }

    @Test func storedBytesReadBackTheSameHistogram() {
        var h = Histogram()
        for i in 0..<5_000 { h.add(Int64((i * 7_919) % 3_000_000)) }
        h.add(.max)
        h.add(0, count: 3)
        #expect(Self.read(h.stored) == h && h.total == 5_004)
        #expect(Self.read(Histogram().stored) == Histogram() && Histogram().stored.isEmpty)
        // The last bucket alone (every sample clamped at the largest value) and counts below one.
        var last = Histogram()
        last.add(.max)
        last.add(5, count: 0)
        last.add(6, count: -3)
        #expect(last.buckets == [Histogram.largestBucket] && Self.read(last.stored) == last)
        // Counts of every width, buckets from the first to the last.
        let wide = Self.histogram([(0, 1), (1, 127), (2, 128), (130, 16_383), (Histogram.largestBucket, 999_999_999_999_999_999)])
        #expect(wide.buckets == [0, 1, 2, 130, Histogram.largestBucket] && Self.read(wide.stored) == wide)
    }

    @Test func aBucketTakesAboutTwoBytes() {
        // The usual shape: neighbouring buckets with small counts.
        let h = Self.histogram((0..<200).map { (700 + $0, 1 + $0 % 3) })
        // The format byte; bucket 700 (0xBC 0x05) with count 1; then a gap of 0 and a count per bucket.
        var expected: [UInt8] = [0x01, 0xBC, 0x05, 0x01]
        for i in 1..<200 { expected += [0x00, UInt8(1 + i % 3)] }
        #expect(h.stored == expected)
        #expect(h.stored.count == 402)
    }

    @Test func textFromEarlierVersionsIsRead() {
        let text = "0:1,9:10,10:99,12345:100000,700:987654321012"
        let h = Self.read(Array(text.utf8))
        #expect(h.buckets == [0, 9, 10, 700] && h.counts == [1, 10, 99, 987_654_321_012])  // 12345 is beyond the last bucket
        #expect(Histogram(text: text) == h)
        // Out of order and repeated buckets are sorted and added up; malformed pairs are skipped.
        let unordered = Histogram(text: "900:1,3:2,900:4,0:7")
        #expect(unordered.buckets == [0, 3, 900] && unordered.counts == [7, 2, 5])
        #expect(Histogram(text: "x,1:,2:3,4:5x,6:7").total == 10)
    }

    @Test func addingStoredBytesEqualsMergingTheHistogram() {
        var generator = TraceContextTests.SeededGenerator(seed: 7)
        func random(_ buckets: ClosedRange<Int>, _ n: Int) -> Histogram {
            var h = Histogram()
            for _ in 0..<n { h.add(Int64(UsageRollup.Histogram.value(of: Int.random(in: buckets, using: &generator))), count: Int.random(in: 1...5, using: &generator)) }
            return h
        }
        let base = random(600...700, 400)
        // Buckets all in the base (in place), some not (a new one first, in the middle, last),
        // the text form, nothing, and into nothing.
        let subset = Self.histogram(Array(zip(base.buckets, base.counts)).enumerated().filter { $0.offset % 3 == 0 }.map { ($0.element.0, 2) })
        let cases: [(Histogram, [UInt8])] = [
            (base, subset.stored), (base, random(590...710, 50).stored), (base, Self.histogram([(599, 1), (650, 1)]).stored),
            (base, Self.histogram([(base.buckets[0], 1), (base.buckets[1] + 1, 1), (800, 4)]).stored),
            (base, Array("650:3,900:1".utf8)), (base, []), (Histogram(), base.stored),
        ]
        for (start, bytes) in cases {
            var merged = start
            merged.merge(Self.read(bytes))
            var added = start
            bytes.withUnsafeBytes { added.merge(stored: $0) }
            #expect(added == merged && added.total == start.total + Self.read(bytes).total)
        }
    }

    @Test func mergingEqualsAddingEveryValue() {
        // Histograms of one to eight values (the few-bucket path and the general one) merged
        // into a wide one give what adding each value to it gives.
        var generator = TraceContextTests.SeededGenerator(seed: 3)
        var wide = Histogram(), expected = Histogram()
        for _ in 0..<500 {
            let value = Int64.random(in: 0...5_000_000, using: &generator)
            wide.add(value)
            expected.add(value)
        }
        for round in 0..<300 {
            var small = Histogram()
            for _ in 0...(round % 8) {
                let value = Int64.random(in: 0...9_000_000, using: &generator)
                small.add(value)
                expected.add(value)
            }
            wide.merge(small)
        }
        #expect(wide == expected && wide.total == expected.total)
    }

    @Test func damagedBytesEndTheHistogramWithoutTrapping() {
        let good = Self.histogram([(5, 2), (9, 3)]).stored  // 01 05 02 03 03
        #expect(good == [0x01, 0x05, 0x02, 0x03, 0x03])
        // Cut short, in a varint or between a bucket and its count: the pairs before are kept.
        #expect(Self.read(Array(good.prefix(4))).buckets == [5])
        #expect(Self.read([0x01, 0x05, 0x02, 0x83]).buckets == [5])
        // A varint longer than ten bytes, a gap beyond the last bucket, a count beyond Int.
        let long: [UInt8] = [0x01] + Array(repeating: 0xFF, count: 12) + [0x01, 0x01]
        #expect(Self.read(long).buckets.isEmpty)
        #expect(Self.read([0x01, 0x05, 0x02, 0xFF, 0x7F, 0x01]).buckets == [5])
        #expect(Self.read([0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).buckets.isEmpty)
        // A zero count is no bucket; an unknown first byte reads as (no) text.
        #expect(Self.read([0x01, 0x05, 0x00, 0x00, 0x04]).buckets == [6])
        #expect(Self.read([0x02, 0x05, 0x02]).buckets.isEmpty)
        // Random bytes after the format byte never trap and keep buckets ascending.
        var generator = TraceContextTests.SeededGenerator(seed: 42)
        for _ in 0..<2_000 {
            var bytes: [UInt8] = [0x01]
            for _ in 0..<Int.random(in: 0..<40, using: &generator) { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
            let h = Self.read(bytes)
            #expect(zip(h.buckets, h.buckets.dropFirst()).allSatisfy { $0 < $1 } && h.counts.allSatisfy { $0 > 0 })
            #expect(h.buckets.allSatisfy { $0 <= Histogram.largestBucket })
            // Added to a histogram in place (and falling back where a bucket is new): the same.
            var base = Self.histogram([(0, 1), (3, 2), (40, 1), (200, 5)])
            var merged = base
            merged.merge(h)
            bytes.withUnsafeBytes { base.merge(stored: $0) }
            #expect(base == merged)
        }
    }

    @Test func countsSaturateInsteadOfTrapping() {
        // (Buckets below 64 are the microseconds themselves.)
        var h = Histogram()
        h.add(5, count: .max)
        h.add(6)
        var full = Histogram()
        full.add(5, count: .max)
        h.merge(full)  // in place
        var other = Histogram()
        other.add(4)
        other.add(5)
        h.merge(other)  // a new bucket
        h.add(6, count: .max)  // one at a time
        #expect(h.buckets == [4, 5, 6] && h.counts == [1, Int.max, Int.max])
        _ = h.percentilesMs([0.5, 1.0])  // ranks from a saturated total convert without trapping
        #expect(h.total == Int.max)
        #expect(Self.read(h.stored) == h)
    }
}
