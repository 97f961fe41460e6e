/// A validated JSON document kept as bytes, read through byte ranges.
///
/// The gateway only needs a handful of fields out of a request or a response (`model`, `stream`,
/// `usage`, …), and must pass everything else through untouched. So instead of decoding into a
/// tree, `JSONDocument` validates the whole text once and then answers questions about ranges of
/// it: nothing is copied or re-encoded unless asked for.
package struct JSONDocument: Sendable {
    package let bytes: [UInt8]
    package let root: JSONValue
    /// Where the long values end, so that reading a member does not rescan the long values
    /// before it.
    let longValues: JSONLongValues

    /// Validates `bytes` as one JSON value (RFC 8259) surrounded by optional white space.
    /// `strict` (every client request body) also refuses an object with a key twice and bytes
    /// that are not UTF-8: what parsers disagree on.
    package init(bytes: [UInt8], maxDepth: Int = 128, strict: Bool = false) throws(JSONSyntaxError) {
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth, strict: strict)
        if JSONLongValues.worthKeeping(documentBytes: bytes.count) { scanner.longValues = JSONLongValues() }
        scanner.skipWhitespace()
        let root = try scanner.scanValue(depth: 0)
        scanner.skipWhitespace()
        guard scanner.position == bytes.count else {
            throw JSONSyntaxError(offset: scanner.position, reason: "unexpected data after the JSON value")
        }
        self.bytes = bytes
        self.root = root
        self.longValues = scanner.longValues ?? JSONLongValues()
    }

    /// The members of an object, in document order.
    package func members(of object: JSONValue) -> [(key: String, value: JSONValue)] {
        guard object.kind == .object else { return [] }
        var result: [(String, JSONValue)] = []
        forEachMember(of: object) { key, value in
            result.append((string(key) ?? "", value))
            return true
        }
        return result
    }

    /// The value of `key` in `object`, or nil when absent (or `object` is not an object).
    /// With duplicate keys the last one wins, as in most JSON decoders.
    package func member(_ key: String, of object: JSONValue) -> JSONValue? {
        guard object.kind == .object else { return nil }
        var found: JSONValue?
        forEachMember(of: object) { keyRef, value in
            if self.key(keyRef, is: key) { found = value }
            return true
        }
        return found
    }

    /// Each member's key and value, in document order, in one pass: for a reader that wants
    /// several members of one object (`member` scans the object once per key it is asked for).
    /// Compare keys with `key(_:is:)`.
    package func scanMembers(of object: JSONValue, _ body: (_ key: JSONValue, _ value: JSONValue) -> Void) {
        guard object.kind == .object else { return }
        forEachMember(of: object) { key, value in
            body(key, value)
            return true
        }
    }

    /// Whether a member's key (from `scanMembers`) is `wanted`, byte for byte once its escapes
    /// are decoded.
    package func key(_ key: JSONValue, is wanted: String) -> Bool {
        let inner = (key.range.lowerBound + 1)..<(key.range.upperBound - 1)
        if !bytes[inner].contains(UInt8(ascii: "\\")) {
            return inner.count == wanted.utf8.count && bytes[inner].elementsEqual(wanted.utf8)
        }
        // Bytes, not `String ==`: that would also match a canonically equivalent spelling.
        return string(key).map { $0.utf8.elementsEqual(wanted.utf8) } ?? false
    }

    /// The byte range of a whole member, `"key": value`, together with one adjacent comma, so
    /// that removing it leaves valid JSON. Nil when absent.
    package func memberRemovalRange(_ key: String, of object: JSONValue) -> Range<Int>? {
        guard object.kind == .object else { return nil }
        var found: Range<Int>?
        forEachMember(of: object) { keyRef, value in
            if self.key(keyRef, is: key) { found = keyRef.range.lowerBound..<value.range.upperBound }
            return true
        }
        guard var range = found else { return nil }
        var after = range.upperBound
        while after < object.range.upperBound, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[after]) { after += 1 }
        if bytes[after] == UInt8(ascii: ",") {
            range = range.lowerBound..<(after + 1)
        } else {
            var before = range.lowerBound - 1
            while before > object.range.lowerBound, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[before]) { before -= 1 }
            if bytes[before] == UInt8(ascii: ",") { range = before..<range.upperBound }
        }
        return range
    }

    /// Follows a path of keys from the root (or from `start`).
    package func value(at path: String..., from start: JSONValue? = nil) -> JSONValue? {
        var current = start ?? root
        for key in path {
            guard let next = member(key, of: current) else { return nil }
            current = next
        }
        return current
    }

    /// The elements of an array, in order.
    package func elements(of array: JSONValue) -> [JSONValue] {
        guard array.kind == .array else { return [] }
        var result: [JSONValue] = []
        var scanner = walker()
        scanner.position = array.range.lowerBound + 1
        scanner.skipWhitespace()
        if bytes[scanner.position] == UInt8(ascii: "]") { return [] }
        while true {
            guard let v = try? scanner.scanValue(depth: 0) else { return result }
            result.append(v)
            scanner.skipWhitespace()
            if bytes[scanner.position] == UInt8(ascii: ",") {
                scanner.position += 1
                scanner.skipWhitespace()
            } else {
                return result
            }
        }
    }

    /// The first element of an array, without listing the rest.
    package func firstElement(of array: JSONValue) -> JSONValue? {
        guard array.kind == .array else { return nil }
        var scanner = walker()
        scanner.position = array.range.lowerBound + 1
        scanner.skipWhitespace()
        if bytes[scanner.position] == UInt8(ascii: "]") { return nil }
        return try? scanner.scanValue(depth: 0)
    }

    /// A string value with its escapes decoded; nil for other kinds.
    package func string(_ value: JSONValue) -> String? {
        guard value.kind == .string else { return nil }
        return JSONString.decode(bytes[(value.range.lowerBound + 1)..<(value.range.upperBound - 1)])
    }

    /// An integer value; nil for other kinds, fractions or values out of `Int` range.
    package func int(_ value: JSONValue) -> Int? {
        guard value.kind == .number else { return nil }
        var result = 0
        var negative = false
        for (i, b) in bytes[value.range].enumerated() {
            if i == 0 && b == UInt8(ascii: "-") { negative = true; continue }
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (m, o1) = result.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(b - 0x30))
            if o1 || o2 { return nil }
            result = s
        }
        return negative ? -result : result
    }

    /// A number value as a `Double` (for parameters such as `temperature`, never for money).
    package func double(_ value: JSONValue) -> Double? {
        guard value.kind == .number else { return nil }
        return Double(String(decoding: bytes[value.range], as: UTF8.self))
    }

    package func bool(_ value: JSONValue) -> Bool? {
        switch value.kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    /// The raw text of a value.
    package func raw(_ value: JSONValue) -> ArraySlice<UInt8> { bytes[value.range] }

    // MARK: - Private

    /// A scanner over the validated text that steps over long values by their recorded ends.
    private func walker() -> JSONScanner {
        var scanner = JSONScanner(bytes: bytes, maxDepth: Int.max)
        if !longValues.isEmpty { scanner.known = longValues }
        return scanner
    }

    private func forEachMember(of object: JSONValue, _ body: (JSONValue, JSONValue) -> Bool) {
        var scanner = walker()
        scanner.position = object.range.lowerBound + 1
        scanner.skipWhitespace()
        if bytes[scanner.position] == UInt8(ascii: "}") { return }
        while true {
            guard let key = try? scanner.scanValue(depth: 0) else { return }
            scanner.skipWhitespace()
            scanner.position += 1  // ':'
            scanner.skipWhitespace()
            guard let value = try? scanner.scanValue(depth: 0) else { return }
            if !body(key, value) { return }
            scanner.skipWhitespace()
            if bytes[scanner.position] == UInt8(ascii: ",") {
                scanner.position += 1
                scanner.skipWhitespace()
            } else {
                return
            }
        }
    }
}

/// A value inside a `JSONDocument`: its kind and the byte range of its text.
package struct JSONValue: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case object, array, string, number, `true`, `false`, null
    }

    package var kind: Kind
    package var range: Range<Int>
}

/// Where and why a JSON text is malformed.
package struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    package var offset: Int
    package var reason: String

    package var description: String { "\(reason) at byte \(offset)" }
}
