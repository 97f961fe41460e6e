import Foundation

/// Random identifiers from the system's random bytes (`hex`, `uuid` and `uuidV7` through
/// `BufferedRandom`, 512 bytes per read), formatted without Foundation: Foundation's `UUID()`
/// opens and reads `/dev/urandom` on every call on Linux, which showed up as a file open per
/// request in the gateway's profile. Identifiers, not secrets: a token that grants access
/// (an API key, a session) comes from `SystemRandomNumberGenerator` directly.
package enum RandomID {
    /// `prefix` and 32 random lowercase hex digits (128 bits).
    package static func hex(prefix: String = "") -> String {
        var generator = BufferedRandom()
        let high = generator.next(), low = generator.next()
        return String(unsafeUninitializedCapacity: prefix.utf8.count + 32) { buffer in
            var index = 0
            for byte in prefix.utf8 {
                buffer[index] = byte
                index += 1
            }
            Hex.write(high, into: buffer, at: index)
            Hex.write(low, into: buffer, at: index + 16)
            return index + 32
        }
    }

    /// A random (version 4) UUID in its lowercase text form, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
    package static func uuid() -> String {
        var generator = BufferedRandom()
        return text(high: generator.next() & ~0xF000 | 0x4000, low: variant(generator.next()))
    }

    /// A time-ordered (version 7, RFC 9562) UUID: the first 48 bits are `time` in Unix
    /// milliseconds, the other 74 random. Ledger rows use it as their ID, so that rows written
    /// together land next to each other in the ID's index instead of on a random page each.
    package static func uuidV7(at time: Date) -> String {
        let milliseconds = time.timeIntervalSince1970 * 1000
        // Before 1970 (or NaN) is 0; past the 48 bits (year 10889, or infinity) is their maximum.
        let clamped = milliseconds.isNaN ? 0 : UInt64(min(max(0, milliseconds), Double(0xFFFF_FFFF_FFFF)))
        var generator = BufferedRandom()
        return text(high: clamped << 16 | 0x7000 | generator.next() & 0x0FFF, low: variant(generator.next()))
    }

    /// The RFC 9562 variant (binary 10) in the top bits of the second word.
    private static func variant(_ low: UInt64) -> UInt64 {
        low & ~(0b11 << 62) | 0b10 << 62
    }

    /// The two words as the 36-character text form.
    private static func text(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            // The 32 digits go to the buffer's end, then move forward around the four dashes
            // (each move reads a digit no earlier write has reached).
            Hex.write(high, into: buffer, at: 4)
            Hex.write(low, into: buffer, at: 20)
            var target = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    buffer[target] = UInt8(ascii: "-")
                    target += 1
                }
                buffer[target] = buffer[4 + digit]
                target += 1
            }
            return target
        }
    }

    /// `prefix` and `count` random base-62 characters (about 5.95 bits each).
    package static func base62(prefix: String, count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return prefix + String((0..<count).map { _ in alphabet[Int.random(in: 0..<62, using: &generator)] })
    }
}
