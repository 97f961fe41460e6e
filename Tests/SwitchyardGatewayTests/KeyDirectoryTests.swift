import Foundation
import Logging
import Prometheus
import SwitchyardCore
@testable import SwitchyardGateway
import SwitchyardStore
import Synchronization
import Testing

/// The in-memory key directory over its packed table: a key is found by its secret and its id,
/// a replaced or revoked key is what authentication sees at once, a sync read before a local
/// change does not undo it, and a first load reads the store a page at a time.
@Suite struct KeyDirectoryTests {
    @Test func secretsAndIdsFindTheCurrentKey() throws {
        let directory = KeyDirectory()
        var spec = KeySpec(name: "acme")
        spec.team = "resellers"
        let (secret, key) = KeyGenerator.make(spec, now: Date())
        spec.name = "globex"
        spec.allowedModels = ["qwen"]
        let (otherSecret, other) = KeyGenerator.make(spec, now: Date())
        directory.upsert(key)
        directory.upsert(other)
        #expect(directory.key(forSecret: Substring(secret)) == key)
        #expect(directory.key(forSecret: Substring(otherSecret)) == other)
        #expect(directory.key(id: key.id) == key)
        #expect(directory.count == 2)
        // Not a key of ours, or not our shape at all.
        let (unknown, _) = KeyGenerator.make(KeySpec(name: "never stored"), now: Date())
        #expect(directory.key(forSecret: Substring(unknown)) == nil)
        #expect(directory.key(forSecret: Substring(key.hash)) == nil)
        #expect(directory.key(forSecret: "sy-short") == nil)

        var revoked = key
        revoked.revokedAt = Date()
        directory.upsert(revoked)
        let found = try #require(directory.key(forSecret: Substring(secret)))
        #expect(found.refusal(at: Date()) != nil)
        #expect(directory.count == 2)
        #expect(directory.all.map(\.id) == [key, other].sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.id))
    }

    @Test func aSyncReadBeforeALocalChangeIsSkipped() {
        let directory = KeyDirectory()
        let (secret, key) = KeyGenerator.make(KeySpec(name: "acme"), now: Date())
        let position = directory.position
        var revoked = key
        revoked.revokedAt = Date()
        directory.upsert(revoked)
        // The store had the key unrevoked when the sync read it: applying that would un-revoke it.
        #expect(!directory.apply(KeyChanges(keys: [key], version: 5), readAt: position))
        #expect(directory.key(forSecret: Substring(secret))?.revokedAt != nil)
        #expect(directory.apply(KeyChanges(keys: [revoked], version: 5), readAt: directory.position))
        #expect(directory.position.version == 5)
    }

    @Test func aFirstLoadReadsPagesAndLaterRevocationsArrive() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = SwitchableStore(try await SQLiteStore.open(path: nil, logger: logger))
        try await store.migrate()
        var made: [(secret: String, key: VirtualKey)] = []
        for i in 0..<25 {
            var spec = KeySpec(name: "customer-\(i)")
            spec.team = "team-\(i % 3)"
            made.append(KeyGenerator.make(spec, now: Date()))
        }
        try await store.insertKeys(made.map(\.key))
        let access = AccessLayer(settings: accessSettings(), store: store, metrics: Gateway.makeMetrics(registry: PrometheusCollectorRegistry()))
        try await access.applyKeyChanges(pageSize: 10)
        #expect(store.keyReads.withLock { $0 } == [10, 10, 5])
        #expect(access.keys.count == 25)
        // Dates come back from the store to the millisecond; the rest as made.
        for (secret, key) in made { #expect(access.keys.key(forSecret: Substring(secret))?.id == key.id) }
        #expect(Set(access.keys.all) == Set(try await store.inner.allKeys()))
        // A full last page reads once more and finds nothing.
        _ = try await store.inner.revokeKey(id: made[3].key.id, at: Date())
        _ = try await store.inner.revokeKey(id: made[4].key.id, at: Date())
        try await access.applyKeyChanges(pageSize: 2)
        #expect(store.keyReads.withLock { Array($0.suffix(2)) } == [2, 0])
        #expect(access.keys.key(forSecret: Substring(made[3].secret))?.revokedAt != nil)
        #expect(access.keys.key(forSecret: Substring(made[4].secret))?.revokedAt != nil)
        #expect(access.keys.key(forSecret: Substring(made[5].secret))?.revokedAt == nil)
        #expect(access.authenticate(presented: Substring(made[3].secret), now: Date()).isFailure)
        await store.close()
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { true } else { false } }
}
