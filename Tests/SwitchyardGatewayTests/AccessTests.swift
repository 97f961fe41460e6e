import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import SQLiteNIO
import SwitchyardCore
@testable import SwitchyardGateway
import SwitchyardSimulator
@testable import SwitchyardStore
import Synchronization
import Testing

@Suite struct AuthenticationTests {
    @Test func missingOrWrongKeysGet401InOpenAIShape() async throws {
        try await withAccessGateway { client, _ in
            let none = try await post(client, chatBody("deepseek-v4-flash", "hi"))
            #expect(none.status == .unauthorized)
            #expect(try errorCode(none) == "invalid_api_key")
            let wrong = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer("sy-" + String(repeating: "A", count: 32)))
            #expect(wrong.status == .unauthorized)
            // The presented key never comes back in the error.
            #expect(!String(buffer: wrong.body).contains("AAAA"))
            let malformed = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: [.authorization: "Basic Zm9vOmJhcg=="])
            #expect(malformed.status == .unauthorized)
        }
    }

    /// The key is read from `Authorization: Bearer …` in any case and spacing, else `x-api-key`.
    @Test func thePresentedKeyIsReadFromEitherHeader() {
        func presented(_ fields: [(String, String)]) -> String? {
            AccessLayer.presentedKey(NIOHTTP1.HTTPHeaders(fields)).map(String.init)
        }
        #expect(presented([("authorization", "Bearer sy-abc")]) == "sy-abc")
        #expect(presented([("Authorization", "bEaReR   sy-abc")]) == "sy-abc")
        #expect(presented([("authorization", "  BEARER sy-abc")]) == "sy-abc")
        #expect(presented([("authorization", "Bearer ")]) == nil)
        #expect(presented([("authorization", "Basic c3k6YWJj")]) == nil)
        #expect(presented([("authorization", "Bearersy-abc")]) == nil)
        #expect(presented([("authorization", "Bearxr sy-abc")]) == nil)
        #expect(presented([("authorization", "Béarer sy-abc")]) == nil)
        // The seventh byte must be a space: not a NUL, not a space carrying a combining accent.
        #expect(presented([("authorization", "Bearer\u{0}sy-abc")]) == nil)
        #expect(presented([("authorization", "Bearer \u{301}sy-abc")]) == "\u{301}sy-abc")
        #expect(presented([("authorization", "Token sy-abc"), ("x-api-key", "sy-def")]) == "sy-def")
        #expect(presented([("x-api-key", "sy-def")]) == "sy-def")
        #expect(presented([]) == nil)
        #expect(presented([("authorization", "Bearer " + String(repeating: "k", count: 1000))])?.count == 256)
    }

    @Test func aCreatedKeyWorksUntilRevoked() async throws {
        try await withAccessGateway { client, _ in
            let (secret, id) = try await createKey(client, #"{"name":"checkout","team":"payments"}"#)
            #expect(secret.hasPrefix("sy-") && secret.count == 35)
            let ok = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer(secret))
            #expect(ok.status == .ok)
            let revoked = try await client.execute(uri: "/admin/keys/\(id)", method: .delete, headers: adminHeaders())
            #expect(revoked.status == .ok)
            #expect(String(buffer: revoked.body).contains("\"status\":\"revoked\""))
            let after = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer(secret))
            #expect(after.status == .unauthorized)
            #expect(String(buffer: after.body).contains("revoked"))
            // The admin API never shows the secret or its hash.
            let listed = String(buffer: try await client.execute(uri: "/admin/keys", method: .get, headers: adminHeaders()).body)
            #expect(!listed.contains(secret) && !listed.contains(KeyHasher.digest(secret)))
        }
    }

    @Test func anExpiredKeyIsRefused() async throws {
        try await withAccessGateway { client, access in
            var spec = KeySpec(name: "short-lived")
            spec.expiresAt = Date().addingTimeInterval(-1)
            let (secret, key) = KeyGenerator.make(spec, now: Date().addingTimeInterval(-60))
            try await access.store.insertKey(key)
            access.keys.upsert(key)
            let response = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer(secret))
            #expect(response.status == .unauthorized)
            #expect(String(buffer: response.body).contains("expired"))
        }
    }

    @Test func aKeyLimitedToAFamilyCannotUseOthers() async throws {
        try await withAccessGateway { client, _ in
            let (secret, _) = try await createKey(client, #"{"name":"qwen-only","models":["qwen"]}"#)
            let denied = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer(secret))
            #expect(denied.status == .forbidden)
            #expect(try errorCode(denied) == "model_not_allowed")
            let allowed = try await post(client, chatBody("Qwen/Qwen3-32B", "hi"), headers: bearer(secret))
            #expect(allowed.status == .ok)
            // `auto` picks among the allowed models only.
            let auto = try await post(client, chatBody("auto", "hi"), headers: bearer(secret))
            #expect(auto.status == .ok)
            #expect(auto.headers["x-switchyard-model"]?.hasPrefix("Qwen/") == true)
        }
    }
}

