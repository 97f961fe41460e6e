import Foundation
import SwitchyardCore
@testable import SwitchyardStore
import Testing

/// Pair entries answer "one filter, grouped by another dimension" with the ledger rows' figures
/// (sums exact, percentiles within 0.8 %), whichever path wrote the rows, and after the
/// migration that builds them from rows already there.
@Suite struct PairRollupStoreTests {
    /// Rows over the last three days, spread over keys, teams, models, providers, deployments
    /// and both front doors (some without a key or a served model: their `(none)` groups).
    static func rows(from: Date, now: Date) -> [UsageRecord] {
        (0..<360).map { i in
            let at = from.addingTimeInterval(1 + Double(i) * (now.timeIntervalSince(from) - 2) / 360)
            var row = record(i, key: i % 13 == 0 ? nil : "key_\(i % 5)", model: ["m1", "m2", "m3"][i % 3], at: at,
                             cost: i % 7 == 0 ? nil : 1_000 + Int64(i), latencyMs: Int64(40 + (i * 37) % 900), status: i % 11 == 0 ? 503 : 200)
            row.team = row.keyID.map { "team-\($0.suffix(1) == "0" ? "a" : "b")" }
            row.provider = i % 4 == 0 ? "p2" : "p1"
            row.deployment = "d-\(i % 6)"
            if i % 17 == 0 { row.servedModel = nil }
            row.front = i % 3 == 1 ? .messages : .chat
            row.ttftMicroseconds = i % 2 == 0 ? Int64(1000 + i * 113) : nil
            row.cacheHit = i % 19 == 0
            return row
        }
    }

    /// Every kept pair, from pair entries and from the rows; and a pair not kept (one model by
    /// key) from the rows, with the same figures either way.
    static func checkEveryPair(_ store: any GatewayStore, rows: [UsageRecord], from: Date) async throws {
        let end = Date().addingTimeInterval(60)
        var compared = 0
        let values: [UsageRollup.Dimension: [String]] = [.key: ["key_1", "key_0"], .team: ["team-b", "team-a"]]
        for pair in UsageRollup.pairs {
            for value in values[pair.filter] ?? [] {
                var filters = UsageQuery.Filters()
                switch pair.filter {
                case .key: filters.keyID = value
                case .team: filters.team = value
                default: Issue.record("no test values for \(pair.filter)")
                }
                let grouping = try #require(UsageQuery.Grouping(rawValue: pair.group.rawValue))
                let aligned = UsageQuery(from: from, to: end, groupBy: grouping, filters: filters)
                #expect(UsageRollup.pairPlan(aligned, now: Date()) != nil, "\(pair.filter)=\(value) by \(grouping)")
                let cut = UsageQuery(from: from.addingTimeInterval(0.001), to: end, groupBy: grouping, filters: filters)
                #expect(UsageRollup.pairPlan(cut, now: Date()) == nil && UsageRollup.plan(cut, now: Date()) == nil)
                let fromPairs = try await store.usage(aligned), fromRows = try await store.usage(cut)
                #expect(!fromRows.isEmpty, "\(pair.filter)=\(value) by \(grouping)")
                RollupStoreTests.compare(fromPairs, fromRows)
                compared += 1
            }
        }
        #expect(compared == 4)
        let notKept = UsageQuery(from: from, to: end, groupBy: .key, filters: .init(model: "m2"))
        #expect(UsageRollup.pairPlan(notKept, now: Date()) == nil)
        let byKey = try await store.usage(notKept)
        let keys = Dictionary(grouping: rows.filter { $0.servedModel == "m2" }, by: { $0.keyID ?? "(none)" }).mapValues(\.count)
        #expect(Dictionary(uniqueKeysWithValues: byKey.map { ($0.group, $0.requests) }) == keys)
        // And the totals agree with the rows themselves: one key's requests, split by model.
        let byModel = try await store.usage(UsageQuery(from: from, to: end, groupBy: .model, filters: .init(keyID: "key_1")))
        let expected = Dictionary(grouping: rows.filter { $0.keyID == "key_1" }, by: { $0.servedModel ?? "(none)" }).mapValues(\.count)
        #expect(Dictionary(uniqueKeysWithValues: byModel.map { ($0.group, $0.requests) }) == expected)
    }

