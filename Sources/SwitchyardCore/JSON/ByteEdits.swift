/// Replaces byte ranges of a text in one pass; used to rewrite a JSON body without re-encoding it.
package struct ByteEdits {
    private var edits: [(range: Range<Int>, replacement: [UInt8])] = []

    package init() {}

    /// Replace `range` with `replacement` (an empty range inserts).
    package mutating func replace(_ range: Range<Int>, with replacement: String) {
        edits.append((range, Array(replacement.utf8)))
    }

    package mutating func insert(_ text: String, at offset: Int) {
        replace(offset..<offset, with: text)
    }

    package var isEmpty: Bool { edits.isEmpty }

    /// The edited text. Edits must not overlap.
    package func applied(to bytes: [UInt8]) -> [UInt8] {
        if edits.isEmpty { return bytes }
        let sorted = edits.sorted { $0.range.lowerBound < $1.range.lowerBound }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + sorted.reduce(0) { $0 + $1.replacement.count })
        var cursor = 0
        for edit in sorted {
            out.append(contentsOf: bytes[cursor..<edit.range.lowerBound])
            out.append(contentsOf: edit.replacement)
            cursor = edit.range.upperBound
        }
        out.append(contentsOf: bytes[cursor...])
        return out
    }
}
