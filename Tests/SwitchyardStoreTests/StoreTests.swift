import Foundation
import Logging
import PostgresNIO
import SwitchyardCore
import SwitchyardStore
import Testing

/// The same behaviour from both stores. PostgreSQL runs when SWITCHYARD_TEST_POSTGRES_URL
/// names a server (scripts/test starts one); each test gets a database of its own.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_POSTGRES_URL"]
    static var available: [StoreKind] { postgresURL == nil ? [.sqlite] : allCases }
}

func withStore(_ kind: StoreKind, _ body: (any GatewayStore) async throws -> Void) async throws {
    var logger = Logger(label: "store-test")
    logger.logLevel = .critical
    let store: any GatewayStore
    switch kind {
    case .sqlite:
        store = try await SQLiteStore.open(path: nil, logger: logger)
    case .postgres:
        guard case .postgres(var location) = try StoreLocation(parsing: StoreKind.postgresURL!) else { Issue.record("not a postgres URL"); return }
        let database = "sy_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await createDatabase(database, on: location, logger: logger)
        location.database = database
        store = try PostgresStore(location, logger: logger)
    }
    try await store.migrate()
    do {
        try await body(store)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

private func createDatabase(_ name: String, on location: PostgresLocation, logger: Logger) async throws {
    let config = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user, password: location.password,
                                              database: location.database, tls: .disable)
    let client = PostgresClient(configuration: config, backgroundLogger: logger)
    let runner = Task { await client.run() }
    defer { runner.cancel() }
    try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
}

func record(_ i: Int, key: String?, model: String, at time: Date, cost: Int64?, latencyMs: Int64, status: Int = 200) -> UsageRecord {
    UsageRecord(time: time, requestID: "req_\(i)", keyID: key, team: key.map { "team-\($0)" }, requestedModel: "auto", servedModel: model,
                provider: "p", deployment: "d-\(model)", region: "r", route: "explicit", attempts: 1,
                usage: TokenUsage(promptTokens: 10, completionTokens: 20, cachedPromptTokens: 2, reasoningTokens: 1),
                costPicodollars: cost, latencyMicroseconds: latencyMs * 1000, ttftMicroseconds: nil, status: status,
                errorClass: status >= 400 ? "server" : nil, stream: i % 2 == 0)
}

@Suite struct StoreTests {
    @Test(arguments: StoreKind.available)
    func keysRoundTripAndRevoke(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            var spec = KeySpec(name: "Robert'); DROP TABLE api_keys;--")
            spec.team = "payments"
            spec.allowedModels = ["qwen", "deepseek-v4-flash"]
            spec.region = "eu"
            spec.limits = RateLimits(requestsPerMinute: 60, tokensPerMinute: 100_000)
            spec.budget = Budget(amount: Decimal(string: "12.345678")!, period: .day)
            spec.expiresAt = Date(timeIntervalSince1970: 1_900_000_000)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let (secret, key) = KeyGenerator.make(spec, now: now)
            let (_, plain) = KeyGenerator.make(KeySpec(name: "plain"), now: now)
            try await store.insertKey(key)
            try await store.insertKey(plain)
            let loaded = try await store.allKeys().sorted { $0.name < $1.name }
            #expect(loaded == [plain, key].sorted { $0.name < $1.name })
            #expect(loaded.first { $0.id == key.id }?.hash == KeyHasher.digest(secret))
            #expect(try await store.revokeKey(id: key.id, at: now))
            #expect(try await store.revokeKey(id: "key_missing", at: now) == false)
            #expect(try await store.allKeys().first { $0.id == key.id }?.revokedAt == now)
            // The same hash twice is refused.
            await #expect(throws: (any Error).self) { try await store.insertKey(key) }
        }
    }

    @Test(arguments: StoreKind.available)
    func ledgerTotalsPercentilesAndSpend(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            var records: [UsageRecord] = []
            // 1,200 rows: more than one INSERT statement's worth.
            for i in 0..<1200 {
                let key = i % 3 == 0 ? "key_a" : (i % 3 == 1 ? "key_b" : nil)
                var row = record(i, key: key, model: i % 2 == 0 ? "m1" : "m2", at: now.addingTimeInterval(-Double(i)),
                                 cost: i % 10 == 9 ? nil : 1_000_000 + Int64(i), latencyMs: Int64(i % 100 + 1),
                                 status: i % 50 == 0 ? 503 : 200)
                if i % 3 == 0 { row.front = .messages }
                if i % 4 == 1 {
                    // A cache hit: cost 0, what it saved beside.
                    row.cacheHit = true
                    row.costSavedPicodollars = 2_000_000 + Int64(i)
                    row.costPicodollars = 0
                }
                records.append(row)
            }
            try await store.append(Array(records[..<700]))
            try await store.append(Array(records[700...]))
            let query = UsageQuery(from: now.addingTimeInterval(-10_000), to: now.addingTimeInterval(1), groupBy: .model)
            let groups = try await store.usage(query).sorted { $0.group < $1.group }
            #expect(groups.map(\.group) == ["m1", "m2"])
            #expect(groups.map(\.requests) == [600, 600])
            #expect(groups[0].errors == 24)
            #expect(groups[0].promptTokens == 6000 && groups[0].cachedTokens == 1200 && groups[0].reasoningTokens == 600)
            let expectedCost = records.filter { $0.servedModel == "m1" }.compactMap(\.costPicodollars).reduce(Int64(0), +)
            #expect(groups[0].cost == Picodollars.usd(expectedCost))
            #expect(groups[1].unpricedRequests == records.filter { $0.servedModel == "m2" && $0.costPicodollars == nil && $0.status < 400 }.count)
            // Cache hits (all of them m2 rows: i % 4 == 1 is odd) and what they saved, from the new columns.
            let hits = records.filter(\.cacheHit)
            #expect(groups[0].cacheHits == 0 && groups[0].costSaved == 0)
            #expect(groups[1].cacheHits == hits.count && hits.count == 300)
            #expect(groups[1].costSaved == Picodollars.usd(hits.compactMap(\.costSavedPicodollars).reduce(Int64(0), +)))
            // Latencies 1…100 ms, evenly: p50 = 50, p95 = 95, p99 = 99 (nearest rank).
            #expect(groups[0].latencyP50Ms == 49 || groups[0].latencyP50Ms == 50 || groups[0].latencyP50Ms == 51)
            #expect(abs(groups[0].latencyP99Ms - 99) <= 1)
            let byKey = try await store.usage(UsageQuery(from: query.from, to: query.to, groupBy: .key))
            #expect(Set(byKey.map(\.group)) == ["key_a", "key_b", "(none)"])
            let byFront = try await store.usage(UsageQuery(from: query.from, to: query.to, groupBy: .front))
            #expect(byFront.map(\.group).sorted() == ["chat", "messages"])
            #expect(byFront.first { $0.group == "messages" }?.requests == records.filter { $0.front == .messages }.count)
            let byDay = try await store.usage(UsageQuery(from: query.from, to: query.to, groupBy: .day))
            #expect(byDay.reduce(0) { $0 + $1.requests } == 1200)
            #expect(byDay.allSatisfy { $0.group.count == 10 && $0.group.hasPrefix("20") })
            let total = try await store.cost(from: query.from, to: query.to)
            #expect(total == Int128(records.compactMap(\.costPicodollars).reduce(Int64(0), +)))
            let spend = try await store.spend(now: now)
            let keyA = records.filter { $0.keyID == "key_a" }.compactMap(\.costPicodollars).reduce(Int64(0), +)
            #expect(spend["key_a"]?[.total] == keyA)
            #expect(spend["key_a"]?[.month].map { $0 <= keyA && $0 > 0 } == true)
            #expect(spend["key_b"] != nil && spend["(none)"] == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func countersAddUpAcrossReplicas(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let minute = WindowCounter.minute(of: now.timeIntervalSince1970)
            func use(_ requests: Int) -> [CounterUse] {
                [CounterUse(keyID: "k", requests: requests, tokens: 0, requestLimit: 20, tokenLimit: nil)]
            }
            let live = now.addingTimeInterval(-3)
            // Alone: A has used 3 and may claim everything.
            let first = try await store.syncCounters(replica: "a", minute: minute, uses: use(3), now: now, liveSince: live)
            #expect(first.replicas == 1)
            #expect(first.grants["k"]?.requests == ClaimGrant(claim: 20, othersClaimed: 0))
            // B joins: A holds 20, so B gets only what it has used.
            let second = try await store.syncCounters(replica: "b", minute: minute, uses: use(0), now: now, liveSince: live)
            #expect(second.replicas == 2)
            #expect(second.grants["k"]?.requests == ClaimGrant(claim: 0, othersClaimed: 20))
            #expect(second.activeKeys == ["k"])
            // A syncs again: it keeps its use plus half of what is free; B then gets the rest.
            let third = try await store.syncCounters(replica: "a", minute: minute, uses: use(4), now: now, liveSince: live)
            #expect(third.grants["k"]?.requests == ClaimGrant(claim: 12, othersClaimed: 0))
            let fourth = try await store.syncCounters(replica: "b", minute: minute, uses: use(0), now: now, liveSince: live)
            #expect(fourth.grants["k"]?.requests == ClaimGrant(claim: 4, othersClaimed: 12))
            // Shares come from what is free: A (busy) 12 + ceil(4 / 2); then a quiet B holds ceil(6 / 2).
            _ = try await store.syncCounters(replica: "a", minute: minute, uses: use(12), now: now, liveSince: live)
            let quiet = try await store.syncCounters(replica: "b", minute: minute, uses: use(0), now: now, liveSince: live)
            #expect(quiet.grants["k"]?.requests == ClaimGrant(claim: 3, othersClaimed: 14))
            // A replica not seen within the window no longer counts; another minute starts empty.
            let later = now.addingTimeInterval(10)
            let fifth = try await store.syncCounters(replica: "a", minute: minute + 1, uses: [], now: later, liveSince: later.addingTimeInterval(-3))
            #expect(fifth.replicas == 1 && fifth.activeKeys.isEmpty)
        }
    }

    /// A batch written again (the commit's acknowledgement was lost, the writer retried) is
    /// neither recorded nor billed twice.
    @Test(arguments: StoreKind.available)
    func aRetriedBatchIsNotRecordedTwice(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let batch = (0..<10).map { record($0, key: "k", model: "m", at: now, cost: 1_000, latencyMs: 1) }
            try await store.append(batch)
            try await store.append(batch + [record(10, key: "k", model: "m", at: now, cost: 1_000, latencyMs: 1)])
            let groups = try await store.usage(UsageQuery(from: now.addingTimeInterval(-60), to: now.addingTimeInterval(60), groupBy: .key))
            #expect(groups.first?.requests == 11)
            #expect(try await store.spend(now: now)["k"]?[.total] == 11_000)
        }
    }

    /// Spend saturates at the ceiling ($9M) in the store: no integer overflow in an upsert or a
    /// sum, however large the recorded costs (usage checks keep real calls far below).
    @Test(arguments: StoreKind.available)
    func spendSaturatesInsteadOfOverflowing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let now = Date()
            let huge = Picodollars.ceiling - 1
            try await store.append([record(0, key: "k", model: "m", at: now, cost: huge, latencyMs: 1)])
            try await store.append([record(1, key: "k", model: "m", at: now, cost: huge, latencyMs: 1)])
            try await store.append([record(2, key: "k", model: "m", at: now.addingTimeInterval(-86_400 * 40), cost: huge, latencyMs: 1)])
            let spend = try await store.spend(now: now)
            #expect(spend["k"]?[.day] == Picodollars.ceiling)
            #expect(spend["k"]?[.total] == Picodollars.ceiling)
        }
    }

    @Test(arguments: StoreKind.available)
    func migratingTwiceIsHarmless(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.migrate()
            try await store.append([record(1, key: "k", model: "m", at: Date(), cost: 5, latencyMs: 1)])
            try await store.migrate()
            #expect(try await store.cost(from: Date().addingTimeInterval(-60), to: Date().addingTimeInterval(60)) == 5)
        }
    }

    /// Stored keys are found by this exact text: it must never change form.
    @Test func keyDigestIsLowercaseHexSHA256() {
        #expect(KeyHasher.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// The request path's digest (hashed in place, read into words) is the stored text's.
    @Test func keyDigestWordsAreTheStoredDigest() {
        let header = "Bearer sy-0123456789abcdefABCDEF0123456789abcdefABCD"
        let secret = header.dropFirst(7)
        #expect(KeyHasher.keyDigest(secret)?.hex == KeyHasher.digest(String(secret)))
        #expect(KeyHasher.keyDigest("abc")?.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(KeyHasher.keyDigest("")?.hex == KeyHasher.digest(""))
        #expect(KeyHasher.keyDigest("abc") == KeyDigest(hex: KeyHasher.digest("abc")))
        #expect(KeyHasher.keyDigest("abd") != KeyHasher.keyDigest("abc"))
        // A buffer that is not a SHA-256 digest gives no digest (never one that could match).
        #expect([UInt8](repeating: 0, count: 31).withUnsafeBytes { KeyDigest(sha256: $0) } == nil)
        #expect([UInt8](repeating: 0, count: 33).withUnsafeBytes { KeyDigest(sha256: $0) } == nil)
        // Non-ASCII text: its UTF-8 bytes are hashed.
        #expect(KeyHasher.keyDigest("sy-ключ")?.hex == KeyHasher.digest("sy-ключ"))
    }

    @Test func storeLocationsParseAndNeverPrintPasswords() throws {
        #expect(try StoreLocation(parsing: "memory") == .memory)
        #expect(try StoreLocation(parsing: "sqlite:/var/lib/sy.db") == .sqlite(path: "/var/lib/sy.db"))
        #expect(try StoreLocation(parsing: "ledger.db") == .sqlite(path: "ledger.db"))
        let pg = try StoreLocation(parsing: "postgres://sy:s3cret@db.internal:6543/billing?sslmode=require")
        guard case .postgres(let location) = pg else { Issue.record("expected postgres"); return }
        #expect(location.host == "db.internal" && location.port == 6543 && location.user == "sy" && location.database == "billing")
        #expect(location.password == "s3cret" && location.requireTLS)
        #expect(!pg.description.contains("s3cret"))
        for bad in ["mysql://x/y", "postgres://host", "postgres://host:5432/", "sqlite:", "postgres://h/db?timeout=5"] {
            #expect(throws: StoreLocationError.self, "\(bad)") { try StoreLocation(parsing: bad) }
        }
    }
}