    @Test(arguments: StoreKind.available)
    func filteredAndGroupedQueriesReadPairEntries(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let from = BudgetPeriod.day.start(containing: now).addingTimeInterval(-2 * 86_400)
            let rows = Self.rows(from: from, now: now)
            // In batches, as the ledger writer sends them, and one sent twice (a retry after a
            // lost commit): its rows are not counted again.
            for start in stride(from: 0, to: rows.count, by: 50) { try await store.append(Array(rows[start..<min(rows.count, start + 50)])) }
            try await store.append(Array(rows[100..<150]))
            try await Self.checkEveryPair(store, rows: rows, from: from)
        }
    }

    @Test(arguments: StoreKind.available)
    func theMigrationBuildsPairEntriesFromRowsAlreadyThere(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let from = BudgetPeriod.day.start(containing: now).addingTimeInterval(-2 * 86_400)
            let rows = Self.rows(from: from, now: now)
            try await store.append(rows)
            // As a ledger written before the pair entries existed: them and their migration undone.
            try await RollupStorageTests.run(["DELETE FROM usage_pair_rollup", "DELETE FROM schema_migrations WHERE version = 9"], on: store)
            let end = Date().addingTimeInterval(60)
            #expect(try await store.usage(UsageQuery(from: from, to: end, groupBy: .model, filters: .init(keyID: "key_1"))).isEmpty)
            try await store.migrate()
            try await Self.checkEveryPair(store, rows: rows, from: from)
        }
    }

    /// Writers adding to the same entries at once (four batches in flight, as replicas' ledger
    /// writers are) add up: every count, cost and histogram bucket, and every key's spend — the
    /// PostgreSQL upsert merges in the database, SQLite merges in the process.
    @Test(arguments: StoreKind.available)
    func concurrentWritersAddUpInEveryEntry(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let hour = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            let writers = 4, batches = 6, perBatch = 40
            func row(_ writer: Int, _ batch: Int, _ i: Int) -> UsageRecord {
                let n = (writer * batches + batch) * perBatch + i
                var r = record(n, key: "key_\(n % 3)", model: ["m1", "m2"][n % 2], at: hour.addingTimeInterval(Double(2 + n % 600) / 1000),
                               cost: 1_000 + Int64(n), latencyMs: Int64(20 + (n * 53) % 700))
                r.recordID = "rec_\(n)"
                r.ttftMicroseconds = Int64(5_000 + (n * 71) % 90_000)
                return r
            }
            let all = (0..<writers).flatMap { w in (0..<batches).flatMap { b in (0..<perBatch).map { row(w, b, $0) } } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for batch in 0..<batches { try await store.append((0..<perBatch).map { row(writer, batch, $0) }) }
                    }
                }
                try await group.waitForAll()
            }
            let end = now.addingTimeInterval(60)
            for key in ["key_0", "key_1", "key_2"] {
                let fromPairs = try await store.usage(UsageQuery(from: hour, to: end, groupBy: .model, filters: .init(keyID: key)))
                let fromRows = try await store.usage(UsageQuery(from: hour.addingTimeInterval(0.001), to: end, groupBy: .model, filters: .init(keyID: key)))
                #expect(fromPairs.map(\.requests).reduce(0, +) == all.filter { $0.keyID == key }.count)
                RollupStoreTests.compare(fromPairs, fromRows)
                // The merged histograms are exactly those of the rows aggregated in one go.
                for group in fromPairs {
                    var expected = UsageRollup.Totals()
                    for r in all where r.keyID == key && r.servedModel == group.group { expected.add(r) }
                    let e = expected.group(group.group)
                    #expect(group.latencyP50Ms == e.latencyP50Ms && group.latencyP99Ms == e.latencyP99Ms && group.ttftP95Ms == e.ttftP95Ms)
                    #expect(group.cost == e.cost && group.requests == e.requests)
                }
            }
            let byKey = try await store.usage(UsageQuery(from: hour, to: end, groupBy: .key))
            #expect(byKey.map(\.requests).reduce(0, +) == all.count)
            let spend = try await store.spend(now: now)
            for key in ["key_0", "key_1", "key_2"] {
                let expected = all.filter { $0.keyID == key }.compactMap(\.costPicodollars).reduce(0, +)
                #expect(spend[key]?[.day] == expected, "\(key)")
            }
        }
    }

    @Test func theGroupingOfTheFiltersOwnDimensionReadsSingleEntries() {
        let now = Date(timeIntervalSince1970: 1_764_633_600 + 5_000)
        let midnight = Date(timeIntervalSince1970: 1_764_633_600)
        let byKey = UsageQuery(from: midnight, to: now, groupBy: .key, filters: .init(keyID: "k"))
        #expect(UsageRollup.plan(byKey, now: now)?.dimension == .key && UsageRollup.pairPlan(byKey, now: now) == nil)
        let byModel = UsageQuery(from: midnight, to: now, groupBy: .model, filters: .init(keyID: "k"))
        #expect(UsageRollup.plan(byModel, now: now) == nil && UsageRollup.pairPlan(byModel, now: now)! == (.key, "k", .model))
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now, groupBy: .model, filters: .init(team: "t")), now: now)! == (.team, "t", .model))
        // Only the kept pairs: one team by front door, one key by deployment read the rows.
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now, groupBy: .front, filters: .init(team: "t")), now: now) == nil)
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now, groupBy: .deployment, filters: .init(keyID: "k")), now: now) == nil)
        // Key × model is hourly: a range from an hour's start reads it; team × model is daily.
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight.addingTimeInterval(3600), to: now, groupBy: .model, filters: .init(keyID: "k")),
                                     now: now)! == (.key, "k", .model))
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight.addingTimeInterval(3600), to: now, groupBy: .model, filters: .init(team: "t")),
                                     now: now) == nil)
        // Two filters, time groupings, `(none)` and a cut day read the rows.
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now, groupBy: .model, filters: .init(keyID: "k", team: "t")), now: now) == nil)
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now, groupBy: .hour, filters: .init(keyID: "k")), now: now) == nil)
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now, groupBy: .model, filters: .init(keyID: "(none)")), now: now) == nil)
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight.addingTimeInterval(1800), to: now, groupBy: .model, filters: .init(keyID: "k")),
                                     now: now) == nil)
        #expect(UsageRollup.pairPlan(UsageQuery(from: midnight, to: now.addingTimeInterval(-60), groupBy: .model, filters: .init(keyID: "k")),
                                     now: now) == nil)
    }
}

