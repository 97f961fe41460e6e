import Foundation
import SwitchyardCore
@testable import SwitchyardStore
import Testing

/// What the dashboard reads from both stores: filtered usage, hourly and overall groups, TTFT
/// percentiles, the request log and one ledger row, and a key's update.
@Suite struct DashboardStoreTests {
    static func rows(now: Date) -> [UsageRecord] {
        (0..<40).map { i in
            var row = record(i, key: i % 4 == 0 ? nil : (i % 2 == 0 ? "key_a" : "key_b"), model: i % 2 == 0 ? "m1" : "m2",
                             at: now.addingTimeInterval(-Double(i) * 600), cost: 1_000_000, latencyMs: Int64(i + 1), status: i % 10 == 3 ? 502 : 200)
            row.ttftMicroseconds = i % 2 == 0 ? Int64(i + 1) * 100 : nil
            return row
        }
    }

    @Test(arguments: StoreKind.available)
    func usageFiltersHoursAndTotals(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date(timeIntervalSince1970: 1_764_633_600 + 12 * 3600)  // 2025-12-02 12:00 UTC
            let rows = Self.rows(now: now)
            try await store.append(rows)
            let from = now.addingTimeInterval(-86_400), to = now.addingTimeInterval(1)
            let all = try await store.usage(UsageQuery(from: from, to: to, groupBy: .all))
            #expect(all.map(\.group) == ["all"] && all[0].requests == 40 && all[0].errors == 4)
            #expect(all[0].latencyP50Ms == 20 && all[0].latencyP99Ms == 40)
            // TTFT over the rows that have one (the even ones: 0.1, 0.3 … 3.9 ms).
            #expect(all[0].ttftP50Ms == 1.9 && all[0].ttftP99Ms == 3.9)
            let onlyA = try await store.usage(UsageQuery(from: from, to: to, groupBy: .model, filters: .init(keyID: "key_a")))
            #expect(onlyA.map(\.group) == ["m1"] && onlyA[0].requests == rows.filter { $0.keyID == "key_a" }.count)
            let teamAndModel = try await store.usage(UsageQuery(from: from, to: to, groupBy: .key, filters: .init(team: "team-key_b", model: "m2")))
            #expect(teamAndModel.map(\.group) == ["key_b"] && teamAndModel[0].requests == 20)
            let none = try await store.usage(UsageQuery(from: from, to: to, groupBy: .all, filters: .init(deployment: "nowhere")))
            #expect(none.isEmpty)
            let hours = try await store.usage(UsageQuery(from: from, to: to, groupBy: .hour))
            #expect(hours.reduce(0) { $0 + $1.requests } == 40)
            // Rows every 10 minutes: six an hour, the newest hour has one (12:00).
            let byHour = Dictionary(uniqueKeysWithValues: hours.map { ($0.group, $0.requests) })
            #expect(byHour["2025-12-02T12:00Z"] == 1 && byHour["2025-12-02T11:00Z"] == 6)
            #expect(hours.allSatisfy { $0.group.count == 17 && $0.group.hasSuffix(":00Z") })
        }
    }

    @Test(arguments: StoreKind.available)
    func requestLogNewestFirstWithFiltersAndPages(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let rows = Self.rows(now: now)
            try await store.append(rows)
            let newest = try await store.records(LedgerFilter(limit: 5))
            #expect(newest.map(\.requestID) == ["req_0", "req_1", "req_2", "req_3", "req_4"])
            #expect(newest[3].status == 502 && newest[3].errorClass == "server" && newest[0].ttftMicroseconds == 100)
            let next = try await store.records(LedgerFilter(before: .init(timeMilliseconds: newest[4].timeMilliseconds, recordID: newest[4].recordID),
                                                            limit: 5))
            #expect(next.map(\.requestID) == ["req_5", "req_6", "req_7", "req_8", "req_9"])
            #expect(try await store.records(LedgerFilter(keyID: "key_b", limit: 100)).count == 20)
            #expect(try await store.records(LedgerFilter(team: "team-key_a", limit: 100)).count == 10)
            #expect(try await store.records(LedgerFilter(model: "m2", limit: 100)).count == 20)
            #expect(try await store.records(LedgerFilter(model: "auto", limit: 100)).count == 40)
            #expect(try await store.records(LedgerFilter(status: .error, limit: 100)).map(\.status) == [502, 502, 502, 502])
            #expect(try await store.records(LedgerFilter(status: .ok, limit: 100)).count == 36)
            #expect(try await store.records(LedgerFilter(statusCode: 502, limit: 100)).count == 4)
            let one = try #require(try await store.record(id: rows[7].recordID))
            #expect(one == rows[7].roundedToMilliseconds)
            #expect(try await store.record(id: "no-such-row") == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func updateKeyChangesSettingsNotTheSecret(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date(timeIntervalSince1970: 1_764_633_600)
            var spec = KeySpec(name: "before")
            spec.limits.requestsPerMinute = 10
            let (_, key) = KeyGenerator.make(spec, now: now)
            try await store.insertKey(key)
            var changed = key
            changed.name = "after"
            changed.team = "ops"
            changed.allowedModels = ["qwen", "deepseek-v4-flash"]
            changed.limits = RateLimits(requestsPerMinute: nil, tokensPerMinute: 5000)
            changed.budget = Budget(amount: Decimal(string: "12.5")!, period: .day)
            changed.expiresAt = Date(timeIntervalSince1970: 1_900_000_000)
            #expect(try await store.updateKey(changed))
            let stored = try #require(try await store.allKeys().first { $0.id == key.id })
            #expect(stored == changed && stored.hash == key.hash)
            var missing = changed
            missing.id = "key_missing"
            #expect(try await store.updateKey(missing) == false)
        }
    }
}

