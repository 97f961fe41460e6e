/// Where the long values near the top of a validated document end: objects, arrays and strings
/// of `minimumLength` bytes or more, at depth 1 to `maximumDepth` (the root's members are at
/// depth 1), found by the validating scan.
///
/// `JSONDocument` answers `member`, `elements` and the like by walking the text again; without
/// this, every `member(_:of:)` on a request's root re-read its whole `messages` array to step
/// over it (a 1 KB prompt was read about 30 times per chat call). With it a walk steps over a
/// long value by one lookup. Short values are still scanned: that is as cheap as a lookup.
///
/// Bounded by the text: values at one depth do not overlap, so there are at most
/// `maximumDepth` entries per `minimumLength` bytes, 8 bytes each — at most half the size of
/// the document, whatever its shape. Documents under `minimumDocument` bytes keep no index.
struct JSONLongValues: Sendable {
    static let minimumLength = 64
    static let maximumDepth = 4
    static let minimumDocument = 512

    private struct Entry: Sendable {
        var start: Int32
        var end: Int32
    }

    /// In document order (by start): a container takes its place when it opens.
    private var entries: [Entry] = []

    init() {}

    var isEmpty: Bool { entries.isEmpty }

    /// Whether a document of `count` bytes keeps an index.
    static func worthKeeping(documentBytes count: Int) -> Bool {
        count >= minimumDocument && count < Int(Int32.max)
    }

    /// A container at `depth` opens at `start`: its slot, to pass to `close`, or nil when
    /// values at this depth are not recorded.
    mutating func open(_ start: Int, depth: Int) -> Int? {
        guard depth >= 1 && depth <= Self.maximumDepth else { return nil }
        entries.append(Entry(start: Int32(start), end: -1))
        return entries.count - 1
    }

    /// The container of `slot` ends at `end`. A short one is dropped: its values were short
    /// too and recorded nothing, so it is the last entry.
    mutating func close(_ slot: Int, end: Int) {
        if end - Int(entries[slot].start) >= Self.minimumLength {
            entries[slot].end = Int32(end)
        } else {
            entries.removeLast()
        }
    }

    /// A string at `depth` spanned `range` (strings hold no values, so it comes after every
    /// entry already there).
    mutating func string(_ range: Range<Int>, depth: Int) {
        guard depth >= 1 && depth <= Self.maximumDepth && range.count >= Self.minimumLength else { return }
        entries.append(Entry(start: Int32(range.lowerBound), end: Int32(range.upperBound)))
    }

    /// The end of the long value starting at `start`, or nil when none starts there.
    func end(of start: Int) -> Int? {
        let start = Int32(truncatingIfNeeded: start)
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].start < start { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].start == start && entries[low].end >= 0 ? Int(entries[low].end) : nil
    }
}
