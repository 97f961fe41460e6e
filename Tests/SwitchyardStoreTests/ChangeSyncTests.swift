import Foundation
import Logging
import SQLiteNIO
import Synchronization
import SwitchyardCore
@testable import SwitchyardStore
import Testing

/// Sync by change (issue 18): a replica reads only the keys and the spend that changed since
/// its last read, so its idle cost does not depend on how many keys exist.
@Suite struct ChangeSyncTests {
    @Test(arguments: StoreKind.available)
    func keyChangesReturnOnlyWhatChangedAfterAVersion(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let keys = (0..<3).map { KeyGenerator.make(KeySpec(name: "k\($0)"), now: now).key }
            for key in keys { try await store.insertKey(key) }
            let first = try await store.keyChanges(after: KeyChanges.everything)
            #expect(Set(first.keys.map(\.id)) == Set(keys.map(\.id)))

            // Nothing changed: nothing read, and the version stays.
            let idle = try await store.keyChanges(after: first.version)
            #expect(idle.keys.isEmpty)
            #expect(idle.version == first.version)

            // A revocation is a change of that key only, with a newer version.
            #expect(try await store.revokeKey(id: keys[1].id, at: now))
            let revoked = try await store.keyChanges(after: first.version)
            #expect(revoked.keys.map(\.id) == [keys[1].id])
            #expect(revoked.keys.first?.revokedAt == now)
            #expect(revoked.version > first.version)

            // A new key is a change too; the revocation is not read again.
            let (_, fourth) = KeyGenerator.make(KeySpec(name: "k3"), now: now)
            try await store.insertKey(fourth)
            let added = try await store.keyChanges(after: revoked.version)
            #expect(added.keys.map(\.id) == [fourth.id])
            #expect(try await store.keyChanges(after: added.version).keys.isEmpty)
            #expect(try await store.allKeys().count == 4)
        }
    }

    /// Another process (an older gateway, an operator's SQL) edits a key: the trigger still
    /// gives the change a number, so no replica misses it.
    @Test func aKeyEditedByHandIsAChange() async throws {
        try await withStore(.sqlite) { store in
            let sqlite = try #require(store as? SQLiteStore)
            let (_, key) = KeyGenerator.make(KeySpec(name: "hand"), now: Date())
            try await store.insertKey(key)
            let version = try await store.keyChanges(after: KeyChanges.everything).version
            _ = try await sqlite.connection.query("UPDATE api_keys SET revoked_at_ms = 1 WHERE id = ?", [.text(key.id)])
            let changes = try await store.keyChanges(after: version)
            #expect(changes.keys.map(\.id) == [key.id])
            #expect(changes.keys.first?.revokedAt != nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func spendChangesReturnOnlyKeysWrittenSince(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            try await store.append([record(1, key: "a", model: "m", at: now, cost: 1_000, latencyMs: 5)])
            let full = try await store.spendChanges(since: nil, now: now)
            #expect(full.spend["a"]?[.total] == 1_000)
            // `a` was written before this read began; `b` after it.
            try await Task.sleep(for: .milliseconds(20))
            let mark = try await store.spendChanges(since: nil, now: now).readAt
            try await store.append([record(2, key: "b", model: "m", at: now, cost: 2_000, latencyMs: 5),
                                    record(3, key: "b", model: "m", at: now.addingTimeInterval(-86_400 * 40), cost: 5, latencyMs: 5)])
            let changed = try await store.spendChanges(since: mark, now: now)
            #expect(Array(changed.spend.keys) == ["b"])
            // The changed key's whole spend, not the delta: today, this month and in total.
            #expect(changed.spend["b"]?[.day] == 2_000)
            #expect(changed.spend["b"]?[.total] == 2_005)
            #expect(changed.readAt >= mark)
            #expect(try await store.spendChanges(since: changed.readAt + 60_000, now: now).spend.isEmpty)
        }
    }
}

/// On PostgreSQL a key change wakes every replica at once (the trigger's NOTIFY), so a
/// revocation does not wait for the next sync interval.
@Suite struct KeyChangeNotificationTests {
    @Test func aKeyChangeIsAnnouncedToListeners() async throws {
        guard StoreKind.available.contains(.postgres) else { return }
        try await withStore(.postgres) { store in
            let (_, key) = KeyGenerator.make(KeySpec(name: "watched"), now: Date())
            try await store.insertKey(key)
            let calls = Mutex(0)
            let watcher = Task { try await store.watchKeyChanges { calls.withLock { $0 += 1 } } }
            defer { watcher.cancel() }
            // The listener reports once when it starts (to catch up), then once per change.
            try await waitFor { calls.withLock { $0 } >= 1 }
            #expect(try await store.revokeKey(id: key.id, at: Date()))
            try await waitFor { calls.withLock { $0 } >= 2 }
            #expect(calls.withLock { $0 } >= 2)
        }
    }

    /// Polls `condition` for up to 20 s (a notification normally arrives in milliseconds; the
    /// bound only stops a broken listener from hanging the suite).
    private func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }
}