extension UsageRecord {
    /// As the ledger keeps it: the time in whole milliseconds.
    var roundedToMilliseconds: UsageRecord {
        var copy = self
        copy.time = Date(timeIntervalSince1970: Double(timeMilliseconds) / 1000)
        return copy
    }
}

/// The rollup answers aligned queries with the ledger rows' figures (percentiles within 0.8 %).
@Suite struct RollupStoreTests {
    static func compare(_ rollup: [UsageGroup], _ raw: [UsageGroup]) {
        let a = rollup.sorted { $0.group < $1.group }, b = raw.sorted { $0.group < $1.group }
        #expect(a.map(\.group) == b.map(\.group))
        for (x, y) in zip(a, b) {
            #expect(x.requests == y.requests && x.errors == y.errors && x.promptTokens == y.promptTokens && x.completionTokens == y.completionTokens)
            #expect(x.cost == y.cost && x.unpricedRequests == y.unpricedRequests && x.cacheHits == y.cacheHits)
            for (p, q) in [(x.latencyP50Ms, y.latencyP50Ms), (x.latencyP95Ms, y.latencyP95Ms), (x.latencyP99Ms, y.latencyP99Ms),
                           (x.ttftP50Ms, y.ttftP50Ms), (x.ttftP99Ms, y.ttftP99Ms)] {
                #expect(abs(p - q) <= max(0.005, q * 0.008), "\(x.group): \(p) vs \(q)")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func alignedQueriesReadTheRollupWithTheLedgersFigures(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let dayStart = BudgetPeriod.day.start(containing: now)
            let from = dayStart.addingTimeInterval(-2 * 86_400)
            var rows: [UsageRecord] = []
            for i in 0..<300 {
                let at = from.addingTimeInterval(1 + Double(i) * (now.timeIntervalSince(from) - 2) / 300)
                var row = record(i, key: ["key_a", "key_b", nil][i % 3], model: i % 2 == 0 ? "m1" : "m2", at: at,
                                 cost: i % 7 == 0 ? nil : 1_000 + Int64(i), latencyMs: Int64(50 + (i * 37) % 900), status: i % 11 == 0 ? 503 : 200)
                row.ttftMicroseconds = i % 2 == 0 ? Int64(1000 + i * 113) : nil
                rows.append(row)
            }
            // In several batches, as the ledger writer sends them: entries are merged.
            for start in stride(from: 0, to: rows.count, by: 70) { try await store.append(Array(rows[start..<min(rows.count, start + 70)])) }
            let end = Date().addingTimeInterval(60)
            for grouping in [UsageQuery.Grouping.model, .key, .team, .deployment, .front, .day, .hour, .all] {
                let aligned = UsageQuery(from: from, to: end, groupBy: grouping)
                #expect(UsageRollup.plan(aligned, now: Date()) != nil, "\(grouping)")
                let cut = UsageQuery(from: from.addingTimeInterval(0.001), to: end, groupBy: grouping)
                #expect(UsageRollup.plan(cut, now: Date()) == nil)
                Self.compare(try await store.usage(aligned), try await store.usage(cut))
            }
            for grouping in [UsageQuery.Grouping.day, .all] {
                let filters = UsageQuery.Filters(team: "team-key_b")
                let aligned = UsageQuery(from: from, to: end, groupBy: grouping, filters: filters)
                #expect(UsageRollup.plan(aligned, now: Date())?.value == "team-key_b")
                Self.compare(try await store.usage(aligned), try await store.usage(UsageQuery(from: from.addingTimeInterval(0.001), to: end, groupBy: grouping,
                                                                                           filters: filters)))
            }
            let fromRollup = try await store.cost(from: from, to: end)
            let fromRows = try await store.cost(from: from.addingTimeInterval(0.001), to: end)
            #expect(fromRollup == fromRows && fromRows == Int128(rows.compactMap(\.costPicodollars).reduce(0, +)))
        }
    }

    @Test(arguments: StoreKind.available)
    func theMigrationBuildsTheRollupFromRowsAlreadyThere(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let rows = (0..<50).map { record($0, key: "key_a", model: "m1", at: now.addingTimeInterval(-Double($0) * 60), cost: 5, latencyMs: 10) }
            try await store.append(rows)
            // As a ledger written before the rollup existed: its entries and the migration undone.
            try await RollupStorageTests.run(["DELETE FROM usage_rollup", "DELETE FROM schema_migrations WHERE version = 7"], on: store)
            let hour = Calendar.utc.dateInterval(of: .hour, for: now)!.start.addingTimeInterval(-86_400)
            // (`to` a minute ahead: the range ends at "now" however slow the machine.)
            #expect(try await store.usage(UsageQuery(from: hour, to: Date().addingTimeInterval(60), groupBy: .all)).isEmpty)
            try await store.migrate()
            let all = try await store.usage(UsageQuery(from: hour, to: Date().addingTimeInterval(60), groupBy: .all))
            #expect(all.first?.requests == 50 && all.first?.cost == Picodollars.usd(Int64(250)))
        }
    }
}
