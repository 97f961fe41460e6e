/// A key's SHA-256 as four words instead of a 64-character hex string: 32 bytes inline, no
/// heap allocation, and hashed by one word (the digest is already uniformly random).
public struct KeyDigest: Sendable, Hashable {
    public var words: (UInt64, UInt64, UInt64, UInt64)

    public init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// From the 32 bytes of a SHA-256; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() { words[index / 8] = words[index / 8] << 8 | UInt64(byte) }
        self.words = (words[0], words[1], words[2], words[3])
    }

    /// From 64 lower-case hex digits (`KeyHasher.digest`'s form); nil for anything else, so a
    /// stored hash in another form never matches a presented key.
    public init?(hex: String) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        for byte in hex.utf8 {
            let value: UInt64
            switch byte {
            case 0x30...0x39: value = UInt64(byte - 0x30)
            case 0x61...0x66: value = UInt64(byte - 0x61 + 10)
            default: return nil
            }
            switch count / 16 {
            case 0: words.0 = words.0 << 4 | value
            case 1: words.1 = words.1 << 4 | value
            case 2: words.2 = words.2 << 4 | value
            case 3: words.3 = words.3 << 4 | value
            default: return nil
            }
            count += 1
        }
        guard count == 64 else { return nil }
        self.words = words
    }

    /// 64 lower-case hex digits.
    public var hex: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Hex.lowercase(bytes)
    }

    /// Equality without an early exit, so the time taken says nothing about how much matched.
    public func constantTimeEquals(_ other: KeyDigest) -> Bool {
        ((words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)) == 0
    }

    public static func == (a: KeyDigest, b: KeyDigest) -> Bool { a.constantTimeEquals(b) }

    public func hash(into hasher: inout Hasher) { hasher.combine(words.0) }
}
