import Foundation
import Logging
import SQLiteNIO
import SwitchyardCore
@testable import SwitchyardStore
import Testing

/// A caller cancelled in the middle of a transaction (the sync loop at shutdown) must not leave
/// the single SQLite connection inside it: every later transaction — the ledger's last batches
/// among them — would fail with "cannot start a transaction within a transaction".
@Suite struct SQLiteTransactionTests {
    @Test func aCallerCancelledInsideATransactionNeitherLosesItNorBlocksTheStore() async throws {
        try await withMemoryStore { store in
        let (began, beganNow) = AsyncStream<Void>.makeStream()
        let (proceed, proceedNow) = AsyncStream<Void>.makeStream()
        let caller = Task {
            try await store.transaction {
                beganNow.yield()
                for await _ in proceed { break }
                _ = try await store.connection.query("INSERT INTO replicas (id, seen_at_ms) VALUES ('cancelled-caller', 1)")
            }
        }
        for await _ in began { break }
        caller.cancel()
        proceedNow.yield()
        _ = await caller.result

        // The statement after the cancellation ran and was committed…
        let replicas = try await store.connection.query("SELECT COUNT(*) AS n FROM replicas WHERE id = 'cancelled-caller'")
        #expect(replicas.first?.column("n")?.integer == 1)
        // …and the next transaction (a ledger batch) goes through.
        try await store.append([record(1, key: "k1", model: "m", at: Date(), cost: 5, latencyMs: 3)])
        let rows = try await store.connection.query("SELECT COUNT(*) AS n FROM usage_records")
        #expect(rows.first?.column("n")?.integer == 1)
        }
    }

    @Test func aTransactionLeftOpenIsRolledBackByTheNextOne() async throws {
        try await withMemoryStore { store in
        // What a failed ROLLBACK leaves behind.
        _ = try await store.connection.query("BEGIN IMMEDIATE")
        _ = try await store.connection.query("INSERT INTO replicas (id, seen_at_ms) VALUES ('left-open', 1)")
        try await store.append([record(1, key: "k1", model: "m", at: Date(), cost: 5, latencyMs: 3)])
        let rows = try await store.connection.query("SELECT COUNT(*) AS n FROM usage_records")
        #expect(rows.first?.column("n")?.integer == 1)
        let replicas = try await store.connection.query("SELECT COUNT(*) AS n FROM replicas WHERE id = 'left-open'")
        #expect(replicas.first?.column("n")?.integer == 0)
        }
    }

    /// An in-memory store, closed whatever the test does (an unclosed connection traps).
    private func withMemoryStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        var logger = Logger(label: "store-test")
        logger.logLevel = .critical
        let store = try await SQLiteStore.open(path: nil, logger: logger)
        do {
            try await store.migrate()
            try await body(store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
