import Foundation
import NIOCore
import PostgresNIO
import SwitchyardCore

/// The usage rollup on PostgreSQL (`UsageRollup`, `UsageRollup+Pairs`): built from the ledger by
/// the migrations that add it, merged with each batch in the batch's transaction, and read by
/// usage queries that it can answer.
///
/// A batch's entries are merged in three statements per table and thousand entries, whatever
/// their number: create the missing ones (empty), lock them all (`FOR UPDATE`, in key order)
/// and read them, then write them back merged — every key and value column bound as one array
/// (`unnest`). Every entry is created before any is locked, and both in one order by every
/// writer, so writers (replicas', and one replica's two) writing the same entries at once wait
/// for each other and add up, without deadlock.
extension PostgresStore {
    // MARK: Building from the ledger

    /// Fills the rollup (`entries`) and the pair entries (`pairs`) from every ledger row (the
    /// migrations that add them, in their transaction), in one read of the ledger a day at a
    /// time (the `ts_ms` index; a month is one partition). Every entry is an hour's or a day's,
    /// so a day's rows add only to that day's entries, which are written before the next day is
    /// read: memory holds one day's entries, not the ledger's.
    func rebuildRollups(_ connection: PostgresConnection, entries: Bool, pairs: Bool) async throws {
        if entries { try await connection.query("DELETE FROM usage_rollup", logger: logger) }
        if pairs { try await connection.query("DELETE FROM usage_pair_rollup", logger: logger) }
        var written = (entries: 0, pairs: 0)
        var day: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var dayPairs: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
        let count = try await forEachLedgerDay(connection) { page in
            switch (entries, pairs) {
            case (true, true): UsageRollup.aggregate(page, into: &day, pairs: &dayPairs)
            case (true, false): UsageRollup.aggregate(page, into: &day)
            case (false, true): UsageRollup.aggregatePairs(page, into: &dayPairs)
            case (false, false): break
            }
        } endOfDay: { [self] in
            try await writeEntries(day.sorted { UsageRollup.Key.ordered($0.key, $1.key) }, connection)
            try await writeEntries(dayPairs.sorted { UsageRollup.PairKey.ordered($0.key, $1.key) }, connection)
            written.entries += day.count
            written.pairs += dayPairs.count
            day = [:]
            dayPairs = [:]
        }
        logger.notice("usage rollup built from the ledger", metadata: [
            "rows": .stringConvertible(count), "entries": .stringConvertible(written.entries), "pair_entries": .stringConvertible(written.pairs),
        ])
    }

    /// Reads the ledger a day at a time, in pages; returns the number of rows read.
    private func forEachLedgerDay(_ connection: PostgresConnection, _ body: ([UsageRecord]) -> Void,
                                  endOfDay: () async throws -> Void = {}) async throws -> Int {
        var low: Int64?, high: Int64?
        for try await (lo, hi) in try await connection.query("SELECT MIN(ts_ms), MAX(ts_ms) FROM usage_records", logger: logger)
            .decode((Int64?, Int64?).self) {
            (low, high) = (lo, hi)
        }
        guard let low, let high else { return 0 }
        var count = 0
        var day = EpochDay.of(milliseconds: low) * 86_400_000
        while day <= high {
            let end = day + 86_400_000
            var page: [UsageRecord] = []
            let rows = try await connection.query("SELECT \(unescaped: UsageColumns.list) FROM usage_records WHERE ts_ms >= \(day) AND ts_ms < \(end)",
                                                  logger: logger)
            for try await row in rows {
                page.append(try usageRecord(row))
                if page.count == 10_000 { body(page); count += page.count; page.removeAll(keepingCapacity: true) }
            }
            body(page)
            count += page.count
            try await endOfDay()
            day = end
        }
        return count
    }

    // MARK: Merging a batch

