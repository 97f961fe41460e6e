/// A key's SHA-256 as four words instead of a 64-character hex string: 32 bytes inline, no
/// heap allocation, and hashed by one word (the digest is already uniformly random).
package struct KeyDigest: Sendable, Hashable {
    package var words: (UInt64, UInt64, UInt64, UInt64)

    package init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// From the 32 bytes of a SHA-256; nil for any other length.
    package init?(bytes: some Collection<UInt8>) {
        guard let digest = Array(bytes).withUnsafeBytes({ KeyDigest(sha256: $0) }) else { return nil }
        self = digest
    }

    /// From the 32 bytes of a SHA-256 digest, read as four big-endian words; nil for a buffer
    /// of any other length.
    package init?(sha256 digest: UnsafeRawBufferPointer) {
        guard digest.count == 32 else { return nil }
        func word(_ offset: Int) -> UInt64 { UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        self.words = (word(0), word(8), word(16), word(24))
    }

    /// From 64 lower-case hex digits (`KeyHasher.digest`'s form); nil for anything else, so a
    /// stored hash in another form never matches a presented key.
    package init?(hex: String) {
        let text = Array(hex.utf8)
        guard text.count == 64, let a = Hex.word(text[0..<16]), let b = Hex.word(text[16..<32]), let c = Hex.word(text[32..<48]),
              let d = Hex.word(text[48..<64]) else { return nil }
        self.words = (a, b, c, d)
    }

    /// 64 lower-case hex digits.
    package var hex: String { Hex.lowercase(words: [words.0, words.1, words.2, words.3]) }

    /// Equality without an early exit, so the time taken says nothing about how much matched.
    package func constantTimeEquals(_ other: KeyDigest) -> Bool {
        ((words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)) == 0
    }

    package static func == (a: KeyDigest, b: KeyDigest) -> Bool { a.constantTimeEquals(b) }

    package func hash(into hasher: inout Hasher) { hasher.combine(words.0) }
}
