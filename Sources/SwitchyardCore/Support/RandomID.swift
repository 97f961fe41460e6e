/// Random identifiers from the system's generator (`getrandom`), formatted without Foundation:
/// Foundation's `UUID()` opens and reads `/dev/urandom` on every call on Linux, which showed up
/// as a file open per request in the gateway's profile.
public enum RandomID {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `prefix` and 32 random lowercase hex digits (128 bits).
    public static func hex(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let words: (UInt64, UInt64) = (generator.next(), generator.next())
        let prefixBytes = Array(prefix.utf8)
        return String(unsafeUninitializedCapacity: prefixBytes.count + 32) { buffer in
            for (index, byte) in prefixBytes.enumerated() { buffer[index] = byte }
            write(words.0, into: buffer, at: prefixBytes.count)
            write(words.1, into: buffer, at: prefixBytes.count + 16)
            return prefixBytes.count + 32
        }
    }

    /// A random (version 4) UUID in its lowercase text form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
    public static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var high: UInt64 = generator.next(), low: UInt64 = generator.next()
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC << 60)) | (0x8 << 60)  // variant 10xx
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var hex = [UInt8](repeating: 0, count: 32)
            hex.withUnsafeMutableBufferPointer { digits in
                write(high, into: digits, at: 0)
                write(low, into: digits, at: 16)
            }
            var out = 0
            for (index, digit) in hex.enumerated() {
                if index == 8 || index == 12 || index == 16 || index == 20 {
                    buffer[out] = UInt8(ascii: "-")
                    out += 1
                }
                buffer[out] = digit
                out += 1
            }
            return out
        }
    }

    private static func write(_ word: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for index in 0..<16 {
            buffer[offset + index] = hexDigits[Int((word >> UInt64(60 - 4 * index)) & 0xF)]
        }
    }
}
