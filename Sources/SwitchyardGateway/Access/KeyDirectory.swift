import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Every virtual key, in memory, by hash: authentication never waits on the store. The sync
/// loop replaces the whole set every interval; the admin API updates it at once on this
/// replica (other replicas see a change within one sync interval).
final class KeyDirectory: Sendable {
    private let byHash = Mutex<[String: VirtualKey]>([:])

    func replaceAll(_ keys: [VirtualKey]) {
        let table = Dictionary(keys.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
        byHash.withLock { $0 = table }
    }

    func upsert(_ key: VirtualKey) {
        byHash.withLock { $0[key.hash] = key }
    }

    /// The key whose secret is `secret`, if any. The secret is hashed first, so the lookup
    /// time says nothing about the secret; the final comparison is constant-time.
    func key(forSecret secret: Substring) -> VirtualKey? {
        guard KeyGenerator.looksLikeKey(secret) else { return nil }
        let digest = KeyHasher.digest(String(secret))
        guard let key = byHash.withLock({ $0[digest] }), KeyHasher.constantTimeEquals(key.hash, digest) else { return nil }
        return key
    }

    func key(id: String) -> VirtualKey? {
        byHash.withLock { table in table.values.first { $0.id == id } }
    }

    var all: [VirtualKey] { byHash.withLock { Array($0.values) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
}
