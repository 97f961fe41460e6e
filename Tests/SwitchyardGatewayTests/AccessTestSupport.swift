import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import SwitchyardCore
@testable import SwitchyardGateway
import SwitchyardSimulator
import SwitchyardStore
import Synchronization
import Testing

let testAdminKey = "admin-key-for-tests-0123456789"

func accessSettings(authRequired: Bool = true, configure: (inout AccessSettings) -> Void = { _ in }) -> AccessSettings {
    var settings = AccessSettings(authRequired: authRequired, store: .memory)
    settings.adminKey = Secret(testAdminKey)
    configure(&settings)
    return settings
}

/// A gateway (embedded simulators, fast) with keys, admission and a ledger on `store`
/// (in-memory SQLite unless given). The ledger writer runs while `body` does; afterwards the
/// queue is drained, so the store holds every record when `body`'s caller checks it.
func withAccessGateway(
    _ settings: AccessSettings = accessSettings(), store given: (any GatewayStore)? = nil,
    _ body: @escaping @Sendable (any TestClientProtocol, AccessLayer) async throws -> Void
) async throws {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let store: any GatewayStore
    if let given { store = given } else { store = try await SQLiteStore.open(path: nil, logger: logger) }
    try await store.migrate()
    let registry = PrometheusCollectorRegistry()
    let metrics = Gateway.makeMetrics(registry: registry)
    let access = AccessLayer(settings: settings, store: store, metrics: metrics)
    let writer = LedgerWriter(queue: access.ledger, store: store, admission: access.admission, metrics: metrics,
                              batchSize: settings.ledgerBatchSize, flushInterval: settings.ledgerFlushInterval, logger: logger,
                              shutdownRetryLimit: .seconds(5))
    let writing = Task { await writer.drain() }
    let (application, _) = Gateway.buildApplication(
        config: .embedded(), simulator: Simulator(options: .init(seed: 3, fast: true)), access: access,
        metrics: metrics, registry: registry, logger: logger)
    do {
        try await application.test(.live) { testClient in try await body(testClient, access) }
    } catch {
        access.ledger.close()
        await writing.value
        if given == nil { await store.close() }
        throw error
    }
    access.ledger.close()
    await writing.value
    // A store passed in is checked, then closed, by the caller.
    if given == nil { await store.close() }
}

