import Foundation
import Logging
import Prometheus
import SwitchyardCore
@testable import SwitchyardGateway
import SwitchyardStore
import Synchronization
import Testing

/// The ledger writer's loops on one queue: a second writer writes only full batches, so it
/// works on a backlog and stays idle under a trickle; every record is written once.
@Suite(.timeLimit(.minutes(1))) struct LedgerWriterTests {
    func record(_ i: Int) -> UsageRecord {
        UsageRecord(time: Date(), requestID: "req_\(i)", keyID: nil, team: nil, requestedModel: "glm-5", servedModel: "glm-5", provider: "p",
                    deployment: "d", region: "r", route: "explicit", attempts: 1,
                    usage: TokenUsage(promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0, reasoningTokens: 0),
                    costPicodollars: 1, latencyMicroseconds: 1_000, ttftMicroseconds: nil, status: 200, errorClass: nil, stream: false)
    }

    /// A writer on `store` with `writers` loops, batches of `batch`, and the queue it drains.
    func writer(_ store: SwitchableStore, writers: Int, batch: Int) -> LedgerWriter {
        var settings = accessSettings()
        settings.ledgerQueueCapacity = 10_000
        let metrics = Gateway.makeMetrics(registry: PrometheusCollectorRegistry())
        let access = AccessLayer(settings: settings, store: store, metrics: metrics)
        var writer = LedgerWriter(queue: access.ledger, store: store, admission: access.admission, metrics: metrics,
                                  batchSize: batch, flushInterval: .milliseconds(1), logger: Logger(label: "t"))
        writer.writers = writers
        return writer
    }

    func makeStore() async throws -> SwitchableStore {
        let store = SwitchableStore(try await SQLiteStore.open(path: nil, logger: .init(label: "t")))
        try await store.migrate()
        return store
    }

    /// The writer's loops, as `run()` starts them (without its service-lifecycle handlers).
    func start(_ writer: LedgerWriter) -> Task<Void, Never> {
        Task { await writer.drainAll() }
    }

    @Test func aBacklogIsWrittenByTwoWritersAtOnceAndOnce() async throws {
        let store = try await makeStore()
        store.appends.withLock { $0.holdUntil = 2 }
        let writer = writer(store, writers: 2, batch: 100)
        for i in 0..<350 { await writer.queue.enqueue(record(i)) }
        let running = start(writer)
        for _ in 0..<1_000 where writer.queue.written < 350 { try await Task.sleep(for: .milliseconds(10)) }
        writer.queue.close()
        await running.value
        #expect(store.appends.withLock { $0.most } == 2)
        #expect(writer.queue.written == 350 && writer.queue.count == 0)
        let rows = try await store.records(LedgerFilter(limit: 1_000))
        #expect(rows.count == 350 && Set(rows.map(\.requestID)).count == 350)
        await store.close()
    }

    /// Records keep arriving while the first writer's appends take 50 ms each: a second writer
    /// that took less than a full batch would be caught writing alongside it.
    @Test func underATrickleOnlyTheFirstWriterWrites() async throws {
        let store = try await makeStore()
        store.appends.withLock { $0.holdUntil = 2; $0.holdSteps = 5 }
        let writer = writer(store, writers: 2, batch: 100)
        let running = start(writer)
        for i in 0..<60 {
            await writer.queue.enqueue(record(i))
            try await Task.sleep(for: .milliseconds(2))
        }
        for _ in 0..<1_000 where writer.queue.written < 60 { try await Task.sleep(for: .milliseconds(10)) }
        writer.queue.close()
        await running.value  // both loops end when the queue closes, the idle one included
        #expect(store.appends.withLock { $0.most } == 1)
        #expect(writer.queue.written == 60)
        await store.close()
    }

    @Test func idleWritersAllStopWhenTheQueueCloses() async throws {
        let store = try await makeStore()
        let writer = writer(store, writers: 3, batch: 100)
        let running = start(writer)
        try await Task.sleep(for: .milliseconds(20))
        writer.queue.close()
        await running.value
        await store.close()
    }

    /// A writer waiting for a full batch wakes when one is there: by new records, or by a batch
    /// another writer puts back after a failure (when no record may arrive to wake it).
    @Test func aWaitForAFullBatchWakesByRecordsOrPutBack() async throws {
        let queue = LedgerQueue(capacity: 100)
        let woke = Mutex(false)
        let waiting = Task { await queue.waitForRecords(atLeast: 3); woke.withLock { $0 = true } }
        await queue.enqueue(record(0))
        await queue.enqueue(record(1))
        try await Task.sleep(for: .milliseconds(50))
        #expect(!woke.withLock { $0 })
        await queue.enqueue(record(2))
        await waiting.value
        #expect(woke.withLock { $0 })

        let batch = queue.take(10)
        #expect(batch.count == 3)
        let wokeAgain = Mutex(false)
        let again = Task { await queue.waitForRecords(atLeast: 3); wokeAgain.withLock { $0 = true } }
        try await Task.sleep(for: .milliseconds(20))
        queue.putBack(batch)
        for _ in 0..<200 where !wokeAgain.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(wokeAgain.withLock { $0 })
        #expect(queue.count == 3)
        queue.close()  // lets a waiter the put-back failed to wake end
        await again.value
    }
}
