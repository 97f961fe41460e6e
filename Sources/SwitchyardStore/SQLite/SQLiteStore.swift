import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import NIOCore
import SQLiteNIO
import SwitchyardCore

/// The embedded store: one SQLite file in WAL mode (readers never wait for the ledger's
/// writes), one connection, one operation at a time. For a single gateway process; several
/// processes sharing limits need `PostgresStore`.
package final class SQLiteStore: GatewayStore {
    let connection: SQLiteConnection
    let lock = AsyncLock()
    private let logger: Logger
    package let description: String

    private init(connection: SQLiteConnection, description: String, logger: Logger) {
        self.connection = connection
        self.description = description
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path`, or an in-memory one for nil.
    package static func open(path: String?, logger: Logger) async throws -> SQLiteStore {
        if let path { try prepareFile(path) }
        let connection = try await SQLiteConnection.open(storage: path.map { .file(path: $0) } ?? .memory, logger: logger)
        let store = SQLiteStore(connection: connection, description: path.map { "sqlite:\($0)" } ?? "memory", logger: logger)
        if path != nil {
            _ = try await connection.query("PRAGMA journal_mode=WAL")
            _ = try await connection.query("PRAGMA synchronous=NORMAL")
        }
        _ = try await connection.query("PRAGMA busy_timeout=5000")
        return store
    }

    /// The database holds key hashes and the ledger: it is created 0600 (SQLite gives its -wal
    /// and -shm files the database's mode), in a directory created 0700 when it does not exist.
    /// An existing file readable by others is tightened to 0600.
    static func prepareFile(_ path: String) throws {
        let manager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !manager.fileExists(atPath: directory) {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let fd = systemOpen(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SQLiteStoreFileError(path: path, reason: String(cString: strerror(errno)))
        }
        fchmod(fd, 0o600)
        _ = systemClose(fd)
        for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: path + suffix) {
            chmod(path + suffix, 0o600)
        }
    }

    package func migrate() async throws {
        try await lock.withLock {
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)")
            let applied = Set(try await connection.query("SELECT version FROM schema_migrations").compactMap { $0.column("version")?.integer }.map { Int($0) })
            for migration in SQLiteSchema.migrations where !applied.contains(migration.version) {
                try await transaction { [self] in
                    for statement in migration.statements { _ = try await connection.query(statement) }
                    if migration.version == SQLiteSchema.rollupVersion { try await rebuildRollup() }
                    if migration.version == SQLiteSchema.pairRollupVersion { try await rebuildPairRollup() }
                    _ = try await connection.query("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)",
                                                   [.integer(.init(migration.version)), .integer(.init(KeyColumns.milliseconds(Date())))])
                }
            }
        }
    }

    /// Runs one statement (tests: to put a database in the state an older version left).
    func execute(_ sql: String) async throws {
        _ = try await lock.withLock { try await connection.query(sql) }
    }

    // MARK: Rollup

    /// Fills the rollup from every ledger row (the migration that adds it; the caller holds the
    /// lock, in a transaction). Reads the ledger a day at a time (the `ts_ms` index).
    private func rebuildRollup() async throws {
        _ = try await connection.query("DELETE FROM usage_rollup")
        let bounds = try await connection.query("SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM usage_records").first
        guard let low = bounds.flatMap({ int64($0, "lo") }), let high = bounds.flatMap({ int64($0, "hi") }) else { return }
        var totals: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var count = 0
        var day = EpochDay.of(milliseconds: low) * 86_400_000
        while day <= high {
            let rows = try await connection.query("SELECT \(UsageColumns.list) FROM usage_records WHERE ts_ms >= ? AND ts_ms < ?",
                                                  [.integer(.init(day)), .integer(.init(day + 86_400_000))])
            let records = rows.map(usageRecord)
            UsageRollup.aggregate(records, into: &totals)
            count += records.count
            day += 86_400_000
        }
        for (key, entry) in totals { try await writeRollup(key, entry) }
        logger.notice("usage rollup built from the ledger", metadata: ["rows": .stringConvertible(count), "entries": .stringConvertible(totals.count)])
    }

    /// Fills the pair entries from every ledger row (the migration that adds them; the caller
    /// holds the lock, in a transaction), a day at a time: a day's rows add only to that day's
    /// entries, which are written before the next day is read.
    private func rebuildPairRollup() async throws {
        _ = try await connection.query("DELETE FROM usage_pair_rollup")
        let bounds = try await connection.query("SELECT MIN(ts_ms) AS lo, MAX(ts_ms) AS hi FROM usage_records").first
        guard let low = bounds.flatMap({ int64($0, "lo") }), let high = bounds.flatMap({ int64($0, "hi") }) else { return }
        var count = 0, entries = 0
        var day = EpochDay.of(milliseconds: low) * 86_400_000
        while day <= high {
            let rows = try await connection.query("SELECT \(UsageColumns.list) FROM usage_records WHERE ts_ms >= ? AND ts_ms < ?",
                                                  [.integer(.init(day)), .integer(.init(day + 86_400_000))])
            var totals: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
            UsageRollup.aggregatePairs(rows.lazy.map(usageRecord), into: &totals)
            for (key, entry) in totals { try await writePairRollup(key, entry) }
            count += rows.count
            entries += totals.count
            day += 86_400_000
        }
        logger.notice("usage pair rollup built from the ledger", metadata: ["rows": .stringConvertible(count), "entries": .stringConvertible(entries)])
    }

    /// Adds records to their rollup and pair entries (in the caller's transaction).
    func addRollup(_ records: [UsageRecord]) async throws {
        var totals: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var pairs: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
        UsageRollup.aggregate(records, into: &totals, pairs: &pairs)
        for (key, added) in totals {
            let rows = try await connection.query(
                "SELECT \(UsageColumns.rollupList) FROM usage_rollup WHERE dimension = ? AND value = ? AND period_ms = ?",
                [.text(key.dimension.rawValue), .text(key.value), .integer(.init(key.periodMilliseconds))])
            var entry = rows.first.map(rollupTotals) ?? UsageRollup.Totals()
            entry.merge(added)
            try await writeRollup(key, entry)
        }
        for (key, added) in pairs {
            let rows = try await connection.query(
                "SELECT \(UsageColumns.pairRollupList) FROM usage_pair_rollup WHERE filter_dim = ? AND group_dim = ? AND filter_value = ? AND period_ms = ? AND group_value = ?",
                pairBinds(key))
            var entry = rows.first.map(rollupTotals) ?? UsageRollup.Totals()
            entry.merge(added)
            try await writePairRollup(key, entry)
        }
    }

    private func pairBinds(_ key: UsageRollup.PairKey) -> [SQLiteData] {
        [.text(key.filter.rawValue), .text(key.group.rawValue), .text(key.filterValue), .integer(.init(key.periodMilliseconds)), .text(key.groupValue)]
    }

    private func writePairRollup(_ key: UsageRollup.PairKey, _ entry: UsageRollup.Totals) async throws {
        let placeholders = Array(repeating: "?", count: UsageColumns.pairRollupNames.count).joined(separator: ", ")
        let binds = pairBinds(key) + UsageColumns.rollupIntegers(entry).map { .integer(.init($0)) } + [Self.histogramData(entry.latency), Self.histogramData(entry.ttft)]
        _ = try await connection.query("INSERT OR REPLACE INTO usage_pair_rollup (\(UsageColumns.pairRollupList)) VALUES (\(placeholders))", binds)
    }

    /// A filtered and grouped usage query answered from pair entries (see `UsageRollup.pairPlan`).
    private func pairRollupUsage(_ query: UsageQuery, filter: UsageRollup.Dimension, value: String, group: UsageRollup.Dimension) async throws -> [UsageGroup] {
        let sql = "SELECT \(UsageColumns.pairRollupList) FROM usage_pair_rollup WHERE filter_dim = ? AND group_dim = ? AND filter_value = ? AND period_ms >= ? AND period_ms < ?"
        let binds: [SQLiteData] = [.text(filter.rawValue), .text(group.rawValue), .text(value), .integer(.init(query.fromMilliseconds)),
                                   .integer(.init(query.toMilliseconds))]
        let rows = try await lock.withLock { try await connection.query(sql, binds) }
        let entries = rows.map { row in
            (UsageRollup.PairKey(filter: filter, filterValue: value, group: group, groupValue: row.column("group_value")?.string ?? "",
                                 periodMilliseconds: int64(row, "period_ms") ?? 0), rollupTotals(row))
        }
        return UsageRollup.pairGroups(entries)
    }

    private func writeRollup(_ key: UsageRollup.Key, _ entry: UsageRollup.Totals) async throws {
        let placeholders = Array(repeating: "?", count: UsageColumns.rollupNames.count).joined(separator: ", ")
        let binds: [SQLiteData] = [.text(key.dimension.rawValue), .text(key.value), .integer(.init(key.periodMilliseconds))]
            + UsageColumns.rollupIntegers(entry).map { .integer(.init($0)) } + [Self.histogramData(entry.latency), Self.histogramData(entry.ttft)]
        _ = try await connection.query("INSERT OR REPLACE INTO usage_rollup (\(UsageColumns.rollupList)) VALUES (\(placeholders))", binds)
    }

    private func rollupTotals(_ row: SQLiteRow) -> UsageRollup.Totals {
        var column = UsageColumns.rollupNames[3..<13].makeIterator()
        var totals = UsageColumns.rollupCounts { column.next().flatMap { int64(row, $0) } ?? 0 }
        totals.latency = Self.histogram(row.column("latency_hist"))
        totals.ttft = Self.histogram(row.column("ttft_hist"))
        return totals
    }

    /// A histogram as stored: its bytes as a BLOB (the TEXT column takes it as it is); an empty
    /// one as empty text, which no binding turns into NULL.
    private static func histogramData(_ histogram: UsageRollup.Histogram) -> SQLiteData {
        let bytes = histogram.stored
        return bytes.isEmpty ? .text("") : .blob(ByteBuffer(bytes: bytes))
    }

    /// A histogram column: the stored bytes (a BLOB), or the text versions before them wrote.
    private static func histogram(_ value: SQLiteData?) -> UsageRollup.Histogram {
        switch value {
        case .blob(let buffer): return buffer.withUnsafeReadableBytes { UsageRollup.Histogram(stored: $0) }
        case .text(let text): return UsageRollup.Histogram(text: text)
        default: return UsageRollup.Histogram()
        }
    }

    /// A usage query answered from the rollup (see `UsageRollup.plan`).
    private func rollupUsage(_ query: UsageQuery, dimension: UsageRollup.Dimension, value: String?) async throws -> [UsageGroup] {
        var sql = "SELECT \(UsageColumns.rollupList) FROM usage_rollup WHERE dimension = ? AND period_ms >= ? AND period_ms < ?"
        var binds: [SQLiteData] = [.text(dimension.rawValue), .integer(.init(query.fromMilliseconds)), .integer(.init(query.toMilliseconds))]
        if let value { sql += " AND value = ?"; binds.append(.text(value)) }
        let statement = sql, values = binds
        let rows = try await lock.withLock { try await connection.query(statement, values) }
        let entries = rows.map { row in
            (UsageRollup.Key(dimension: dimension, value: row.column("value")?.string ?? "", periodMilliseconds: int64(row, "period_ms") ?? 0),
             rollupTotals(row))
        }
        return UsageRollup.groups(entries, grouping: query.groupBy)
    }

    // MARK: Keys

    package func insertKey(_ key: VirtualKey) async throws {
        try await insertKeys([key])
    }

    package func insertKeys(_ keys: [VirtualKey]) async throws {
        guard !keys.isEmpty else { return }
        try await lock.withLock {
            try await transaction { [self] in
                for key in keys {
                    let c = KeyColumns(key)
                    _ = try await connection.query(
                        "INSERT INTO api_keys (\(KeyColumns.columnList)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [.text(c.id), .text(c.hash), .text(c.hint), .text(c.name), text(c.team), .text(c.models), text(c.region), int(c.rpm),
                         int(c.tpm), int(c.budgetPicodollars), text(c.budgetPeriod), int(c.expiresAtMs), int(c.revokedAtMs), int(c.createdAtMs)])
                }
            }
        }
    }

    package func allKeys() async throws -> [VirtualKey] {
        try await keyChanges(after: KeyChanges.everything).keys
    }

    package func keyChanges(after version: Int64, limit: Int) async throws -> KeyChanges {
        let rows = try await lock.withLock {
            try await connection.query("SELECT \(KeyColumns.columnList), change_seq FROM api_keys WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
                                       [.integer(.init(version)), .integer(.init(max(0, limit)))])
        }
        var newest = version
        let keys = rows.map { row in
            newest = max(newest, int64(row, "change_seq") ?? newest)
            return KeyColumns(
                id: row.column("id")?.string ?? "", hash: row.column("key_hash")?.string ?? "", hint: row.column("key_hint")?.string ?? "",
                name: row.column("name")?.string ?? "", team: row.column("team")?.string, models: row.column("models")?.string ?? "",
                region: row.column("region")?.string, rpm: int64(row, "rpm"), tpm: int64(row, "tpm"),
                budgetPicodollars: int64(row, "budget_pusd"), budgetPeriod: row.column("budget_period")?.string,
                expiresAtMs: int64(row, "expires_at_ms"), revokedAtMs: int64(row, "revoked_at_ms"), createdAtMs: int64(row, "created_at_ms") ?? 0
            ).key
        }
        return KeyChanges(keys: keys, version: newest)
    }

    /// One process owns a SQLite file: its own admin API changes its keys, nothing to watch.
    package func watchKeyChanges(_ changed: @escaping @Sendable () -> Void) async throws {}

    package func revokeKey(id: String, at date: Date) async throws -> Bool {
        try await lock.withLock {
            let rows = try await connection.query(
                "UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE id = ? RETURNING id",
                [.integer(.init(KeyColumns.milliseconds(date))), .text(id)])
            return !rows.isEmpty
        }
    }

    package func updateKey(_ key: VirtualKey) async throws -> Bool {
        let c = KeyColumns(key)
        return try await lock.withLock {
            let rows = try await connection.query(
                """
                UPDATE api_keys SET name = ?, team = ?, models = ?, region = ?, rpm = ?, tpm = ?, budget_pusd = ?, budget_period = ?,
                    expires_at_ms = ? WHERE id = ? RETURNING id
                """,
                [.text(c.name), text(c.team), .text(c.models), text(c.region), int(c.rpm), int(c.tpm), int(c.budgetPicodollars),
                 text(c.budgetPeriod), int(c.expiresAtMs), .text(c.id)])
            return !rows.isEmpty
        }
    }

    // MARK: Ledger

    package func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await lock.withLock {
            // Nearly every batch is new: insert without returning rows and compare the count.
            // Only a batch retried after a lost commit has rows already written; it is redone
            // row by row below, so that what was written before is not billed twice.
            do {
                try await transaction { [self] in
                    var written = 0
                    for slice in Self.slices(of: records) {
                        _ = try await connection.query(insertSQL(rows: slice.count), slice.flatMap(row))
                        written += try await changes()
                    }
                    guard written == records.count else { throw PartlyWritten() }
                    try await addSpend(records)
                    try await addRollup(records)
                }
            } catch is PartlyWritten {
                try await transaction { [self] in
                    var inserted: [UsageRecord] = []
                    let byID = Dictionary(records.map { ($0.recordID, $0) }, uniquingKeysWith: { first, _ in first })
                    for slice in Self.slices(of: records) {
                        let rows = try await connection.query(insertSQL(rows: slice.count) + " RETURNING record_id", slice.flatMap(row))
                        inserted += rows.compactMap { $0.column("record_id")?.string.flatMap { byID[$0] } }
                    }
                    try await addSpend(inserted)
                    try await addRollup(inserted)
                }
            }
        }
    }

    /// A batch some of whose rows were already in the ledger.
    private struct PartlyWritten: Error {}

    static func slices(of records: [UsageRecord]) -> [ArraySlice<UsageRecord>] {
        stride(from: 0, to: records.count, by: UsageColumns.rowsPerStatement).map {
            records[$0..<min(records.count, $0 + UsageColumns.rowsPerStatement)]
        }
    }

    /// A record already written (a retried batch) is skipped, and not billed twice.
    func insertSQL(rows: Int) -> String {
        let placeholders = "(" + Array(repeating: "?", count: UsageColumns.names.count).joined(separator: ", ") + ")"
        return "INSERT INTO usage_records (\(UsageColumns.list)) VALUES " + Array(repeating: placeholders, count: rows).joined(separator: ", ")
            + " ON CONFLICT (record_id) DO NOTHING"
    }

    func changes() async throws -> Int {
        try await connection.query("SELECT changes() AS n").first?.column("n")?.integer ?? 0
    }

    func addSpend(_ records: [UsageRecord]) async throws {
        let now = SQLiteData.integer(.init(KeyColumns.milliseconds(Date())))
        for (key, cost) in records.spendByKeyAndDay {
            _ = try await connection.query(
                "INSERT INTO key_spend (key_id, day, spent_pusd, updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (key_id, day) DO UPDATE SET spent_pusd = CASE WHEN spent_pusd > \(Picodollars.ceiling) - excluded.spent_pusd THEN \(Picodollars.ceiling) ELSE spent_pusd + excluded.spent_pusd END, updated_at_ms = excluded.updated_at_ms",
                [.text(key.keyID), .integer(.init(key.day)), .integer(.init(cost)), now])
        }
    }

    func row(_ r: UsageRecord) -> [SQLiteData] {
        [.text(r.recordID), int(r.timeMilliseconds), .text(r.requestID), text(r.keyID), text(r.team), .text(r.requestedModel), text(r.servedModel),
         text(r.provider), text(r.deployment), text(r.region), text(r.route), int(Int64(r.attempts)), int(Int64(r.usage.promptTokens)),
         int(Int64(r.usage.completionTokens)), int(Int64(r.usage.cachedPromptTokens)), int(Int64(r.usage.reasoningTokens)),
         int(r.costPicodollars), int(r.latencyMicroseconds), int(r.ttftMicroseconds), int(Int64(r.status)), text(r.errorClass),
         int(r.stream ? 1 : 0), text(r.usageSource?.rawValue), .text(r.front.rawValue),
         int(r.cacheHit ? 1 : 0), int(r.costSavedPicodollars), text(r.batchID), text(r.customID)]
    }

    // MARK: Counters and spend

    package func syncCounters(replica: String, minute: Int64, uses: [CounterUse], now: Date, liveSince: Date) async throws -> CounterSync {
        try await lock.withLock {
            try await transaction { [self] in
                _ = try await connection.query(
                    "INSERT INTO replicas (id, seen_at_ms) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_at_ms = excluded.seen_at_ms",
                    [.text(replica), .integer(.init(KeyColumns.milliseconds(now)))])
                let live = try await connection.query("SELECT COUNT(*) AS n FROM replicas WHERE seen_at_ms >= ?",
                                                      [.integer(.init(KeyColumns.milliseconds(liveSince)))])
                let replicas = max(1, Int(live.first.flatMap { int64($0, "n") } ?? 1))
                _ = try await connection.query("DELETE FROM rate_counters WHERE minute < ?", [.integer(.init(minute - 2))])
                var grants: [String: CounterSync.Grant] = [:]
                // The whole database is locked for the transaction: claims are serialised.
                for use in uses.sorted(by: { $0.keyID < $1.keyID }) {
                    let row = try await connection.query(
                        "SELECT COALESCE(SUM(requests), 0) AS r, COALESCE(SUM(tokens), 0) AS t, COUNT(*) AS n FROM rate_counters WHERE key_id = ? AND minute = ? AND replica <> ?",
                        [.text(use.keyID), .integer(.init(minute)), .text(replica)]).first
                    let others = OtherClaims(requests: Int(row.flatMap { int64($0, "r") } ?? 0), tokens: Int(row.flatMap { int64($0, "t") } ?? 0),
                                             replicas: Int(row.flatMap { int64($0, "n") } ?? 0))
                    let grant = others.grant(for: use, replicas: replicas)
                    grants[use.keyID] = grant
                    _ = try await connection.query(
                        "INSERT INTO rate_counters (key_id, minute, replica, requests, tokens) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id, minute, replica) DO UPDATE SET requests = excluded.requests, tokens = excluded.tokens",
                        [.text(use.keyID), .integer(.init(minute)), .text(replica), .integer(.init(grant.requests?.claim ?? use.requests)),
                         .integer(.init(grant.tokens?.claim ?? use.tokens))])
                }
                let active = try await connection.query("SELECT DISTINCT key_id FROM rate_counters WHERE minute = ? AND replica <> ?",
                                                        [.integer(.init(minute)), .text(replica)])
                return CounterSync(grants: grants, replicas: replicas, activeKeys: Set(active.compactMap { $0.column("key_id")?.string }))
            }
        }
    }

    package func spend(now: Date) async throws -> [String: [BudgetPeriod: Int64]] {
        try await spendChanges(since: nil, now: now).spend
    }

    package func spendChanges(since: Int64?, now: Date) async throws -> SpendChanges {
        let readAt = KeyColumns.milliseconds(Date())
        let today = EpochDay.of(now)
        let monthStart = EpochDay.of(BudgetPeriod.month.start(containing: now))
        // Summed in SQL, one row per key. Rows out of range or of the wrong type (a REAL an older
        // version let overflow, a hand edit) and sums past SQLite's integer range (SUM fails on
        // overflow) take the slow path, which repairs the rows and sums with saturation.
        let changed = since == nil ? "" : "WHERE key_id IN (SELECT key_id FROM key_spend WHERE updated_at_ms >= ?)"
        var bindings: [SQLiteData] = [.integer(.init(today)), .integer(.init(monthStart))]
        if let since { bindings.append(.integer(.init(since))) }
        let sums = try? await lock.withLock {
            try await connection.query("""
                SELECT key_id, SUM(CASE WHEN day >= ? THEN spent_pusd ELSE 0 END) AS d, SUM(CASE WHEN day >= ? THEN spent_pusd ELSE 0 END) AS m,
                       SUM(spent_pusd) AS t,
                       SUM(CASE WHEN typeof(spent_pusd) = 'integer' AND spent_pusd BETWEEN 0 AND \(Picodollars.ceiling) THEN 0 ELSE 1 END) AS bad
                FROM key_spend \(changed) GROUP BY key_id
                """, bindings)
        }
        if let sums, !sums.contains(where: { (int64($0, "bad") ?? 0) > 0 }) {
            var out: [String: [BudgetPeriod: Int64]] = [:]
            for row in sums {
                guard let key = row.column("key_id")?.string else { continue }
                out[key] = [.day: Picodollars.clamp(int64(row, "d") ?? 0), .month: Picodollars.clamp(int64(row, "m") ?? 0),
                            .total: Picodollars.clamp(int64(row, "t") ?? 0)]
            }
            return SpendChanges(spend: out, readAt: readAt)
        }
        return SpendChanges(spend: try await spendRepairingRows(today: today, monthStart: monthStart), readAt: readAt)
    }

    /// Reads every spend row, repairs those out of range or of the wrong type (with a warning)
    /// and sums with saturation.
    private func spendRepairingRows(today: Int64, monthStart: Int64) async throws -> [String: [BudgetPeriod: Int64]] {
        let rows = try await lock.withLock {
            try await connection.query("SELECT key_id, day, spent_pusd FROM key_spend")
        }
        var out: [String: [BudgetPeriod: Int64]] = [:]
        var repaired = 0
        for row in rows {
            guard let key = row.column("key_id")?.string else { continue }
            let day = int64(row, "day") ?? 0
            let (spent, outOfRange) = Picodollars.repaired(int64(row, "spent_pusd") ?? 0)
            var isInteger = false
            if case .integer = row.column("spent_pusd") { isInteger = true }
            if outOfRange || !isInteger {  // REAL and TEXT rows are rewritten as integers
                repaired += 1
                _ = try? await lock.withLock {
                    try await connection.query("UPDATE key_spend SET spent_pusd = ? WHERE key_id = ? AND day = ?",
                                               [.integer(.init(spent)), .text(key), .integer(.init(day))])
                }
            }
            var periods = out[key] ?? [.day: 0, .month: 0, .total: 0]
            if day >= today { periods[.day] = Picodollars.add(periods[.day] ?? 0, spent) }
            if day >= monthStart { periods[.month] = Picodollars.add(periods[.month] ?? 0, spent) }
            periods[.total] = Picodollars.add(periods[.total] ?? 0, spent)
            out[key] = periods
        }
        if repaired > 0 {
            logger.warning("key spend rows out of range or of the wrong type were repaired (clamped to 0…$9M)", metadata: [
                "rows": .stringConvertible(repaired), "store": .string(description)])
        }
        return out
    }

    // MARK: Usage queries

    package func usage(_ query: UsageQuery) async throws -> [UsageGroup] {
        if let plan = UsageRollup.plan(query, now: Date()) {
            return try await rollupUsage(query, dimension: plan.dimension, value: plan.value)
        }
        if let plan = UsageRollup.pairPlan(query, now: Date()) {
            return try await pairRollupUsage(query, filter: plan.filter, value: plan.value, group: plan.group)
        }
        let group = UsageColumns.groupExpression(query.groupBy, day: "strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch')",
                                                 hour: "strftime('%Y-%m-%dT%H:00Z', ts_ms / 1000, 'unixepoch')")
        var condition = "ts_ms >= ? AND ts_ms < ?"
        var binds: [SQLiteData] = [.integer(.init(query.fromMilliseconds)), .integer(.init(query.toMilliseconds))]
        for (column, value) in query.filters.columns {
            condition += " AND \(column) = ?"
            binds.append(.text(value))
        }
        let range = binds
        let (totals, timings) = try await lock.withLock {
            let totals = try await connection.query("""
                SELECT \(group) AS g, COUNT(*) AS n, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
                       SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(cached_tokens) AS ca, SUM(reasoning_tokens) AS r,
                       SUM(cost_pusd) AS cost, SUM(CASE WHEN cost_pusd IS NULL AND status < 400 THEN 1 ELSE 0 END) AS unpriced,
                       SUM(cache_hit) AS hits, SUM(cost_saved_pusd) AS saved
                FROM usage_records WHERE \(condition) GROUP BY g
                """, range)
            // SQLite has no percentile function: each group's latencies and TTFTs, read in one
            // pass over the rows and sorted here (two ordered queries read the rows twice more
            // and sorted them in SQLite: 1.2-1.5 s for a model's 250,000 rows of a month).
            let timings = try await connection.query(
                "SELECT \(group) AS g, latency_us, ttft_us FROM usage_records WHERE \(condition)", range)
            return (totals, timings)
        }
        var sorted: [String: [Int64]] = [:]
        var sortedTTFT: [String: [Int64]] = [:]
        for row in timings {
            let name = row.column("g")?.string ?? "(none)"
            sorted[name, default: []].append(int64(row, "latency_us") ?? 0)
            if let ttft = int64(row, "ttft_us") { sortedTTFT[name, default: []].append(ttft) }
        }
        for name in sorted.keys { sorted[name]?.sort() }
        for name in sortedTTFT.keys { sortedTTFT[name]?.sort() }
        return totals.map { row in
            let name = row.column("g")?.string ?? "(none)"
            let values = sorted[name] ?? []
            let ttft = sortedTTFT[name] ?? []
            var group = UsageGroup(
                group: name, requests: Int(int64(row, "n") ?? 0), errors: Int(int64(row, "errors") ?? 0),
                promptTokens: Int(int64(row, "p") ?? 0), completionTokens: Int(int64(row, "c") ?? 0), cachedTokens: Int(int64(row, "ca") ?? 0),
                reasoningTokens: Int(int64(row, "r") ?? 0), cost: Picodollars.usd(int64(row, "cost") ?? 0),
                unpricedRequests: Int(int64(row, "unpriced") ?? 0),
                latencyP50Ms: LatencyPercentiles.of(sorted: values, 0.50), latencyP95Ms: LatencyPercentiles.of(sorted: values, 0.95),
                latencyP99Ms: LatencyPercentiles.of(sorted: values, 0.99))
            group.cacheHits = Int(int64(row, "hits") ?? 0)
            group.costSaved = Picodollars.usd(int64(row, "saved") ?? 0)
            group.ttftP50Ms = LatencyPercentiles.of(sorted: ttft, 0.50)
            group.ttftP95Ms = LatencyPercentiles.of(sorted: ttft, 0.95)
            group.ttftP99Ms = LatencyPercentiles.of(sorted: ttft, 0.99)
            return group
        }
    }

    package func records(_ filter: LedgerFilter) async throws -> [UsageRecord] {
        var conditions: [String] = []
        var binds: [SQLiteData] = []
        if let keyID = filter.keyID { conditions.append("key_id = ?"); binds.append(.text(keyID)) }
        if let team = filter.team { conditions.append("team = ?"); binds.append(.text(team)) }
        if let model = filter.model {
            conditions.append("(served_model = ? OR requested_model = ?)")
            binds += [.text(model), .text(model)]
        }
        if let code = filter.statusCode {
            conditions.append("status = ?")
            binds.append(.integer(.init(code)))
        } else if let status = filter.status {
            conditions.append(status == .ok ? "status < 400" : "status >= 400")
        }
        if let before = filter.before {
            conditions.append("(ts_ms < ? OR (ts_ms = ? AND record_id < ?))")
            binds += [.integer(.init(before.timeMilliseconds)), .integer(.init(before.timeMilliseconds)), .text(before.recordID)]
        }
        binds.append(.integer(.init(max(1, min(filter.limit, 1000)))))
        let sql = "SELECT \(UsageColumns.list) FROM usage_records" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY ts_ms DESC, record_id DESC LIMIT ?"
        let values = binds
        let rows = try await lock.withLock { try await connection.query(sql, values) }
        return rows.map(usageRecord)
    }

    package func record(id: String) async throws -> UsageRecord? {
        let rows = try await lock.withLock {
            try await connection.query("SELECT \(UsageColumns.list) FROM usage_records WHERE record_id = ?", [.text(id)])
        }
        return rows.first.map(usageRecord)
    }

    private func usageRecord(_ row: SQLiteRow) -> UsageRecord {
        var record = UsageRecord(
            recordID: row.column("record_id")?.string ?? "", time: Date(timeIntervalSince1970: Double(int64(row, "ts_ms") ?? 0) / 1000),
            requestID: row.column("request_id")?.string ?? "", keyID: row.column("key_id")?.string, team: row.column("team")?.string,
            requestedModel: row.column("requested_model")?.string ?? "", servedModel: row.column("served_model")?.string,
            provider: row.column("provider")?.string, deployment: row.column("deployment")?.string, region: row.column("region")?.string,
            route: row.column("route")?.string, attempts: Int(int64(row, "attempts") ?? 0),
            usage: TokenUsage(promptTokens: Int(int64(row, "prompt_tokens") ?? 0), completionTokens: Int(int64(row, "completion_tokens") ?? 0),
                              cachedPromptTokens: Int(int64(row, "cached_tokens") ?? 0), reasoningTokens: Int(int64(row, "reasoning_tokens") ?? 0)),
            costPicodollars: int64(row, "cost_pusd"), latencyMicroseconds: int64(row, "latency_us") ?? 0, ttftMicroseconds: int64(row, "ttft_us"),
            status: Int(int64(row, "status") ?? 0), errorClass: row.column("error_class")?.string, stream: (int64(row, "stream") ?? 0) != 0)
        record.usageSource = row.column("usage_source")?.string.flatMap(UsageRecord.UsageSource.init(rawValue:))
        record.front = row.column("front")?.string.flatMap(UsageRecord.Front.init(rawValue:)) ?? .chat
        record.cacheHit = (int64(row, "cache_hit") ?? 0) != 0
        record.costSavedPicodollars = int64(row, "cost_saved_pusd")
        return record
    }

    package func cost(from: Date, to: Date) async throws -> Int128 {
        let fromMs = KeyColumns.milliseconds(from), toMs = KeyColumns.milliseconds(to)
        if UsageColumns.rollupCoversHours(from: fromMs, to: toMs, now: Date()) {
            let rows = try await lock.withLock {
                try await connection.query("SELECT SUM(cost_pusd) AS cost FROM usage_rollup WHERE dimension = 'all' AND period_ms >= ? AND period_ms < ?",
                                           [.integer(.init(fromMs)), .integer(.init(toMs))])
            }
            return Int128(rows.first.flatMap { int64($0, "cost") } ?? 0)
        }
        let rows = try await lock.withLock {
            try await connection.query("SELECT SUM(cost_pusd) AS cost FROM usage_records WHERE ts_ms >= ? AND ts_ms < ?",
                                       [.integer(.init(KeyColumns.milliseconds(from))), .integer(.init(KeyColumns.milliseconds(to)))])
        }
        return Int128(rows.first.flatMap { int64($0, "cost") } ?? 0)
    }

    package func close() async {
        // In a task of its own: sqlite-nio drops the close of a cancelled task (the service
        // group cancels everything when the server cannot start), and an unclosed connection
        // traps in debug builds and skips the WAL checkpoint.
        let connection = self.connection
        await Task { try? await connection.close() }.value
    }

    // MARK: Helpers

    /// Runs `body` in a transaction; the caller holds the lock.
    ///
    /// The transaction runs in a task of its own, which the caller's cancellation does not
    /// reach: sqlite-nio drops a statement whose task is cancelled before it runs, so a
    /// cancelled caller (the sync loop stopping at shutdown) would otherwise leave `BEGIN`
    /// without its `COMMIT` or `ROLLBACK`, and every later transaction on the one connection
    /// would fail ("cannot start a transaction within a transaction") — the ledger's last
    /// batches among them.
    func transaction<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let connection = self.connection
        return try await Task {
            try await Self.begin(connection)
            do {
                let result = try await body()
                _ = try await connection.query("COMMIT")
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }.value
    }

    /// `BEGIN IMMEDIATE`; a transaction left open by a failure (a `ROLLBACK` that itself
    /// failed) is rolled back first, once, instead of blocking the store for good.
    private static func begin(_ connection: SQLiteConnection) async throws {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            guard String(describing: error).contains("within a transaction") else { throw error }
            _ = try? await connection.query("ROLLBACK")
            _ = try await connection.query("BEGIN IMMEDIATE")
        }
    }

    // MARK: Files

    package func insertFile(_ file: StoredFile) async throws {
        try await lock.withLock {
            _ = try await connection.query(
                "INSERT INTO files (id, key_id, filename, purpose, bytes, lines, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(file.id), text(file.keyID), .text(file.filename), .text(file.purpose), .integer(.init(file.bytes)),
                 .integer(.init(file.lines)), .integer(.init(KeyColumns.milliseconds(file.createdAt)))])
        }
    }

    package func file(id: String) async throws -> StoredFile? {
        let rows = try await lock.withLock {
            try await connection.query("SELECT id, key_id, filename, purpose, bytes, lines, created_at_ms FROM files WHERE id = ?", [.text(id)])
        }
        return rows.first.map(storedFile)
    }

    package func files(keyID: String?, purpose: String?, after: String?, limit: Int) async throws -> [StoredFile] {
        var sql = "SELECT id, key_id, filename, purpose, bytes, lines, created_at_ms FROM files WHERE key_id IS ?"
        var binds: [SQLiteData] = [text(keyID)]
        if let purpose { sql += " AND purpose = ?"; binds.append(.text(purpose)) }
        if let after {
            sql += " AND (created_at_ms, id) < (SELECT created_at_ms, id FROM files WHERE id = ?)"
            binds.append(.text(after))
        }
        sql += " ORDER BY created_at_ms DESC, id DESC LIMIT ?"
        binds.append(.integer(.init(limit)))
        let query = sql
        let values = binds
        let rows = try await lock.withLock { try await connection.query(query, values) }
        return rows.map(storedFile)
    }

    package func deleteFile(id: String) async throws -> Bool {
        try await lock.withLock {
            !(try await connection.query("DELETE FROM files WHERE id = ? RETURNING id", [.text(id)]).isEmpty)
        }
    }

    private func storedFile(_ row: SQLiteRow) -> StoredFile {
        StoredFile(id: row.column("id")?.string ?? "", keyID: row.column("key_id")?.string, filename: row.column("filename")?.string ?? "",
                   purpose: row.column("purpose")?.string ?? "", bytes: int64(row, "bytes") ?? 0, lines: Int(int64(row, "lines") ?? 0),
                   createdAt: Date(timeIntervalSince1970: Double(int64(row, "created_at_ms") ?? 0) / 1000))
    }

    func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
    func int(_ value: Int64?) -> SQLiteData { value.map { .integer(.init($0)) } ?? .null }
    /// A column as an integer, never trapping: SQLite stores an integer that overflowed as REAL
    /// (sqlite-nio's `integer` would trap converting it), which saturates here.
    func int64(_ row: SQLiteRow, _ column: String) -> Int64? {
        switch row.column(column) {
        case .integer(let value): return Int64(value)
        case .float(let value): return Picodollars.fromStored(value)
        case .text(let text): return Int64(text)
        default: return nil
        }
    }
}

struct SQLiteStoreFileError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot create the database file \(path): \(reason)" }
}

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}

private func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