/// Creates a key through the admin API; returns (secret, id).
func createKey(_ client: some TestClientProtocol, _ json: String) async throws -> (secret: String, id: String) {
    let response = try await client.execute(uri: "/admin/keys", method: .post, headers: adminHeaders(), body: ByteBuffer(string: json))
    try #require(response.status == .created, "\(String(buffer: response.body))")
    let d = try JSONDocument(bytes: Array(buffer: response.body))
    return (try #require(d.value(at: "key").flatMap(d.string)), try #require(d.value(at: "id").flatMap(d.string)))
}

func adminHeaders(_ key: String = testAdminKey) -> HTTPFields {
    [.authorization: "Bearer \(key)", .contentType: "application/json"]
}

func bearer(_ secret: String) -> HTTPFields { [.authorization: "Bearer \(secret)"] }

/// A store that can be switched off, as when the database goes away.
final class SwitchableStore: GatewayStore {
    let inner: any GatewayStore
    let down = Mutex(false)
    /// How many keys each `keyChanges` read returned, and how many keys' spend each
    /// `spendChanges` read returned.
    let keyReads = Mutex<[Int]>([])
    let spendReads = Mutex<[Int]>([])
    /// Ledger appends in flight now and the most at once; with `holdUntil` above 0, each append
    /// waits (up to `holdSteps` × 10 ms) until that many have been in flight together.
    let appends = Mutex((inFlight: 0, most: 0, holdUntil: 0, holdSteps: 500))
    var description: String { "switchable(\(inner.description))" }

    init(_ inner: any GatewayStore) { self.inner = inner }

    private func check() throws { if down.withLock({ $0 }) { throw StoreOpenError(store: "test", reason: "connection refused") } }

    func migrate() async throws { try check(); try await inner.migrate() }
    func insertKey(_ key: VirtualKey) async throws { try check(); try await inner.insertKey(key) }
    func insertKeys(_ keys: [VirtualKey]) async throws { try check(); try await inner.insertKeys(keys) }
    func allKeys() async throws -> [VirtualKey] { try check(); return try await inner.allKeys() }
    func revokeKey(id: String, at: Date) async throws -> Bool { try check(); return try await inner.revokeKey(id: id, at: at) }
    func keyChanges(after version: Int64, limit: Int) async throws -> KeyChanges {
        try check()
        let changes = try await inner.keyChanges(after: version, limit: limit)
        keyReads.withLock { $0.append(changes.keys.count) }
        return changes
    }
    func watchKeyChanges(_ changed: @escaping @Sendable () -> Void) async throws { try check(); try await inner.watchKeyChanges(changed) }
    func spendChanges(since: Int64?, now: Date) async throws -> SpendChanges {
        try check()
        let changes = try await inner.spendChanges(since: since, now: now)
        spendReads.withLock { $0.append(changes.spend.count) }
        return changes
    }
    func updateKey(_ key: VirtualKey) async throws -> Bool { try check(); return try await inner.updateKey(key) }
    func append(_ records: [UsageRecord]) async throws {
        try check()
        let (hold, steps) = appends.withLock { a in
            a.inFlight += 1
            a.most = max(a.most, a.inFlight)
            return (a.holdUntil, a.holdSteps)
        }
        defer { appends.withLock { $0.inFlight -= 1 } }
        for _ in 0..<steps where appends.withLock({ $0.most }) < hold { try await Task.sleep(for: .milliseconds(10)) }
        try await inner.append(records)
    }
    func records(_ filter: LedgerFilter) async throws -> [UsageRecord] { try check(); return try await inner.records(filter) }
    func record(id: String) async throws -> UsageRecord? { try check(); return try await inner.record(id: id) }
    func syncCounters(replica: String, minute: Int64, uses: [CounterUse], now: Date, liveSince: Date) async throws -> CounterSync {
        try check()
        return try await inner.syncCounters(replica: replica, minute: minute, uses: uses, now: now, liveSince: liveSince)
    }
    func spend(now: Date) async throws -> [String: [BudgetPeriod: Int64]] { try check(); return try await inner.spend(now: now) }
    func usage(_ query: UsageQuery) async throws -> [UsageGroup] { try check(); return try await inner.usage(query) }
    func cost(from: Date, to: Date) async throws -> Int128 { try check(); return try await inner.cost(from: from, to: to) }
    func insertFile(_ file: StoredFile) async throws { try check(); try await inner.insertFile(file) }
    func file(id: String) async throws -> StoredFile? { try check(); return try await inner.file(id: id) }
    func files(keyID: String?, purpose: String?, after: String?, limit: Int) async throws -> [StoredFile] {
        try check()
        return try await inner.files(keyID: keyID, purpose: purpose, after: after, limit: limit)
    }
    func deleteFile(id: String) async throws -> Bool { try check(); return try await inner.deleteFile(id: id) }
    func insertBatch(_ batch: Batch) async throws { try check(); try await inner.insertBatch(batch) }
    func batch(id: String) async throws -> Batch? { try check(); return try await inner.batch(id: id) }
    func batches(_ owner: BatchOwner, after: String?, limit: Int) async throws -> [Batch] {
        try check()
        return try await inner.batches(owner, after: after, limit: limit)
    }
    func cancelBatch(id: String, at: Date, reason: BatchError?) async throws -> Batch? {
        try check()
        return try await inner.cancelBatch(id: id, at: at, reason: reason)
    }
    func claimBatches(owner: String, now: Date, until: Date, takeOver: Bool, limit: Int) async throws -> [Batch] {
        try check()
        return try await inner.claimBatches(owner: owner, now: now, until: until, takeOver: takeOver, limit: limit)
    }
    func renewBatchLease(id: String, owner: String, until: Date) async throws -> Batch? {
        try check()
        return try await inner.renewBatchLease(id: id, owner: owner, until: until)
    }
    func releaseBatchLease(id: String, owner: String) async throws { try check(); try await inner.releaseBatchLease(id: id, owner: owner) }
    func updateBatch(_ batch: Batch, expecting: BatchStatus, owner: String, files: [StoredFile]) async throws -> Bool {
        try check()
        return try await inner.updateBatch(batch, expecting: expecting, owner: owner, files: files)
    }
    func commitBatchLine(batchID: String, owner: String, result: BatchLineResult?, records: [UsageRecord], ledger: Bool) async throws -> BatchCommit {
        try check()
        return try await inner.commitBatchLine(batchID: batchID, owner: owner, result: result, records: records, ledger: ledger)
    }
    func batchLineNumbers(batchID: String) async throws -> Set<Int> { try check(); return try await inner.batchLineNumbers(batchID: batchID) }
    func batchLines(batchID: String) async throws -> [BatchLineResult] { try check(); return try await inner.batchLines(batchID: batchID) }
    func close() async { await inner.close() }
}

/// Every ledger row (through the usage API's building blocks: a query over all time).
func ledgerTotals(_ store: any GatewayStore) async throws -> (requests: Int, cost: Decimal) {
    let groups = try await store.usage(UsageQuery(from: Date(timeIntervalSince1970: 0), to: Date().addingTimeInterval(3600), groupBy: .model))
    return (groups.reduce(0) { $0 + $1.requests }, groups.reduce(Decimal(0)) { $0 + $1.cost })
}
