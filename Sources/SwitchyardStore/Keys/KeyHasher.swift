import Crypto
import Foundation
import SwitchyardCore

/// Virtual API keys are stored only as SHA-256 digests. A key carries 192 bits
/// of randomness, so a fast unsalted hash is enough (the same choice GitHub and
/// Stripe make for their tokens): nobody can brute-force the preimage, and a
/// fast hash keeps authentication off the hot path's CPU budget.
package enum KeyHasher {
    /// Lower-case hex SHA-256 of the key's UTF-8 bytes.
    package static func digest(_ key: String) -> String {
        Hex.lowercase(Array(SHA256.hash(data: Data(key.utf8))))
    }

    /// The same SHA-256 as four words, for the in-memory key table.
    /// On the request path: the key's bytes are hashed where they lie and the digest read
    /// straight into the words (no `Data`, no array).
    /// Nil only if the hash were not 32 bytes (never): a key that cannot be hashed matches nothing.
    package static func keyDigest(_ key: Substring) -> KeyDigest? {
        var hasher = SHA256()
        if key.utf8.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            // A bridged or non-contiguous string: hash a native copy.
            var copy = String(key)
            copy.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hasher.finalize().withUnsafeBytes { KeyDigest(sha256: $0) }
    }

    package static func keyDigest(_ key: String) -> KeyDigest? {
        keyDigest(key[...])
    }

    /// Compares two digests without an early exit, so the time taken does not
    /// say how many leading characters matched.
    package static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