@Suite struct AdmissionTests {
    @Test func requestsPerMinuteLimitAnswers429WithOpenAIHeaders() async throws {
        try await awayFromAMinuteBoundary()
        try await withAccessGateway { client, _ in
            let (secret, _) = try await createKey(client, #"{"name":"slow","rpm":2}"#)
            for remaining in [1, 0] {
                let ok = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer(secret))
                #expect(ok.status == .ok)
                #expect(ok.headers["x-ratelimit-limit-requests"] == "2")
                #expect(ok.headers["x-ratelimit-remaining-requests"] == String(remaining))
                #expect(ok.headers["x-ratelimit-reset-requests"]?.hasSuffix("s") == true)
            }
            let limited = try await post(client, chatBody("deepseek-v4-flash", "hi"), headers: bearer(secret))
            #expect(limited.status == .tooManyRequests)
            #expect(try errorCode(limited) == "rate_limit_exceeded")
            #expect(limited.headers[.retryAfter].flatMap(Int.init).map { (1...60).contains($0) } == true)
            #expect(limited.headers["x-should-retry"] == "true")
            #expect(limited.headers["x-ratelimit-remaining-requests"] == "0")
        }
    }

    @Test func tokensPerMinuteCountsTheEstimateUpFront() async throws {
        try await awayFromAMinuteBoundary()
        try await withAccessGateway { client, _ in
            let (secret, _) = try await createKey(client, #"{"name":"tpm","tpm":1000}"#)
            let tooBig = try await post(client, chatBody("deepseek-v4-flash", "hi", extra: ",\"max_tokens\":5000"), headers: bearer(secret))
            #expect(tooBig.status == .tooManyRequests)
            #expect(tooBig.headers["x-should-retry"] == "false")
            let fits = try await post(client, chatBody("deepseek-v4-flash", "hi [sim tokens=20]", extra: ",\"max_tokens\":300"), headers: bearer(secret))
            #expect(fits.status == .ok)
            #expect(fits.headers["x-ratelimit-limit-tokens"] == "1000")
            // After the call the estimate (≈ 300) is replaced by the real count (≈ 30).
            let next = try await post(client, chatBody("deepseek-v4-flash", "hi [sim tokens=20]", extra: ",\"max_tokens\":300"), headers: bearer(secret))
            let remaining = try #require(next.headers["x-ratelimit-remaining-tokens"].flatMap(Int.init))
            #expect(remaining > 1000 - 2 * 300)
        }
    }

    @Test func anExhaustedBudgetAnswersInsufficientQuota() async throws {
        try await withAccessGateway { client, _ in
            let (secret, id) = try await createKey(client, #"{"name":"tiny","budget_usd":"0.00002","budget_period":"day"}"#)
            var served = 0
            var refusal: TestResponse?
            for _ in 0..<10 {
                let r = try await post(client, chatBody("deepseek-v4-flash", "hi [sim tokens=40]", extra: ",\"max_tokens\":42"), headers: bearer(secret))
                if r.status == .ok { served += 1 } else { refusal = r; break }
            }
            // Each call costs about $0.0000115 and may cost up to ≈ $0.000011 (prompt estimate +
            // max_tokens): after the first, what is left no longer covers the worst case.
            #expect(served == 1)
            let refused = try #require(refusal)
            #expect(refused.status == .tooManyRequests)
            #expect(try errorCode(refused) == "insufficient_quota")
            #expect(refused.headers["x-should-retry"] == "false")
            let shown = String(buffer: try await client.execute(uri: "/admin/keys/\(id)", method: .get, headers: adminHeaders()).body)
            #expect(shown.contains("\"budget_usd\":\"0.00002\""))
        }
    }
}

@Suite struct LedgerTests {
    /// N requests of every kind → exactly N ledger rows, and the rows' cost equals the sum of
    /// the cost the clients were shown.
    @Test func everyRequestIsRecordedOnceWithTheCostTheClientSaw() async throws {
        let store = try await SQLiteStore.open(path: nil, logger: .init(label: "t"))
        let shown = LockedDecimal()
        try await withAccessGateway(accessSettings(), store: store) { client, _ in
            let (secret, id) = try await createKey(client, #"{"name":"ledger","team":"billing"}"#)
            let models = ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"]
            for i in 0..<40 {
                let model = models[i % models.count]
                let body: ByteBuffer
                switch i % 5 {
                case 0: body = chatBody(model, "hi [sim tokens=\(5 + i)]", stream: true, extra: ",\"stream_options\":{\"include_usage\":true}")
                case 1: body = ByteBuffer(string: "{not json")
                case 2: body = chatBody(model, "[sim fail=content_filter]")
                default: body = chatBody(model, "hi [sim tokens=\(5 + i)]")
                }
                let r = try await post(client, body, headers: bearer(secret))
                if let header = r.headers["x-switchyard-cost-usd"], let cost = Decimal(exactly: header) { shown.add(cost) }
                else if let cost = streamedCost(String(buffer: r.body)) { shown.add(cost) }
            }
            _ = id
        }
        let totals = try await ledgerTotals(store)
        #expect(totals.requests == 40)
        #expect(totals.cost == shown.value)
        #expect(totals.cost > 0)
        let byKey = try await store.usage(UsageQuery(from: Date(timeIntervalSince1970: 0), to: Date().addingTimeInterval(60), groupBy: .team))
        #expect(byKey.map(\.group) == ["billing"])
        #expect(byKey.first?.errors == 16)
        await store.close()
    }

    @Test func aFullQueueMakesProducersWaitInsteadOfDropping() async throws {
        let queue = LedgerQueue(capacity: 2)
        let record = UsageRecord(time: Date(), requestID: "r", keyID: nil, team: nil, requestedModel: "m", servedModel: nil, provider: nil,
                                 deployment: nil, region: nil, route: nil, attempts: 0, usage: .init(), costPicodollars: nil,
                                 latencyMicroseconds: 1, ttftMicroseconds: nil, status: 200, errorClass: nil, stream: false)
        await queue.enqueue(record)
        await queue.enqueue(record)
        let third = Task { await queue.enqueue(record) }
        // The third producer cannot finish until a batch is taken.
        for _ in 0..<20 { await Task.yield() }
        #expect(queue.count == 2)
        #expect(queue.take(1).count == 1)
        await third.value
        #expect(queue.count == 2)
        #expect(queue.accepted == 3)
    }

    /// Batches come out oldest first, whether the writer takes part of the queue or all of it.
    @Test func theLedgerQueueHandsOutRecordsInOrder() async {
        let queue = LedgerQueue(capacity: 10)
        func record(_ id: String) -> UsageRecord {
            UsageRecord(recordID: id, time: Date(), requestID: id, keyID: nil, team: nil, requestedModel: "m", servedModel: nil, provider: nil,
                        deployment: nil, region: nil, route: nil, attempts: 0, usage: TokenUsage(), costPicodollars: nil,
                        latencyMicroseconds: 1, ttftMicroseconds: nil, status: 200, errorClass: nil, stream: false)
        }
        for id in ["a", "b", "c", "d", "e"] { await queue.enqueue(record(id)) }
        #expect(queue.take(2).map(\.recordID) == ["a", "b"])
        #expect(queue.take(0).map(\.recordID) == ["c"])  // at least one
        #expect(queue.take(5).map(\.recordID) == ["d", "e"])
        #expect(queue.take(5).isEmpty && queue.count == 0)
        await queue.enqueue(record("f"))
        queue.putBack([record("x")])
        #expect(queue.take(10).map(\.recordID) == ["x", "f"])
    }

    /// The database goes away: requests keep being served from the key cache, usage is
    /// retried and written when it comes back. Past `max_stale`, keyed requests get 503.
    @Test func aStoreOutageLosesNoUsage() async throws {
        let store = SwitchableStore(try await SQLiteStore.open(path: nil, logger: .init(label: "t")))
        let settings = accessSettings { $0.ledgerFlushInterval = .milliseconds(1); $0.maxStale = .seconds(600) }
        try await withAccessGateway(settings, store: store) { client, access in
            let (secret, _) = try await createKey(client, #"{"name":"outage"}"#)
            store.down.withLock { $0 = true }
            for _ in 0..<10 {
                #expect(try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret)).status == .ok)
            }
            let sync = StoreSync(access: access, logger: .init(label: "t"))
            await sync.syncOnce()  // fails: keys stay cached
            #expect(try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret)).status == .ok)
            let usage = try await client.execute(uri: "/admin/usage", method: .get, headers: adminHeaders())
            #expect(usage.status == .serviceUnavailable)
            // The queue depth shows the waiting records although no batch has been written
            // (the writer may hold them for a moment between its failed attempt and putting them back).
            var depth = ""
            for _ in 0..<200 {
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                depth = metrics.split(separator: "\n").first { $0.hasPrefix("switchyard_ledger_queue_depth ") }.map(String.init) ?? "(absent)"
                if depth == "switchyard_ledger_queue_depth 11.0" { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(depth == "switchyard_ledger_queue_depth 11.0")
            store.down.withLock { $0 = false }
        }
        #expect(try await ledgerTotals(store).requests == 11)
        await store.close()
    }

    /// Sync by change (issue 18): once loaded, a sync with nothing changed reads no key and no
    /// spend, however many keys exist; a key revoked by another replica is refused after the
    /// next sync, which reads that one key.
    @Test func anIdleSyncReadsNothingAndARevocationElsewhereArrives() async throws {
        let sqlite = try await SQLiteStore.open(path: nil, logger: .init(label: "t"))
        let store = SwitchableStore(sqlite)
        try await store.migrate()
        var made: [(secret: String, key: VirtualKey)] = []
        for i in 0..<200 {
            let next = KeyGenerator.make(KeySpec(name: "customer-\(i)"), now: Date())
            try await store.insertKey(next.key)
            made.append(next)
        }
        // Every key has spent something, long enough ago to be outside the re-read overlap.
        try await store.append(made.enumerated().map { i, m in spendRecord(i, key: m.key.id, cost: 1_000) })
        _ = try await sqlite.connection.query("UPDATE key_spend SET updated_at_ms = updated_at_ms - 3600000")
        let settings = accessSettings { $0.ledgerFlushInterval = .milliseconds(1) }
        try await withAccessGateway(settings, store: store) { [made] client, access in
            let sync = StoreSync(access: access, logger: .init(label: "t"))
            await sync.syncOnce()  // the first: every key and every key's spend
            #expect(access.keys.count == 200)
            #expect(store.keyReads.withLock { $0.last } == 200)
            #expect(store.spendReads.withLock { $0.last } == 200)
            await sync.syncOnce()
            await sync.syncOnce()
            #expect(store.keyReads.withLock { Array($0.suffix(2)) } == [0, 0])
            #expect(store.spendReads.withLock { Array($0.suffix(2)) } == [0, 0])
            #expect(access.admission.spent(made[3].key) == Decimal(string: "0.000000001"))

            let (secret, key) = made[7]
            #expect(try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret)).status == .ok)
            // The call's row (and its spend) is written by the ledger writer after the answer:
            // wait for it, or the sync below could run first and find no spend to read.
            let written = access.ledger.written
            for _ in 0..<1_000 where access.ledger.written == written { try await Task.sleep(for: .milliseconds(10)) }
            _ = try await store.inner.revokeKey(id: key.id, at: Date())  // another replica revokes it
            await sync.syncOnce()
            #expect(store.keyReads.withLock { $0.last } == 1)
            let refused = try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret))
            #expect(refused.status == .unauthorized)
            // The call's spend was re-read for that key alone.
            #expect(store.spendReads.withLock { $0.last } == 1)
        }
        await store.close()
    }

    @Test func pastMaxStaleKeyedRequestsGet503() async throws {
        let store = SwitchableStore(try await SQLiteStore.open(path: nil, logger: .init(label: "t")))
        let settings = accessSettings { $0.maxStale = .seconds(2) }
        try await withAccessGateway(settings, store: store) { client, access in
            let (secret, _) = try await createKey(client, #"{"name":"stale"}"#)
            store.down.withLock { $0 = true }
            try await Task.sleep(for: .milliseconds(2100))
            let r = try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret))
            #expect(r.status == .serviceUnavailable)
            #expect(try errorCode(r) == "store_unavailable")
            store.down.withLock { $0 = false }
            await StoreSync(access: access, logger: .init(label: "t")).syncOnce()
            #expect(try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret)).status == .ok)
        }
        await store.close()
    }
}

@Suite struct AdminAPITests {
    /// Bulk import: one key per line, all or nothing, the bad line named; the secrets work.
    @Test func keysImportAllOrNothing() async throws {
        try await withAccessGateway { client, access in
            func importing(_ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/admin/key-imports", method: .post, headers: adminHeaders(), body: ByteBuffer(string: body))
            }
            let bad = try await importing(#"{"name":"a"}"# + "\n" + #"{"name":"b","rpm":"many"}"# + "\n")
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("Line 2:"))
            #expect(access.keys.count == 0)
            #expect(try await access.store.allKeys().isEmpty)

            let good = try await importing(#"{"name":"a","rpm":5}"# + "\r\n\n" + #"{"name":"b","models":["glm-5"]}"# + "\n")
            #expect(good.status == .created)
            let document = try JSONDocument(bytes: Array(buffer: good.body))
            let data = try #require(document.value(at: "data"))
            let entries = document.elements(of: data)
            #expect(entries.count == 2)
            #expect(entries.compactMap { document.value(at: "line", from: $0).flatMap(document.int) } == [1, 3])
            let secret = try #require(entries.last.flatMap { document.value(at: "key", from: $0) }.flatMap(document.string))
            #expect(try await post(client, chatBody("glm-5", "hi"), headers: bearer(secret)).status == .ok)
            #expect(try await access.store.allKeys().count == 2)

            let tooMany = try await importing(String(repeating: #"{"name":"x"}"# + "\n", count: KeyCSV.maxRowsPerRequest + 1))
            #expect(tooMany.status == .badRequest)
            #expect(try await access.store.allKeys().count == 2)
        }
    }

    @Test func theAdminAPINeedsTheAdminKey() async throws {
        try await withAccessGateway(accessSettings { $0.adminKey = nil }) { client, _ in
            let off = try await client.execute(uri: "/admin/keys", method: .get, headers: adminHeaders())
            #expect(off.status == .forbidden)
            #expect(try errorCode(off) == "admin_disabled")
        }
        try await withAccessGateway { client, _ in
            let wrong = try await client.execute(uri: "/admin/keys", method: .get, headers: adminHeaders("not-the-admin-key-at-all"))
            #expect(wrong.status == .unauthorized)
            let none = try await client.execute(uri: "/admin/usage", method: .get)
            #expect(none.status == .unauthorized)
        }
    }

    @Test(arguments: [
        ("{not json", nil as String?),
        (#"[1,2]"#, nil),
        (#"{"team":"x"}"#, "name"),
        (#"{"name":""}"#, "name"),
        (#"{"name":"a","rmp":5}"#, "rmp"),
        (#"{"name":"a","rpm":-1}"#, "rpm"),
        (#"{"name":"a","rpm":1.5}"#, "rpm"),
        (#"{"name":"a","tpm":99999999999999}"#, "tpm"),
        (#"{"name":"a","budget_usd":-5}"#, "budget_usd"),
        (#"{"name":"a","budget_usd":"1e9"}"#, "budget_usd"),
        (#"{"name":"a","budget_usd":10000000000}"#, "budget_usd"),
        (#"{"name":"a","budget_usd":9000000.01}"#, "budget_usd"),
        (#"{"name":"a","budget_usd":5,"budget_period":"week"}"#, "budget_period"),
        (#"{"name":"a","budget_period":"day"}"#, "budget_period"),
        (#"{"name":"a","models":["gpt-9"]}"#, "models"),
        (#"{"name":"a","models":"qwen"}"#, "models"),
        (#"{"name":"a","expires_at":"yesterday"}"#, "expires_at"),
        (#"{"name":"a","expires_at":"2001-01-01T00:00:00Z"}"#, "expires_at"),
        (#"{"name":"a","region":"eu west"}"#, "region"),
        (#"{"name":"a\u0000b"}"#, "name"),
    ])
    func malformedKeyRequestsGet400NamingTheField(body: String, param: String?) async throws {
        try await withAccessGateway { client, _ in
            let r = try await client.execute(uri: "/admin/keys", method: .post, headers: adminHeaders(), body: ByteBuffer(string: body))
            #expect(r.status == .badRequest, "\(body)")
            let d = try json(r)
            #expect(d.value(at: "error", "param").flatMap(d.string) == param, "\(body)")
        }
    }

    @Test func budgetsNeedTheLedger() async throws {
        try await withAccessGateway(accessSettings { $0.ledgerEnabled = false }) { client, _ in
            let r = try await client.execute(uri: "/admin/keys", method: .post, headers: adminHeaders(),
                                             body: ByteBuffer(string: #"{"name":"b","budget_usd":5}"#))
            #expect(r.status == .badRequest)
            #expect(try json(r).value(at: "error", "param").flatMap { try? json(r).string($0) } == "budget_usd")
        }
    }

    @Test func sqlLikeNamesAreStoredVerbatim() async throws {
        try await withAccessGateway { client, access in
            let name = "Robert'); DROP TABLE api_keys;--"
            let (_, id) = try await createKey(client, "{\"name\":\(JSONString.quoted(name)),\"team\":\"' OR 1=1 --\"}")
            let stored = try await access.store.allKeys()
            #expect(stored.count == 1)
            #expect(stored.first?.id == id && stored.first?.name == name && stored.first?.team == "' OR 1=1 --")
        }
    }

    @Test func unknownKeysAndBadUsageQueries() async throws {
        try await withAccessGateway { client, _ in
            #expect(try await client.execute(uri: "/admin/keys/key_nope", method: .get, headers: adminHeaders()).status == .notFound)
            #expect(try await client.execute(uri: "/admin/keys/key_nope", method: .delete, headers: adminHeaders()).status == .notFound)
            for query in ["group_by=color", "from=yesterday", "from=2026-02-01&to=2026-01-01", "limit=5"] {
                let r = try await client.execute(uri: "/admin/usage?\(query)", method: .get, headers: adminHeaders())
                #expect(r.status == .badRequest, "\(query)")
            }
            let ok = try await client.execute(uri: "/admin/usage?group_by=day", method: .get, headers: adminHeaders())
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body).contains("\"projected_usd\""))
        }
    }
}

/// Rate limits count in fixed one-minute windows (UTC): a test that counts requests must not
/// straddle two. Waits (at most 15 s) until the current minute has at least 15 s left.
func awayFromAMinuteBoundary() async throws {
    let second = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
    if second > 45 { try await Task.sleep(for: .seconds(60 - second + 0.5)) }
}

/// The `cost_usd` a stream reported (in its usage chunk or trailing comment).
func streamedCost(_ body: String) -> Decimal? {
    guard let range = body.range(of: "\"cost_usd\":") ?? body.range(of: "cost_usd=") else { return nil }
    let rest = body[range.upperBound...].drop { $0 == "\"" || $0 == " " }
    return Decimal(exactly: String(rest.prefix { $0.isNumber || $0 == "." }))
}

final class LockedDecimal: Sendable {
    private let total = Mutex(Decimal(0))
    func add(_ value: Decimal) { total.withLock { $0 += value } }
    var value: Decimal { total.withLock { $0 } }
}

@Suite struct OverheadTelemetryTests {
    /// Every answered request says how long it spent inside the gateway, upstream wait
    /// excluded; the same goes to a Prometheus histogram. The simulator answers after ≥ 50 ms,
    /// which must not show up as overhead.
    @Test func overheadExcludesTheUpstreamWait() async throws {
        try await withGateway(.embedded(), simulator: Simulator(options: .init(seed: 5))) { client, _ in
            for stream in [false, true] {
                let start = ContinuousClock.now
                let r = try await post(client, chatBody("deepseek-v4-flash", "hi [sim ttft_ms=50 tokens=3 tps=1000]", stream: stream))
                let total = ContinuousClock.now - start
                #expect(r.status == .ok)
                let overhead = try #require(r.headers["x-switchyard-overhead-us"].flatMap(Int.init))
                #expect(overhead >= 0)
                #expect(Duration.microseconds(overhead) < total - .milliseconds(45))
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("switchyard_gateway_overhead_seconds_bucket{le=\"0.0001\"}"))
            #expect(metrics.contains("switchyard_gateway_overhead_seconds_count 2"))
        }
    }
}

/// A ledger row of `key` costing `cost` picodollars, now.
private func spendRecord(_ i: Int, key: String, cost: Int64) -> UsageRecord {
    UsageRecord(time: Date(), requestID: "req_\(i)", keyID: key, team: nil, requestedModel: "glm-5", servedModel: "glm-5", provider: "p",
                deployment: "d", region: "r", route: "explicit", attempts: 1,
                usage: TokenUsage(promptTokens: 1, completionTokens: 1, cachedPromptTokens: 0, reasoningTokens: 0),
                costPicodollars: cost, latencyMicroseconds: 1_000, ttftMicroseconds: nil, status: 200, errorClass: nil, stream: false)
}
