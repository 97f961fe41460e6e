import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Every virtual key, in memory (packed in a `KeyTable`), by hash: authentication never waits
/// on the store. The sync loop applies the keys changed in the store since the last change it saw (`keyChanges`), so
/// an idle replica reads nothing however many keys exist; the admin API updates a key here at
/// once (other replicas see it at the next sync, or at once on PostgreSQL, which notifies them).
final class KeyDirectory: Sendable {
    private struct State {
        var table = KeyTable()
        /// Bumped by every local change, so that a sync that read the store before the change
        /// does not undo it.
        var generation = 0
        /// The store's newest key change applied here.
        var version = KeyChanges.everything
    }

    private let state = Mutex(State())

    /// (local generation, store version): what a sync passes back to `apply`.
    var position: (generation: Int, version: Int64) { state.withLock { ($0.generation, $0.version) } }

    var count: Int { state.withLock { $0.table.count } }

    /// Applies keys read from the store with `keyChanges(after: position.version)` when the
    /// directory was at `position`. Skipped (false) when a local change or another sync came
    /// in between: the next sync reads the same changes again.
    @discardableResult
    func apply(_ changes: KeyChanges, readAt position: (generation: Int, version: Int64)) -> Bool {
        state.withLock { state in
            guard state.generation == position.generation, state.version == position.version else { return false }
            state.table.reserveCapacity(changes.keys.count)
            for key in changes.keys { state.table.put(key) }
            state.version = max(state.version, changes.version)
            return true
        }
    }

    func upsert(_ key: VirtualKey) {
        state.withLock { state in
            state.table.put(key)
            state.generation += 1
        }
    }

    /// The key whose secret is `secret`, if any. The secret is hashed first, so the lookup
    /// time says nothing about the secret; the final comparison is constant-time.
    func key(forSecret secret: Substring) -> VirtualKey? {
        guard KeyGenerator.looksLikeKey(secret), let digest = KeyHasher.keyDigest(secret) else { return nil }
        return state.withLock { $0.table.key(digest: digest) }
    }

    func key(id: String) -> VirtualKey? {
        state.withLock { $0.table.key(id: id) }
    }

    var all: [VirtualKey] { state.withLock { $0.table.all }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
}
