import Foundation
import Logging
import NIOSSL
import PostgresNIO
import SwitchyardCore

/// The cluster store: every gateway process connects to the same PostgreSQL database and
/// shares keys, rate-limit counters, spend and the ledger through it.
package final class PostgresStore: GatewayStore {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    package let description: String

    package init(_ location: PostgresLocation, logger: Logger) throws {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: location.requireTLS ? .require(TLSConfiguration.makeClientConfiguration()) : .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.runner = Task { await client.run() }
        self.logger = logger
        self.description = location.description
    }

    package func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())", logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int32.self) {
                applied.insert(Int(version))
            }
            let pending = PostgresSchema.migrations.filter { !applied.contains($0.version) }
            for migration in pending {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(Int32(migration.version)))", logger: logger)
            }
            // The rollups are filled from the ledger once the tables have their final shape (their
            // histogram columns changed type after they were created), in the same transaction.
            let entries = pending.contains { $0.version == PostgresSchema.rollupVersion }
            let pairs = pending.contains { $0.version == PostgresSchema.pairRollupVersion }
            if entries || pairs { try await rebuildRollups(connection, entries: entries, pairs: pairs) }
        }
        try await preparePartitions(now: Date())
    }

    /// Creates this month's and the next two months' ledger partitions (idempotent; run at
    /// start-up and by the sync loop once an hour).
    package func preparePartitions(now: Date) async throws {
        let calendar = Calendar.utc
        for offset in 0..<3 {
            let month = calendar.date(byAdding: .month, value: offset, to: now)!
            let partition = PostgresSchema.partition(containing: month)
            do {
                try await client.query(PostgresQuery(unsafeSQL:
                    "CREATE TABLE IF NOT EXISTS \(partition.name) PARTITION OF usage_records FOR VALUES FROM (\(partition.from)) TO (\(partition.to))"),
                    logger: logger)
            } catch {
                // Rows for that month already sit in the default partition; they stay queryable there.
                logger.warning("could not create ledger partition", metadata: ["partition": .string(partition.name), "error": .string(String(reflecting: error))])
            }
        }
    }

    /// Drops ledger partitions that ended more than `months` months before `now`.
    package func dropPartitions(olderThan months: Int, now: Date) async throws -> [String] {
        let calendar = Calendar.utc
        let cutoff = PostgresSchema.partition(containing: calendar.date(byAdding: .month, value: -months, to: now)!).from
        var dropped: [String] = []
        let rows = try await client.query(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'usage_records'",
            logger: logger)
        for try await name in rows.decode(String.self) {
            guard name.hasPrefix("usage_records_y"), let bounds = Self.partitionStart(name), bounds < cutoff else { continue }
            try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"), logger: logger)
            dropped.append(name)
        }
        return dropped
    }

    static func partitionStart(_ name: String) -> Int64? {
        // usage_records_yYYYYmMM
        let digits = name.dropFirst("usage_records_y".count)
        guard digits.count == 7, let year = Int(digits.prefix(4)), let month = Int(digits.suffix(2)) else { return nil }
        let calendar = Calendar.utc
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: 1)) else { return nil }
        return date.millisecondsSinceEpoch
    }

    // MARK: Keys

    package func insertKey(_ key: VirtualKey) async throws {
        try await insertKeys([key])
    }

    package func insertKeys(_ keys: [VirtualKey]) async throws {
        guard !keys.isEmpty else { return }
        try await client.withTransaction(logger: logger) { connection in
            for key in keys { try await Self.insert(key, on: connection, logger: logger) }
        }
    }

    private static func insert(_ key: VirtualKey, on connection: PostgresConnection, logger: Logger) async throws {
        let c = KeyColumns(key)
        try await connection.query("""
            INSERT INTO api_keys (id, key_hash, key_hint, name, team, models, region, rpm, tpm, budget_pusd, budget_period, expires_at_ms, revoked_at_ms, created_at_ms)
            VALUES (\(c.id), \(c.hash), \(c.hint), \(c.name), \(c.team), \(c.models), \(c.region), \(c.rpm), \(c.tpm), \(c.budgetPicodollars),
                    \(c.budgetPeriod), \(c.expiresAtMs), \(c.revokedAtMs), \(c.createdAtMs))
            """, logger: logger)
    }

    package func allKeys() async throws -> [VirtualKey] {
        try await keyChanges(after: KeyChanges.everything).keys
    }

    package func keyChanges(after version: Int64, limit: Int) async throws -> KeyChanges {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT \(KeyColumns.columnList), change_seq FROM api_keys WHERE change_seq > $1 ORDER BY change_seq LIMIT $2",
                          binds: { var b = PostgresBindings(); b.append(version); b.append(Int64(max(0, limit))); return b }()),
            logger: logger)
        var keys: [VirtualKey] = []
        var newest = version
        for try await row in rows {
            let (id, hash, hint, name, team, models, region) = try row.decode((String, String, String, String, String?, String, String?).self)
            let columns = row.makeRandomAccess()
            let rpm = try columns[7].decode(Int64?.self)
            let tpm = try columns[8].decode(Int64?.self)
            let budget = try columns[9].decode(Int64?.self)
            let period = try columns[10].decode(String?.self)
            let expires = try columns[11].decode(Int64?.self)
            let revoked = try columns[12].decode(Int64?.self)
            let created = try columns[13].decode(Int64.self)
            newest = max(newest, try columns[14].decode(Int64.self))
            keys.append(KeyColumns(id: id, hash: hash, hint: hint, name: name, team: team, models: models, region: region, rpm: rpm, tpm: tpm,
                                   budgetPicodollars: budget, budgetPeriod: period, expiresAtMs: expires, revokedAtMs: revoked,
                                   createdAtMs: created).key)
        }
        return KeyChanges(keys: keys, version: newest)
    }

    /// Holds one connection that listens for key changes (`NOTIFY` from the key trigger).
    package func watchKeyChanges(_ changed: @escaping @Sendable () -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: PostgresSchema.keyChannel) { notifications in
                changed()  // whatever changed before the listener started
                for try await _ in notifications { changed() }
            }
        }
    }

    // MARK: Files

    package func insertFile(_ file: StoredFile) async throws {
        let ms = KeyColumns.milliseconds(file.createdAt)
        let lines = Int32(clamping: file.lines)
        try await client.query("""
            INSERT INTO files (id, key_id, filename, purpose, bytes, lines, created_at_ms)
            VALUES (\(file.id), \(file.keyID), \(file.filename), \(file.purpose), \(file.bytes), \(lines), \(ms))
            """, logger: logger)
    }

    package func file(id: String) async throws -> StoredFile? {
        let rows = try await client.query("SELECT id, key_id, filename, purpose, bytes, lines, created_at_ms FROM files WHERE id = \(id)", logger: logger)
        for try await row in rows { return try storedFile(row) }
        return nil
    }

    package func files(keyID: String?, purpose: String?, after: String?, limit: Int) async throws -> [StoredFile] {
        let limit = Int64(limit)
        let rows = try await client.query("""
            SELECT id, key_id, filename, purpose, bytes, lines, created_at_ms FROM files
            WHERE key_id IS NOT DISTINCT FROM \(keyID) AND (\(purpose)::text IS NULL OR purpose = \(purpose))
              AND (\(after)::text IS NULL OR (created_at_ms, id) < (SELECT created_at_ms, id FROM files WHERE id = \(after)))
            ORDER BY created_at_ms DESC, id DESC LIMIT \(limit)
            """, logger: logger)
        var out: [StoredFile] = []
        for try await row in rows { out.append(try storedFile(row)) }
        return out
    }

    package func deleteFile(id: String) async throws -> Bool {
        let rows = try await client.query("DELETE FROM files WHERE id = \(id) RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    private func storedFile(_ row: PostgresRow) throws -> StoredFile {
        let (id, keyID, filename, purpose, bytes, lines, created) = try row.decode((String, String?, String, String, Int64, Int32, Int64).self)
        return StoredFile(id: id, keyID: keyID, filename: filename, purpose: purpose, bytes: bytes, lines: Int(lines),
                          createdAt: Date(timeIntervalSince1970: Double(created) / 1000))
    }

    package func revokeKey(id: String, at date: Date) async throws -> Bool {
        let ms = KeyColumns.milliseconds(date)
        let rows = try await client.query("UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, \(ms)) WHERE id = \(id) RETURNING id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    package func updateKey(_ key: VirtualKey) async throws -> Bool {
        let c = KeyColumns(key)
        let rows = try await client.query("""
            UPDATE api_keys SET name = \(c.name), team = \(c.team), models = \(c.models), region = \(c.region), rpm = \(c.rpm), tpm = \(c.tpm),
                budget_pusd = \(c.budgetPicodollars), budget_period = \(c.budgetPeriod), expires_at_ms = \(c.expiresAtMs)
            WHERE id = \(c.id) RETURNING id
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    // MARK: Ledger

    package func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await client.withTransaction(logger: logger) { connection in
            try await insertRecords(records, connection: connection)
        }
    }

    /// Inserts ledger rows and adds the cost of those really inserted to their keys' spend and
    /// to the rollup, in the caller's transaction. Each column of a batch is bound as one array
    /// (`INSERT … SELECT * FROM unnest($1::text[], $2::bigint[], …)`): one statement per 5,000
    /// rows, one parse and plan, whatever the batch's size.
    func insertRecords(_ records: [UsageRecord], connection: PostgresConnection) async throws {
        let byID = Dictionary(records.map { ($0.recordID, $0) }, uniquingKeysWith: { first, _ in first })
        var inserted: [UsageRecord] = []
        var start = 0
        while start < records.count {
            let slice = records[start..<min(records.count, start + UsageColumns.rowsPerArrayStatement)]
            var bindings = PostgresBindings(capacity: UsageColumns.names.count)
            bindings.append(slice.map(\.recordID))
            bindings.append(slice.map(\.timeMilliseconds))
            bindings.append(slice.map(\.requestID))
            bindings.append(NullableArray(slice.map(\.keyID)))
            bindings.append(NullableArray(slice.map(\.team)))
            bindings.append(slice.map(\.requestedModel))
            bindings.append(NullableArray(slice.map(\.servedModel)))
            bindings.append(NullableArray(slice.map(\.provider)))
            bindings.append(NullableArray(slice.map(\.deployment)))
            bindings.append(NullableArray(slice.map(\.region)))
            bindings.append(NullableArray(slice.map(\.route)))
            bindings.append(slice.map { Int32(clamping: $0.attempts) })
            bindings.append(slice.map { Int64($0.usage.promptTokens) })
            bindings.append(slice.map { Int64($0.usage.completionTokens) })
            bindings.append(slice.map { Int64($0.usage.cachedPromptTokens) })
            bindings.append(slice.map { Int64($0.usage.reasoningTokens) })
            bindings.append(NullableArray(slice.map(\.costPicodollars)))
            bindings.append(slice.map(\.latencyMicroseconds))
            bindings.append(NullableArray(slice.map(\.ttftMicroseconds)))
            bindings.append(slice.map { Int32(clamping: $0.status) })
            bindings.append(NullableArray(slice.map(\.errorClass)))
            bindings.append(slice.map(\.stream))
            bindings.append(NullableArray(slice.map(\.usageSource?.rawValue)))
            bindings.append(slice.map(\.front.rawValue))
            bindings.append(slice.map(\.cacheHit))
            bindings.append(NullableArray(slice.map(\.costSavedPicodollars)))
            bindings.append(NullableArray(slice.map(\.batchID)))
            bindings.append(NullableArray(slice.map(\.customID)))
            let arrays = UsageColumns.postgresTypes.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
            // A batch retried after a lost COMMIT acknowledgement is skipped row by row, and
            // only rows really inserted add to the keys' spend and the rollup.
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO usage_records (\(UsageColumns.list)) SELECT * FROM unnest(\(arrays))"
                    + " ON CONFLICT (record_id, ts_ms) DO NOTHING RETURNING record_id", binds: bindings),
                logger: logger)
            for try await id in rows.decode(String.self) {
                if let record = byID[id] { inserted.append(record) }
            }
            start += slice.count
        }
        try await addRollup(inserted, connection)
        // One statement for every key's spend, in key order (two replicas lock the rows in the
        // same order: no deadlock).
        let spend = inserted.spendByKeyAndDay.sorted { ($0.key.keyID, $0.key.day) < ($1.key.keyID, $1.key.day) }
        guard !spend.isEmpty else { return }
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(spend.map(\.key.keyID))
        bindings.append(spend.map(\.key.day))
        bindings.append(spend.map(\.value))
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO key_spend (key_id, day, spent_pusd, updated_at_ms)
            SELECT key_id, day, spent, (extract(epoch from clock_timestamp()) * 1000)::bigint
            FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS u(key_id, day, spent, n) ORDER BY n
            ON CONFLICT (key_id, day) DO UPDATE SET spent_pusd = LEAST(key_spend.spent_pusd::numeric + EXCLUDED.spent_pusd, \(Picodollars.ceiling))::bigint,
                updated_at_ms = EXCLUDED.updated_at_ms
            """, binds: bindings), logger: logger)
    }

    // MARK: Counters and spend

    package func syncCounters(replica: String, minute: Int64, uses: [CounterUse], now: Date, liveSince: Date) async throws -> CounterSync {
        let nowMs = KeyColumns.milliseconds(now)
        let liveMs = KeyColumns.milliseconds(liveSince)
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.query("""
                INSERT INTO replicas (id, seen_at_ms) VALUES (\(replica), \(nowMs)) ON CONFLICT (id) DO UPDATE SET seen_at_ms = EXCLUDED.seen_at_ms
                """, logger: logger)
            var replicas = 1
            for try await count in try await connection.query("SELECT COUNT(*) FROM replicas WHERE seen_at_ms >= \(liveMs)", logger: logger).decode(Int64.self) {
                replicas = max(1, Int(count))
            }
            var grants: [String: CounterSync.Grant] = [:]
            // Sorted, so that two replicas take the per-key locks in the same order (no deadlocks).
            for use in uses.sorted(by: { $0.keyID < $1.keyID }) {
                let lockName = "\(use.keyID):\(minute)"
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lockName), 0))", logger: logger)
                var others = OtherClaims()
                for try await (r, t, n) in try await connection.query("""
                    SELECT COALESCE(SUM(requests), 0)::bigint, COALESCE(SUM(tokens), 0)::bigint, COUNT(*)
                    FROM rate_counters WHERE key_id = \(use.keyID) AND minute = \(minute) AND replica <> \(replica)
                    """, logger: logger).decode((Int64, Int64, Int64).self) {
                    others = OtherClaims(requests: Int(r), tokens: Int(t), replicas: Int(n))
                }
                let grant = others.grant(for: use, replicas: replicas)
                grants[use.keyID] = grant
                let requests = Int64(grant.requests?.claim ?? use.requests)
                let tokens = Int64(grant.tokens?.claim ?? use.tokens)
                try await connection.query("""
                    INSERT INTO rate_counters (key_id, minute, replica, requests, tokens) VALUES (\(use.keyID), \(minute), \(replica), \(requests), \(tokens))
                    ON CONFLICT (key_id, minute, replica) DO UPDATE SET requests = EXCLUDED.requests, tokens = EXCLUDED.tokens
                    """, logger: logger)
            }
            var active = Set<String>()
            for try await key in try await connection.query(
                "SELECT DISTINCT key_id FROM rate_counters WHERE minute = \(minute) AND replica <> \(replica)", logger: logger).decode(String.self) {
                active.insert(key)
            }
            return CounterSync(grants: grants, replicas: replicas, activeKeys: active)
        }
    }

    /// Old counter windows are useless after a few minutes.
    package func pruneCounters(before minute: Int64) async throws {
        try await client.query("DELETE FROM rate_counters WHERE minute < \(minute)", logger: logger)
    }

    package func spend(now: Date) async throws -> [String: [BudgetPeriod: Int64]] {
        try await spendChanges(since: nil, now: now).spend
    }

    package func spendChanges(since: Int64?, now: Date) async throws -> SpendChanges {
        var readAt = KeyColumns.milliseconds(now)
        for try await ms in try await client.query("SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint", logger: logger).decode(Int64.self) {
            readAt = ms
        }
        let today = EpochDay.of(now)
        let monthStart = EpochDay.of(BudgetPeriod.month.start(containing: now))
        var bindings = PostgresBindings()
        if let since { bindings.append(since) }
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            SELECT key_id, LEAST(COALESCE(SUM(spent_pusd) FILTER (WHERE day >= \(today)), 0), \(Picodollars.ceiling))::bigint,
                   LEAST(COALESCE(SUM(spent_pusd) FILTER (WHERE day >= \(monthStart)), 0), \(Picodollars.ceiling))::bigint,
                   LEAST(COALESCE(SUM(spent_pusd), 0), \(Picodollars.ceiling))::bigint,
                   COUNT(*) FILTER (WHERE spent_pusd < 0 OR spent_pusd > \(Picodollars.ceiling))
            FROM key_spend \(since == nil ? "" : "WHERE key_id IN (SELECT key_id FROM key_spend WHERE updated_at_ms >= $1)")
            GROUP BY key_id
            """, binds: bindings), logger: logger)
        var out: [String: [BudgetPeriod: Int64]] = [:]
        var outOfRange: Int64 = 0
        for try await (key, day, month, total, bad) in rows.decode((String, Int64, Int64, Int64, Int64).self) {
            out[key] = [.day: Picodollars.repaired(day).value, .month: Picodollars.repaired(month).value, .total: Picodollars.repaired(total).value]
            outOfRange += bad
        }
        guard outOfRange > 0 else { return SpendChanges(spend: out, readAt: readAt) }
        // Rows out of range (a hand edit, an older version): clamped in place, reported, summed again.
        try await client.query("""
            UPDATE key_spend SET spent_pusd = LEAST(GREATEST(spent_pusd, 0), \(Picodollars.ceiling))
            WHERE spent_pusd < 0 OR spent_pusd > \(Picodollars.ceiling)
            """, logger: logger)
        logger.warning("key spend rows out of range were repaired (clamped to 0…$9M)", metadata: [
            "rows": .stringConvertible(outOfRange), "store": .string(description)])
        return try await spendChanges(since: since, now: now)
    }

    // MARK: Usage queries

    package func usage(_ query: UsageQuery) async throws -> [UsageGroup] {
        if let plan = UsageRollup.plan(query, now: Date()) {
            return try await rollupUsage(query, dimension: plan.dimension, value: plan.value)
        }
        if let plan = UsageRollup.pairPlan(query, now: Date()) {
            return try await pairRollupUsage(query, filter: plan.filter, value: plan.value, group: plan.group)
        }
        let group = UsageColumns.groupExpression(query.groupBy, day: "to_char(to_timestamp(ts_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
                                                 hour: "to_char(to_timestamp(ts_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":00Z\"')")
        var bindings = PostgresBindings()
        bindings.append(query.fromMilliseconds)
        bindings.append(query.toMilliseconds)
        var condition = "ts_ms >= $1 AND ts_ms < $2"
        for (index, filter) in query.filters.columns.enumerated() {
            condition += " AND \(filter.column) = $\(index + 3)"
            bindings.append(filter.value)
        }
        let rows = try await client.query(PostgresQuery(unsafeSQL: """
            SELECT \(group) AS g, COUNT(*), COUNT(*) FILTER (WHERE status >= 400),
                   COALESCE(SUM(prompt_tokens), 0)::bigint, COALESCE(SUM(completion_tokens), 0)::bigint,
                   COALESCE(SUM(cached_tokens), 0)::bigint, COALESCE(SUM(reasoning_tokens), 0)::bigint,
                   COALESCE(SUM(cost_pusd), 0)::text, COUNT(*) FILTER (WHERE cost_pusd IS NULL AND status < 400),
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_us), percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_us),
                   percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_us),
                   COUNT(*) FILTER (WHERE cache_hit), COALESCE(SUM(cost_saved_pusd), 0)::text,
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY ttft_us), percentile_disc(0.95) WITHIN GROUP (ORDER BY ttft_us),
                   percentile_disc(0.99) WITHIN GROUP (ORDER BY ttft_us)
            FROM usage_records WHERE \(condition) GROUP BY g
            """, binds: bindings), logger: logger)
        var groups: [UsageGroup] = []
        for try await row in rows {
            let (name, n, errors, p, c, cached, reasoning, cost, unpriced, p50, p95, p99, hits, saved)
                = try row.decode((String, Int64, Int64, Int64, Int64, Int64, Int64, String, Int64, Int64, Int64, Int64, Int64, String).self)
            let columns = row.makeRandomAccess()
            let t50 = try columns[14].decode(Int64?.self), t95 = try columns[15].decode(Int64?.self), t99 = try columns[16].decode(Int64?.self)
            var group = UsageGroup(
                group: name, requests: Int(n), errors: Int(errors), promptTokens: Int(p), completionTokens: Int(c), cachedTokens: Int(cached),
                reasoningTokens: Int(reasoning), cost: Picodollars.usd(Int128(cost) ?? 0), unpricedRequests: Int(unpriced),
                latencyP50Ms: Double(p50) / 1000, latencyP95Ms: Double(p95) / 1000, latencyP99Ms: Double(p99) / 1000)
            group.cacheHits = Int(hits)
            group.costSaved = Picodollars.usd(Int128(saved) ?? 0)
            group.ttftP50Ms = Double(t50 ?? 0) / 1000
            group.ttftP95Ms = Double(t95 ?? 0) / 1000
            group.ttftP99Ms = Double(t99 ?? 0) / 1000
            groups.append(group)
        }
        return groups
    }

    package func records(_ filter: LedgerFilter) async throws -> [UsageRecord] {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        var next = 1
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            bindings.append(value)
            defer { next += 1 }
            return "$\(next)"
        }
        if let keyID = filter.keyID { conditions.append("key_id = \(bind(keyID))") }
        if let team = filter.team { conditions.append("team = \(bind(team))") }
        if let model = filter.model {
            let placeholder = bind(model)
            conditions.append("(served_model = \(placeholder) OR requested_model = \(placeholder))")
        }
        if let code = filter.statusCode {
            conditions.append("status = \(bind(Int32(clamping: code)))")
        } else if let status = filter.status {
            conditions.append(status == .ok ? "status < 400" : "status >= 400")
        }
        if let before = filter.before {
            let ms = bind(before.timeMilliseconds)
            conditions.append("(ts_ms < \(ms) OR (ts_ms = \(ms) AND record_id < \(bind(before.recordID))))")
        }
        let limit = bind(Int64(max(1, min(filter.limit, 1000))))
        let sql = "SELECT \(UsageColumns.list) FROM usage_records" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY ts_ms DESC, record_id DESC LIMIT \(limit)"
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var out: [UsageRecord] = []
        for try await row in rows { out.append(try usageRecord(row)) }
        return out
    }

    package func record(id: String) async throws -> UsageRecord? {
        var bindings = PostgresBindings()
        bindings.append(id)
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(UsageColumns.list) FROM usage_records WHERE record_id = $1 LIMIT 1",
                                                        binds: bindings), logger: logger)
        for try await row in rows { return try usageRecord(row) }
        return nil
    }

    /// A ledger row in `UsageColumns.names` order.
    func usageRecord(_ row: PostgresRow) throws -> UsageRecord {
        let c = row.makeRandomAccess()
        var record = UsageRecord(
            recordID: try c[0].decode(String.self), time: Date(timeIntervalSince1970: Double(try c[1].decode(Int64.self)) / 1000),
            requestID: try c[2].decode(String.self), keyID: try c[3].decode(String?.self), team: try c[4].decode(String?.self),
            requestedModel: try c[5].decode(String.self), servedModel: try c[6].decode(String?.self), provider: try c[7].decode(String?.self),
            deployment: try c[8].decode(String?.self), region: try c[9].decode(String?.self), route: try c[10].decode(String?.self),
            attempts: Int(try c[11].decode(Int32.self)),
            usage: TokenUsage(promptTokens: Int(try c[12].decode(Int64.self)), completionTokens: Int(try c[13].decode(Int64.self)),
                              cachedPromptTokens: Int(try c[14].decode(Int64.self)), reasoningTokens: Int(try c[15].decode(Int64.self))),
            costPicodollars: try c[16].decode(Int64?.self), latencyMicroseconds: try c[17].decode(Int64.self), ttftMicroseconds: try c[18].decode(Int64?.self),
            status: Int(try c[19].decode(Int32.self)), errorClass: try c[20].decode(String?.self), stream: try c[21].decode(Bool.self))
        record.usageSource = try c[22].decode(String?.self).flatMap(UsageRecord.UsageSource.init(rawValue:))
        record.front = UsageRecord.Front(rawValue: try c[23].decode(String.self)) ?? .chat
        record.cacheHit = try c[24].decode(Bool.self)
        record.costSavedPicodollars = try c[25].decode(Int64?.self)
        return record
    }

    package func cost(from: Date, to: Date) async throws -> Int128 {
        let fromMs = KeyColumns.milliseconds(from), toMs = KeyColumns.milliseconds(to)
        if UsageColumns.rollupCoversHours(from: fromMs, to: toMs, now: Date()) {
            let rows = try await client.query(
                "SELECT COALESCE(SUM(cost_pusd), 0)::text FROM usage_rollup WHERE dimension = 'all' AND period_ms >= \(fromMs) AND period_ms < \(toMs)",
                logger: logger)
            for try await text in rows.decode(String.self) { return Int128(text) ?? 0 }
            return 0
        }
        let rows = try await client.query(
            "SELECT COALESCE(SUM(cost_pusd), 0)::text FROM usage_records WHERE ts_ms >= \(KeyColumns.milliseconds(from)) AND ts_ms < \(KeyColumns.milliseconds(to))",
            logger: logger)
        for try await text in rows.decode(String.self) { return Int128(text) ?? 0 }
        return 0
    }

    package func close() async {
        runner.cancel()
        _ = await runner.value
    }
}
