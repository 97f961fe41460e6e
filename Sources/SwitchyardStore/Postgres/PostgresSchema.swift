import Foundation
import SwitchyardCore

/// The PostgreSQL schema. The ledger is partitioned by month on `ts_ms`, so that retention is
/// `DROP TABLE` of an old partition (instant, no vacuum) and a query over a month reads one
/// partition's indexes. A default partition catches rows outside the prepared months, so an
/// insert never fails for want of a partition.
enum PostgresSchema {
    /// A lock number all gateway processes take while migrating, so that two starting at once
    /// do not race.
    static let migrationLock: Int64 = 0x5357_5943_4844

    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE IF NOT EXISTS api_keys (
                id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, key_hint TEXT NOT NULL, name TEXT NOT NULL, team TEXT,
                models TEXT NOT NULL, region TEXT, rpm BIGINT, tpm BIGINT, budget_pusd BIGINT, budget_period TEXT,
                expires_at_ms BIGINT, revoked_at_ms BIGINT, created_at_ms BIGINT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS usage_records (
                record_id TEXT NOT NULL, ts_ms BIGINT NOT NULL, request_id TEXT NOT NULL, key_id TEXT, team TEXT, requested_model TEXT NOT NULL,
                served_model TEXT, provider TEXT, deployment TEXT, region TEXT, route TEXT, attempts INTEGER NOT NULL,
                prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
                reasoning_tokens BIGINT NOT NULL, cost_pusd BIGINT, latency_us BIGINT NOT NULL, ttft_us BIGINT,
                status INTEGER NOT NULL, error_class TEXT, stream BOOLEAN NOT NULL,
                UNIQUE (record_id, ts_ms)
            ) PARTITION BY RANGE (ts_ms)
            """,
            "CREATE TABLE IF NOT EXISTS usage_records_default PARTITION OF usage_records DEFAULT",
            "CREATE INDEX IF NOT EXISTS usage_records_ts ON usage_records (ts_ms)",
            "CREATE INDEX IF NOT EXISTS usage_records_key_ts ON usage_records (key_id, ts_ms)",
            """
            CREATE TABLE IF NOT EXISTS key_spend (
                key_id TEXT NOT NULL, day BIGINT NOT NULL, spent_pusd BIGINT NOT NULL, PRIMARY KEY (key_id, day))
            """,
            """
            CREATE TABLE IF NOT EXISTS rate_counters (
                key_id TEXT NOT NULL, minute BIGINT NOT NULL, replica TEXT NOT NULL, requests BIGINT NOT NULL,
                tokens BIGINT NOT NULL, PRIMARY KEY (key_id, minute, replica))
            """,
            "CREATE TABLE IF NOT EXISTS replicas (id TEXT PRIMARY KEY, seen_at_ms BIGINT NOT NULL)",
        ]),
        (2, [
            "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS usage_source TEXT",
            "UPDATE key_spend SET spent_pusd = LEAST(GREATEST(spent_pusd, 0), \(Picodollars.ceiling))",
        ]),
        (3, [
            "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS front TEXT NOT NULL DEFAULT 'chat'",
        ]),
        (4, [
            "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS cache_hit BOOLEAN NOT NULL DEFAULT false",
            "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS cost_saved_pusd BIGINT",
        ]),
        (5, [
            // Uploaded files (`POST /v1/files`): metadata here, content in the files directory.
            """
            CREATE TABLE IF NOT EXISTS files (
                id TEXT PRIMARY KEY, key_id TEXT, filename TEXT NOT NULL, purpose TEXT NOT NULL, bytes BIGINT NOT NULL,
                lines INTEGER NOT NULL, created_at_ms BIGINT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS files_key_created ON files (key_id, created_at_ms)",
        ]),
        (7, [
            // The dashboard: totals per hour (all rows) and per day (per key, team, model, provider,
            // deployment, front door) with latency and TTFT histograms (`UsageRollup`), filled from
            // the rows already there when the migration runs; and the request log's filters.
            UsageColumns.rollupTable(integer: "BIGINT"),
            "CREATE INDEX IF NOT EXISTS usage_records_team_ts ON usage_records (team, ts_ms)",
            "CREATE INDEX IF NOT EXISTS usage_records_model_ts ON usage_records (served_model, ts_ms)",
        ]),
    ]

    /// The migration that creates the rollup: when it runs, the rollup is filled from the ledger.
    static let rollupVersion = 7

    /// `usage_records_y2026m11` for the month containing `date`, with its bounds in ms.
    static func partition(containing date: Date) -> (name: String, from: Int64, to: Int64) {
        let start = BudgetPeriod.month.start(containing: date)
        let end = BudgetPeriod.month.end(containing: date)!
        let parts = Calendar.utc.dateComponents([.year, .month], from: start)
        let name = String(format: "usage_records_y%04dm%02d", parts.year!, parts.month!)
        return (name, start.millisecondsSinceEpoch, end.millisecondsSinceEpoch)
    }
}