/// Ledger ingest into a store (`benchmarks/ledger-ingest/run`): opt-in, it measures time.
/// `SWITCHYARD_INGEST_BENCH_ROWS` rows in batches of `SWITCHYARD_INGEST_BENCH_BATCH` (500, the
/// ledger writer's default) from `SWITCHYARD_INGEST_BENCH_WRITERS` concurrent writers (2).
@Suite struct LedgerIngestBench {
    static let rows = ProcessInfo.processInfo.environment["SWITCHYARD_INGEST_BENCH_ROWS"].flatMap(Int.init)
    static func setting(_ name: String, _ otherwise: Int) -> Int { ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? otherwise }

    @Test(.enabled(if: rows != nil), arguments: StoreKind.available)
    func ingestRate(_ kind: StoreKind) async throws {
        let total = Self.rows ?? 0, batch = Self.setting("SWITCHYARD_INGEST_BENCH_BATCH", 500)
        let writers = Self.setting("SWITCHYARD_INGEST_BENCH_WRITERS", 2)
        try await withStore(kind) { store in
            // As the dashboard benchmark's ledger: 50 keys in 10 teams, 8 models on 10 deployments.
            let now = Date()
            let models = ["deepseek-v4-flash", "deepseek-v4-pro", "Qwen/Qwen3-32B", "qwen3-coder-30b", "kimi-k2.5", "glm-5", "glm-4.6v", "local"]
            func row(_ i: Int) -> UsageRecord {
                var r = record(i, key: "key_bench\(i * 7919 % 50)", model: models[i * 31 % 8], at: now.addingTimeInterval(-Double(i % 3600)),
                               cost: Int64(1_000 + i % 5000), latencyMs: Int64(100 + i * 13 % 2000), status: i % 50 == 0 ? 502 : 200)
                r.team = "team-\(i * 7919 % 50 % 10)"
                r.provider = "p\(i * 31 % 8 / 2)"
                r.deployment = "d\(i * 31 % 8)-\(i % 2)"
                r.ttftMicroseconds = i % 3 == 0 ? Int64(50_000 + i % 100_000) : nil
                return r
            }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var start = writer * batch
                        while start < total {
                            try await store.append((start..<min(total, start + batch)).map(row))
                            start += writers * batch
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let written = try await store.usage(UsageQuery(from: now.addingTimeInterval(-7200), to: now.addingTimeInterval(60), groupBy: .all))
            #expect(written.first?.requests == total)
            print("ledger ingest \(kind.rawValue): \(total) rows, batches of \(batch), \(writers) writers: \(String(format: "%.1f", seconds)) s, \(Int(Double(total) / seconds)) rows/s")
        }
    }
}