    /// Adds records to their rollup and pair entries in the caller's transaction.
    func addRollup(_ records: [UsageRecord], _ connection: PostgresConnection) async throws {
        guard !records.isEmpty else { return }
        var totals: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var pairs: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
        UsageRollup.aggregate(records, into: &totals, pairs: &pairs)
        try await merge(totals.sorted { UsageRollup.Key.ordered($0.key, $1.key) }, connection)
        try await merge(pairs.sorted { UsageRollup.PairKey.ordered($0.key, $1.key) }, connection)
    }

    /// Adds entries (in key order) to those stored, a thousand per statement: create the
    /// missing ones (empty), then lock them and read them (`FOR UPDATE`), then write them back
    /// merged. The histograms are merged here, not in SQL: merging two 300-bucket texts took
    /// PostgreSQL 0.3–1 ms, so a batch touching a thousand busy entries spent most of a second on it.
    ///
    /// Every writer (two per replica, and every replica) takes its locks in one global order,
    /// so none waits for another in a cycle: all of a batch's entries are created before any
    /// is locked (an entry another writer has just created, not yet committed, is waited for
    /// while this writer holds no entry lock), and both steps follow the order the entries are
    /// sent in (`WITH ORDINALITY … ORDER BY n`: the key order above, whatever the database's
    /// collation and wherever a thousand-entry slice ends).
    private func merge<Key: RollupRow>(_ added: [(key: Key, value: UsageRollup.Totals)], _ connection: PostgresConnection) async throws {
        let names = Key.columns.map(\.name)
        let arrays = Key.columns.enumerated().map { "$\($0.offset + 1)::\($0.element.type)[]" }.joined(separator: ", ")
        let unnest = "unnest(\(arrays)) WITH ORDINALITY AS u(\(names.joined(separator: ", ")), n)"
        let slices = stride(from: 0, to: added.count, by: 1_000).map { added[$0..<min(added.count, $0 + 1_000)] }
        let zeros = Array(repeating: "0", count: 10).joined(separator: ", ")
        for slice in slices {
            var bindings = PostgresBindings()
            Key.bind(slice.map(\.key), into: &bindings)
            try await connection.query(PostgresQuery(unsafeSQL: """
                INSERT INTO \(Key.table) (\(Key.list)) SELECT \(names.map { "u." + $0 }.joined(separator: ", ")), \(zeros), ''::bytea, ''::bytea
                FROM \(unnest) ORDER BY u.n
                ON CONFLICT (\(names.joined(separator: ", "))) DO NOTHING
                """, binds: bindings), logger: logger)
        }
        let join = names.map { "r.\($0) = u.\($0)" }.joined(separator: " AND ")
        let columns = Key.list.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        for slice in slices {
            var bindings = PostgresBindings()
            Key.bind(slice.map(\.key), into: &bindings)
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(columns) FROM \(Key.table) r JOIN \(unnest) ON \(join) ORDER BY u.n FOR UPDATE OF r
                """, binds: bindings), logger: logger)
            var stored: [Key: UsageRollup.Totals] = [:]
            for try await row in rows {
                let c = row.makeRandomAccess()
                stored[try Key(c)] = try Self.totals(c, from: Key.columns.count)
            }
            try await writeEntries(slice.map { entry in
                var merged = stored[entry.key] ?? UsageRollup.Totals()
                merged.merge(entry.value)
                return (entry.key, merged)
            }, connection)
        }
    }

    /// Writes whole entries (replacing those stored), a thousand per statement, every column
    /// bound as one array.
    private func writeEntries<Key: RollupRow>(_ entries: [(key: Key, value: UsageRollup.Totals)], _ connection: PostgresConnection) async throws {
        let set = UsageColumns.rollupNames.dropFirst(3).map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let types = Key.columns.map(\.type) + Array(repeating: "bigint", count: 10) + ["bytea", "bytea"]
        let arrays = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
        let sql = """
            INSERT INTO \(Key.table) (\(Key.list)) SELECT * FROM unnest(\(arrays))
            ON CONFLICT (\(Key.columns.map(\.name).joined(separator: ", "))) DO UPDATE SET \(set)
            """
        var start = 0
        while start < entries.count {
            let slice = entries[start..<min(entries.count, start + 1_000)]
            var bindings = PostgresBindings(capacity: types.count)
            Key.bind(slice.map(\.key), into: &bindings)
            let integers = slice.map { UsageColumns.rollupIntegers($0.value) }
            for column in 0..<10 { bindings.append(integers.map { $0[column] }) }
            bindings.append(slice.map { ByteBuffer(bytes: $0.value.latency.stored) })
            bindings.append(slice.map { ByteBuffer(bytes: $0.value.ttft.stored) })
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            start += slice.count
        }
    }

    /// An entry's totals from its row: ten integers and two histograms (BYTEA, read in place)
    /// after `keyColumns` key columns.
    static func totals(_ c: PostgresRandomAccessRow, from keyColumns: Int) throws -> UsageRollup.Totals {
        var column = keyColumns
        func next() -> Int { defer { column += 1 }; return column }
        var totals = try UsageColumns.rollupCounts { try c[next()].decode(Int64.self) }
        func histogram() throws -> UsageRollup.Histogram {
            try c[next()].decode(ByteBuffer.self).withUnsafeReadableBytes { UsageRollup.Histogram(stored: $0) }
        }
        totals.latency = try histogram()
        totals.ttft = try histogram()
        return totals
    }

    // MARK: Reading

    /// A usage query answered from the rollup (see `UsageRollup.plan`): each entry is added to
    /// its group as it arrives, its histograms from their bytes in place.
    func rollupUsage(_ query: UsageQuery, dimension: UsageRollup.Dimension, value: String?) async throws -> [UsageGroup] {
        var bindings = PostgresBindings()
        bindings.append(dimension.rawValue)
        bindings.append(query.fromMilliseconds)
        bindings.append(query.toMilliseconds)
        var sql = "SELECT value, period_ms, \(UsageColumns.rollupTotalsList) FROM usage_rollup WHERE dimension = $1 AND period_ms >= $2 AND period_ms < $3"
        if let value {
            sql += " AND value = $4"
            bindings.append(value)
        }
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var report = UsageRollup.Report()
        for try await row in rows {
            var cells = row.makeIterator()
            let key = UsageRollup.Key(dimension: dimension, value: try Self.next(&cells, String.self), periodMilliseconds: try Self.next(&cells, Int64.self))
            try Self.addEntry(&cells, to: UsageRollup.label(key, grouping: query.groupBy), in: &report)
        }
        return report.groups
    }

    /// A filtered and grouped usage query answered from pair entries (see `UsageRollup.pairPlan`).
    func pairRollupUsage(_ query: UsageQuery, filter: UsageRollup.Dimension, value: String, group: UsageRollup.Dimension) async throws -> [UsageGroup] {
        var bindings = PostgresBindings()
        bindings.append(filter.rawValue)
        bindings.append(group.rawValue)
        bindings.append(value)
        bindings.append(query.fromMilliseconds)
        bindings.append(query.toMilliseconds)
        let sql = """
            SELECT group_value, \(UsageColumns.rollupTotalsList) FROM usage_pair_rollup
            WHERE filter_dim = $1 AND group_dim = $2 AND filter_value = $3 AND period_ms >= $4 AND period_ms < $5
            """
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var report = UsageRollup.Report()
        for try await row in rows {
            var cells = row.makeIterator()
            try Self.addEntry(&cells, to: try Self.next(&cells, String.self), in: &report)
        }
        return report.groups
    }

    /// Adds the entry in a row's next cells (`UsageColumns.rollupTotalsList`: ten integers,
    /// then two histograms) to `group`.
    private static func addEntry(_ cells: inout PostgresRow.Iterator, to group: String, in report: inout UsageRollup.Report) throws {
        let counts = try UsageColumns.rollupCounts { try next(&cells, Int64.self) }
        let latency = try next(&cells, ByteBuffer.self), ttft = try next(&cells, ByteBuffer.self)
        latency.withUnsafeReadableBytes { latency in
            ttft.withUnsafeReadableBytes { ttft in report.add(counts: counts, latency: latency, ttft: ttft, to: group) }
        }
    }

    private static func next<Value: PostgresDecodable>(_ cells: inout PostgresRow.Iterator, _: Value.Type) throws -> Value {
        guard let cell = cells.next() else { throw PostgresRollupError(description: "usage rollup row with too few columns") }
        return try cell.decode(Value.self)
    }
}

/// A rollup table's key: its columns (name and PostgreSQL type), bound as one array each.
protocol RollupRow: Hashable {
    static var table: String { get }
    static var columns: [(name: String, type: String)] { get }
    /// Every column of the table, keys first.
    static var list: String { get }
    static func bind(_ keys: [Self], into bindings: inout PostgresBindings)
    /// The key from a row's first columns.
    init(_ row: PostgresRandomAccessRow) throws
}

extension UsageRollup.Key: RollupRow {
    static let table = "usage_rollup"
    static let columns = [(name: "dimension", type: "text"), (name: "value", type: "text"), (name: "period_ms", type: "bigint")]
    static var list: String { UsageColumns.rollupList }

    static func bind(_ keys: [Self], into bindings: inout PostgresBindings) {
        bindings.append(keys.map(\.dimension.rawValue))
        bindings.append(keys.map(\.value))
        bindings.append(keys.map(\.periodMilliseconds))
    }

    init(_ c: PostgresRandomAccessRow) throws {
        let name = try c[0].decode(String.self)
        guard let dimension = UsageRollup.Dimension(rawValue: name) else { throw PostgresRollupError(description: "usage rollup row with unknown dimension '\(name)'") }
        self.init(dimension: dimension, value: try c[1].decode(String.self), periodMilliseconds: try c[2].decode(Int64.self))
    }

    /// The order entries are created and locked in (every writer the same).
    static func ordered(_ a: Self, _ b: Self) -> Bool {
        (a.dimension.rawValue, a.value, a.periodMilliseconds) < (b.dimension.rawValue, b.value, b.periodMilliseconds)
    }
}

extension UsageRollup.PairKey: RollupRow {
    static let table = "usage_pair_rollup"
    static let columns = [(name: "filter_dim", type: "text"), (name: "group_dim", type: "text"), (name: "filter_value", type: "text"),
                          (name: "period_ms", type: "bigint"), (name: "group_value", type: "text")]
    static var list: String { UsageColumns.pairRollupList }

    static func bind(_ keys: [Self], into bindings: inout PostgresBindings) {
        bindings.append(keys.map(\.filter.rawValue))
        bindings.append(keys.map(\.group.rawValue))
        bindings.append(keys.map(\.filterValue))
        bindings.append(keys.map(\.periodMilliseconds))
        bindings.append(keys.map(\.groupValue))
    }

    init(_ c: PostgresRandomAccessRow) throws {
        let (f, g) = (try c[0].decode(String.self), try c[1].decode(String.self))
        guard let filter = UsageRollup.Dimension(rawValue: f), let group = UsageRollup.Dimension(rawValue: g) else {
            throw PostgresRollupError(description: "usage rollup row with unknown dimensions '\(f)/\(g)'")
        }
        self.init(filter: filter, filterValue: try c[2].decode(String.self), group: group, groupValue: try c[4].decode(String.self),
                  periodMilliseconds: try c[3].decode(Int64.self))
    }
}

/// A rollup row this version cannot read (a dimension it does not know, columns missing).
struct PostgresRollupError: Error, CustomStringConvertible {
    var description: String
}
