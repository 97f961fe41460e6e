import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Every virtual key, in memory, by hash: authentication never waits on the store. The sync
/// loop replaces the whole set every interval; the admin API updates it at once on this
/// replica (other replicas see a change within one sync interval).
final class KeyDirectory: Sendable {
    private struct State {
        var byHash: [String: VirtualKey] = [:]
        /// Bumped by every local change, so that a sync that read the store before the change
        /// does not undo it.
        var generation = 0
    }

    private let state = Mutex(State())

    var generation: Int { state.withLock { $0.generation } }

    /// Replaces every key with `keys`, read from the store when the directory was at
    /// `generation`; skipped (false) when a local change came in between — the next sync
    /// reads it back from the store.
    @discardableResult
    func replaceAll(_ keys: [VirtualKey], readAt generation: Int? = nil) -> Bool {
        let table = Dictionary(keys.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
        return state.withLock { state in
            if let generation, generation != state.generation { return false }
            state.byHash = table
            return true
        }
    }

    func upsert(_ key: VirtualKey) {
        state.withLock { state in
            state.byHash[key.hash] = key
            state.generation += 1
        }
    }

    /// The key whose secret is `secret`, if any. The secret is hashed first, so the lookup
    /// time says nothing about the secret; the final comparison is constant-time.
    func key(forSecret secret: Substring) -> VirtualKey? {
        guard KeyGenerator.looksLikeKey(secret) else { return nil }
        let digest = KeyHasher.digest(String(secret))
        guard let key = state.withLock({ $0.byHash[digest] }), KeyHasher.constantTimeEquals(key.hash, digest) else { return nil }
        return key
    }

    func key(id: String) -> VirtualKey? {
        state.withLock { state in state.byHash.values.first { $0.id == id } }
    }

    var all: [VirtualKey] { state.withLock { Array($0.byHash.values) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
}
