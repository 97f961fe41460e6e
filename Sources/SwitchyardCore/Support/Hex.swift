/// Lowercase hexadecimal text, written straight into the string's storage (key digests and
/// random IDs are made on every request).
package enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `prefix` followed by two hex digits per byte.
    package static func lowercase(_ bytes: some Collection<UInt8>, prefix: String = "") -> String {
        let head = Array(prefix.utf8)
        return String(unsafeUninitializedCapacity: head.count + 2 * bytes.count) { buffer in
            var index = 0
            for byte in head {
                buffer[index] = byte
                index += 1
            }
            for byte in bytes {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0xF)]
                index += 2
            }
            return index
        }
    }

    /// Sixteen hex digits per word, most significant first (trace and span IDs, key digests).
    package static func lowercase(words: [UInt64]) -> String {
        String(unsafeUninitializedCapacity: 16 * words.count) { buffer in
            for (position, word) in words.enumerated() { write(word, into: buffer, at: 16 * position) }
            return 16 * words.count
        }
    }

    /// Writes `word`'s sixteen hex digits, most significant first, at `index` of `buffer`.
    package static func write(_ word: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at index: Int) {
        var index = index
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: word >> UInt64(shift) & 0xF)
            buffer[index] = nibble < 10 ? nibble + 0x30 : nibble + 0x57
            index += 1
        }
    }

    /// The value of at most 16 lower-case hex digits; nil when any byte is not one (upper case
    /// included: the forms read here are all written lower-case).
    package static func word(_ text: some Collection<UInt8>) -> UInt64? {
        guard text.count <= 16 else { return nil }
        var value: UInt64 = 0
        for digit in text {
            let nibble: UInt8
            switch digit {
            case 0x30...0x39: nibble = digit - 0x30
            case 0x61...0x66: nibble = digit - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}
