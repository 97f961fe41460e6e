/// Where each long value of a validated document ends: objects, arrays and strings of
/// `JSONLongValues.minimumLength` bytes or more, found by the validating scan.
///
/// `JSONDocument` answers `member`, `elements` and the like by walking the text again; without
/// this, every `member(_:of:)` on a request's root re-read its whole `messages` array to step
/// over it (a 1 KB prompt read about 30 times per chat call). With it a walk steps over a long
/// value by one lookup. Short values are still scanned: that is as cheap as a lookup.
///
/// At most one entry per 64 bytes of text, so the index is at most an eighth of the document.
struct JSONLongValues: Sendable {
    static let minimumLength = 64

    /// Sorted by start.
    private var starts: [Int] = []
    private var ends: [Int] = []

    init() {}

    var isEmpty: Bool { starts.isEmpty }

    /// Recorded as each long value ends (so a container comes after its children); `sort`
    /// puts them in document order once the scan is over.
    mutating func record(_ range: Range<Int>) {
        starts.append(range.lowerBound)
        ends.append(range.upperBound)
    }

    mutating func sort() {
        guard starts.count > 1 else { return }
        let order = starts.indices.sorted { starts[$0] < starts[$1] }
        starts = order.map { starts[$0] }
        ends = order.map { ends[$0] }
    }

    /// The end of the long value starting at `start`, or nil when none starts there.
    func end(of start: Int) -> Int? {
        var low = 0
        var high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < start { low = middle + 1 } else { high = middle }
        }
        return low < starts.count && starts[low] == start ? ends[low] : nil
    }
}
