import Foundation
import PostgresNIO
import Testing
@testable import SwitchyardCore
@testable import SwitchyardStore

/// Rollup histograms are stored as bytes (`Histogram.stored`); entries an earlier version wrote
/// as text are read, and merged into, as they are.
@Suite struct RollupStorageTests {
    /// Runs statements on the store's database (to put it in the state an older version left).
    static func run(_ statements: [String], on store: any GatewayStore) async throws {
        for statement in statements {
            if let sqlite = store as? SQLiteStore {
                try await sqlite.execute(statement)
            } else if let postgres = store as? PostgresStore {
                try await postgres.client.query(PostgresQuery(unsafeSQL: statement), logger: postgres.logger)
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func anEntryWrittenAsTextIsReadAndAddedTo(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let today = BudgetPeriod.day.start(containing: now)
            let period = today.millisecondsSinceEpoch
            // An entry as versions before the binary form left it: 3 calls at 1 ms, 1 at 9 ms.
            let text = "\(UsageRollup.Histogram.bucket(1_000)):3,\(UsageRollup.Histogram.bucket(9_000)):1"
            let insert = """
                INSERT INTO usage_rollup (\(UsageColumns.rollupList))
                VALUES ('key', 'key_t', \(period), 4, 0, 40, 20, 0, 0, 4000, 0, 0, 0, '\(text)', '')
                """
            if kind == .postgres {
                // The database as it was before migration 10: text columns, and the migration not run.
                let undo = ["usage_rollup", "usage_pair_rollup"].map {
                    "ALTER TABLE \($0) ALTER COLUMN latency_hist TYPE TEXT USING '', ALTER COLUMN ttft_hist TYPE TEXT USING ''"
                }
                try await Self.run(undo + [insert, "DELETE FROM schema_migrations WHERE version = 10"], on: store)
                try await store.migrate()
            } else {
                try await Self.run([insert], on: store)
            }
            var expected = UsageRollup.Histogram()
            expected.add(1_000, count: 3)
            expected.add(9_000)
            let week = UsageQuery(from: today, to: Date().addingTimeInterval(60), groupBy: .key)
            var groups = try await store.usage(week)
            #expect(groups.count == 1 && groups.first?.requests == 4)
            #expect(groups.first?.latencyP50Ms == expected.percentileMs(0.5) && groups.first?.latencyP99Ms == expected.percentileMs(0.99))
            #expect(expected.percentileMs(0.5) < expected.percentileMs(0.99))
            // New rows merge into it (and write it back as bytes): 4 more calls at 9 ms.
            try await store.append((0..<4).map { record($0, key: "key_t", model: "m", at: now, cost: 1_000, latencyMs: 9) })
            expected.add(9_000, count: 4)
            groups = try await store.usage(week)
            #expect(groups.count == 1 && groups.first?.requests == 8 && groups.first?.cost == Picodollars.usd(Int64(8_000)))
            #expect(groups.first?.latencyP50Ms == expected.percentileMs(0.5) && groups.first?.latencyP95Ms == expected.percentileMs(0.95))
            #expect(expected.percentileMs(0.5) == expected.percentileMs(0.99))  // now mostly 9 ms
        }
    }

    /// A ledger from before the rollups: both are built when their migrations run, after the
    /// migration that made their histograms bytes (on PostgreSQL, before it, they would be
    /// bytes bound into text columns).
    @Test(arguments: StoreKind.available)
    func aLedgerFromBeforeTheRollupsIsRolledUpInTheirFinalShape(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let from = BudgetPeriod.day.start(containing: now).addingTimeInterval(-2 * 86_400)
            let rows = PairRollupStoreTests.rows(from: from, now: now)
            try await store.append(rows)
            try await Self.run(["DROP TABLE usage_rollup", "DROP TABLE usage_pair_rollup",
                                "DELETE FROM schema_migrations WHERE version IN (7, 9, 10)"], on: store)
            try await store.migrate()
            let end = Date().addingTimeInterval(60)
            for grouping in [UsageQuery.Grouping.key, .model, .day] {
                let aligned = UsageQuery(from: from, to: end, groupBy: grouping)
                #expect(UsageRollup.plan(aligned, now: Date()) != nil)
                RollupStoreTests.compare(try await store.usage(aligned),
                                         try await store.usage(UsageQuery(from: from.addingTimeInterval(0.001), to: end, groupBy: grouping)))
            }
            try await PairRollupStoreTests.checkEveryPair(store, rows: rows, from: from)
        }
    }
}
