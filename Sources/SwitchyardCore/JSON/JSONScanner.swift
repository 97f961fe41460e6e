/// Validating, non-allocating scanner over JSON text. Finds where each value starts and ends.
struct JSONScanner {
    let bytes: [UInt8]
    let maxDepth: Int
    /// Refuse what parsers disagree on: an object with the same key twice (compared after
    /// unescaping, so `"model"` and `"mo\u0064el"` are the same key) and bytes that are not
    /// UTF-8 (RFC 8259 §8.1; a lenient decoder may drop them and see `"model\xff"` as
    /// `"model"`). A gateway that checks one reading and forwards bytes that allow another can be
    /// bypassed.
    let strict: Bool
    var position = 0
    /// Filled by a validating scan that keeps an index (nil: none); consulted by later walks
    /// (`known`).
    var longValues: JSONLongValues?
    /// The long values of a document already validated: stepped over without rescanning.
    var known: JSONLongValues?

    init(bytes: [UInt8], maxDepth: Int, strict: Bool = false) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.strict = strict
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, reason: reason)
    }

    mutating func scanValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else { throw fail("unexpected end of JSON") }
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "{"):
            if let known = skipKnown(start) { return JSONValue(kind: .object, range: known) }
            let slot = longValues?.open(start, depth: depth)
            try scanObject(depth: depth + 1)
            if let slot { longValues?.close(slot, end: position) }
            return JSONValue(kind: .object, range: start..<position)
        case UInt8(ascii: "["):
            if let known = skipKnown(start) { return JSONValue(kind: .array, range: known) }
            let slot = longValues?.open(start, depth: depth)
            try scanArray(depth: depth + 1)
            if let slot { longValues?.close(slot, end: position) }
            return JSONValue(kind: .array, range: start..<position)
        case UInt8(ascii: "\""):
            if let known = skipKnown(start) { return JSONValue(kind: .string, range: known) }
            try scanString()
            longValues?.string(start..<position, depth: depth)
            return JSONValue(kind: .string, range: start..<position)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return JSONValue(kind: .true, range: start..<position)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return JSONValue(kind: .false, range: start..<position)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return JSONValue(kind: .null, range: start..<position)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber()
            return JSONValue(kind: .number, range: start..<position)
        default:
            throw fail("unexpected character")
        }
    }

    /// Steps over a long value already known to end at a recorded position.
    private mutating func skipKnown(_ start: Int) -> Range<Int>? {
        guard let end = known?.end(of: start) else { return nil }
        position = end
        return start..<end
    }

    private mutating func scanObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw fail("JSON nested too deeply") }
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") { position += 1; return }
        var keys = DuplicateKeyCheck()
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = position
            try scanString()
            if strict, let duplicate = keys.insert(bytes[(keyStart + 1)..<(position - 1)]) {
                throw JSONSyntaxError(offset: keyStart, reason: "duplicate key \(JSONString.quoted(String(decoding: duplicate.prefix(128), as: UTF8.self)))")
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhitespace()
            _ = try scanValue(depth: depth)
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of JSON in an object") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func scanArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= maxDepth else { throw fail("JSON nested too deeply") }
        position += 1
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") { position += 1; return }
        while true {
            skipWhitespace()
            _ = try scanValue(depth: depth)
            skipWhitespace()
            guard position < bytes.count else { throw fail("unexpected end of JSON in an array") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func scanString() throws(JSONSyntaxError) {
        position += 1
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") { position += 1; return }
            if b < 0x20 { throw fail("control character in a string") }
            if b == UInt8(ascii: "\\") {
                position += 1
                guard position < bytes.count else { break }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    guard position + 4 < bytes.count else { throw fail("bad \\u escape") }
                    for i in 1...4 where !bytes[position + i].isHexDigit { throw fail("bad \\u escape") }
                    position += 5
                default:
                    throw fail("bad escape in a string")
                }
                continue
            }
            if b >= 0x80, strict {
                try scanUTF8Sequence()
                continue
            }
            position += 1
        }
        throw fail("unterminated string")
    }

    /// One multi-byte UTF-8 sequence (RFC 3629): no overlong forms, no surrogates, nothing past
    /// U+10FFFF.
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let lead = bytes[position]
        let count: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: count = 1
        case 0xE0: count = 2; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: count = 2
        case 0xED: count = 2; second = 0x80...0x9F
        case 0xF0: count = 3; second = 0x90...0xBF
        case 0xF1...0xF3: count = 3
        case 0xF4: count = 3; second = 0x80...0x8F
        default: throw fail("invalid UTF-8")
        }
        guard position + count < bytes.count, second.contains(bytes[position + 1]) else { throw fail("invalid UTF-8") }
        for i in stride(from: 2, through: count, by: 1) where !(0x80...0xBF).contains(bytes[position + i]) {
            throw fail("invalid UTF-8")
        }
        position += count + 1
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, bytes[position].isDigit else { throw fail("bad number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count && bytes[position].isDigit { position += 1 }
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, bytes[position].isDigit else { throw fail("bad number") }
            while position < bytes.count && bytes[position].isDigit { position += 1 }
        }
        if position < bytes.count && (bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")) {
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) { position += 1 }
            guard position < bytes.count, bytes[position].isDigit else { throw fail("bad number") }
            while position < bytes.count && bytes[position].isDigit { position += 1 }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw fail("unexpected end of JSON") }
        let ok = literal.withUTF8Buffer { lit in
            (0..<count).allSatisfy { bytes[position + $0] == lit[$0] }
        }
        guard ok else { throw fail("invalid literal") }
        position += count
    }
}

/// The keys of one object seen so far. Small objects (almost all) compare linearly; past 16
/// keys a set keeps the check linear in the object's size.
private struct DuplicateKeyCheck {
    private var small: [[UInt8]] = []
    private var large: Set<[UInt8]>?

    /// Adds a key (the inside of its literal); returns the decoded key when it was seen already.
    mutating func insert(_ literal: ArraySlice<UInt8>) -> [UInt8]? {
        let key = literal.contains(UInt8(ascii: "\\")) ? Array((JSONString.decode(literal) ?? "\u{FFFD}").utf8) : Array(literal)
        if large != nil {
            return large!.insert(key).inserted ? nil : key
        }
        if small.contains(key) { return key }
        small.append(key)
        if small.count > 16 {
            large = Set(small)
            small = []
        }
        return nil
    }
}

extension UInt8 {
    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
