/// Random identifiers from the system's generator (`getrandom`), formatted without Foundation:
/// Foundation's `UUID()` opens and reads `/dev/urandom` on every call on Linux, which showed up
/// as a file open per request in the gateway's profile.
package enum RandomID {
    /// `prefix` and 32 random lowercase hex digits (128 bits).
    package static func hex(prefix: String = "") -> String {
        Hex.lowercase(randomBytes(), prefix: prefix)
    }

    /// A random (version 4) UUID in its lowercase text form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
    package static func uuid() -> String {
        var bytes = randomBytes()
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10xx
        let hex = Array(Hex.lowercase(bytes).utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            for (offset, digit) in hex.enumerated() {
                if offset == 8 || offset == 12 || offset == 16 || offset == 20 {
                    buffer[index] = UInt8(ascii: "-")
                    index += 1
                }
                buffer[index] = digit
                index += 1
            }
            return index
        }
    }

    /// `prefix` and `count` random base-62 characters (about 5.95 bits each).
    package static func base62(prefix: String, count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<count).map { _ in alphabet[Int.random(in: 0..<62, using: &generator)] })
    }

    /// 16 bytes from two 64-bit draws: each draw is one `getrandom` call (drawing a byte at a
    /// time made 16 calls per identifier, several per request).
    private static func randomBytes() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next(), low = generator.next()
        return (0..<16).map { index in UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> UInt64(56 - 8 * (index % 8))) }
    }
}
