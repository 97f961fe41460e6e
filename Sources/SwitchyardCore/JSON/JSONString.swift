/// Encoding and decoding of JSON string literals.
package enum JSONString {
    /// `value` as a quoted JSON string literal.
    package static func quoted(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// Decodes the inside of a (validated) string literal, without the quotes.
    static func decode(_ inner: ArraySlice<UInt8>) -> String? {
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        var out = [UInt8]()
        out.reserveCapacity(inner.count)
        var i = inner.startIndex
        var pendingHigh: UInt32?
        func appendScalar(_ v: UInt32) {
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        while i < inner.endIndex {
            let b = inner[i]
            guard b == UInt8(ascii: "\\") else {
                if let h = pendingHigh { appendScalar(h); pendingHigh = nil }
                out.append(b); i += 1; continue
            }
            guard i + 1 < inner.endIndex else { return nil }
            let e = inner[i + 1]
            i += 2
            if e == UInt8(ascii: "u") {
                guard i + 4 <= inner.endIndex, let v = UInt32(String(decoding: inner[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
                i += 4
                if v >= 0xD800 && v < 0xDC00 {
                    if let h = pendingHigh { appendScalar(h) }
                    pendingHigh = v
                    continue
                }
                if v >= 0xDC00 && v < 0xE000, let h = pendingHigh {
                    appendScalar(0x10000 + ((h - 0xD800) << 10) + (v - 0xDC00))
                    pendingHigh = nil
                    continue
                }
                if let h = pendingHigh { appendScalar(h); pendingHigh = nil }
                appendScalar(v)
                continue
            }
            if let h = pendingHigh { appendScalar(h); pendingHigh = nil }
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            default: out.append(e)
            }
        }
        if let h = pendingHigh { appendScalar(h) }
        return String(decoding: out, as: UTF8.self)
    }
}
