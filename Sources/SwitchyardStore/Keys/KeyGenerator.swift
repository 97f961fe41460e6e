import Foundation
import SwitchyardCore

/// Makes new virtual keys: `sy-` and 32 base-62 characters (190 bits from the system's
/// cryptographic generator), shown once and stored only as a hash.
package enum KeyGenerator {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// The secret and the key record to store.
    package static func make(_ spec: KeySpec, now: Date) -> (secret: String, key: VirtualKey) {
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
        let secret = "sy-" + body
        let id = "key_" + String((0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt64(36)))] }).lowercased()
        let key = VirtualKey(id: id, name: spec.name, team: spec.team, hash: KeyHasher.digest(secret), hint: String(body.suffix(4)),
                             allowedModels: spec.allowedModels, region: spec.region, limits: spec.limits, budget: spec.budget,
                             expiresAt: spec.expiresAt, createdAt: now)
        return (secret, key)
    }

    /// Whether `text` has the shape of one of our keys (checked before hashing).
    package static func looksLikeKey(_ text: Substring) -> Bool {
        text.utf8.count == 35 && text.utf8.starts(with: "sy-".utf8) && text.utf8.dropFirst(3).allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
    }
}
