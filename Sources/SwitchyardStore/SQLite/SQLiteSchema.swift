import SwitchyardCore

/// The SQLite schema, one statement per entry (SQLite prepares one statement at a time).
/// Versioned: a database records the migrations it has run in `schema_migrations`.
enum SQLiteSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE IF NOT EXISTS api_keys (
                id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, key_hint TEXT NOT NULL, name TEXT NOT NULL, team TEXT,
                models TEXT NOT NULL, region TEXT, rpm INTEGER, tpm INTEGER, budget_pusd INTEGER, budget_period TEXT,
                expires_at_ms INTEGER, revoked_at_ms INTEGER, created_at_ms INTEGER NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS usage_records (
                record_id TEXT NOT NULL UNIQUE, ts_ms INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT, team TEXT, requested_model TEXT NOT NULL,
                served_model TEXT, provider TEXT, deployment TEXT, region TEXT, route TEXT, attempts INTEGER NOT NULL,
                prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
                reasoning_tokens INTEGER NOT NULL, cost_pusd INTEGER, latency_us INTEGER NOT NULL, ttft_us INTEGER,
                status INTEGER NOT NULL, error_class TEXT, stream INTEGER NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS usage_records_ts ON usage_records (ts_ms)",
            "CREATE INDEX IF NOT EXISTS usage_records_key_ts ON usage_records (key_id, ts_ms)",
            """
            CREATE TABLE IF NOT EXISTS key_spend (
                key_id TEXT NOT NULL, day INTEGER NOT NULL, spent_pusd INTEGER NOT NULL, PRIMARY KEY (key_id, day))
            """,
            """
            CREATE TABLE IF NOT EXISTS rate_counters (
                key_id TEXT NOT NULL, minute INTEGER NOT NULL, replica TEXT NOT NULL, requests INTEGER NOT NULL,
                tokens INTEGER NOT NULL, PRIMARY KEY (key_id, minute, replica))
            """,
            "CREATE TABLE IF NOT EXISTS replicas (id TEXT PRIMARY KEY, seen_at_ms INTEGER NOT NULL)",
        ]),
        (2, [
            // Where a row's token counts come from: `upstream` or `estimated` (a stream cut short).
            "ALTER TABLE usage_records ADD COLUMN usage_source TEXT",
            // Spend written by older versions may have overflowed into REAL, or past the ceiling.
            "UPDATE key_spend SET spent_pusd = \(Picodollars.ceiling) WHERE typeof(spent_pusd) <> 'integer' OR spent_pusd > \(Picodollars.ceiling)",
            "UPDATE key_spend SET spent_pusd = 0 WHERE spent_pusd < 0",
        ]),
        (3, [
            // The front door a call came through: `chat` or `messages`.
            "ALTER TABLE usage_records ADD COLUMN front TEXT NOT NULL DEFAULT 'chat'",
        ]),
        (4, [
            // Answered from the response cache (1), and what that answer cost when it was made.
            "ALTER TABLE usage_records ADD COLUMN cache_hit INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE usage_records ADD COLUMN cost_saved_pusd INTEGER",
        ]),
        (5, [
            // Uploaded files (`POST /v1/files`): metadata here, content in the files directory.
            """
            CREATE TABLE IF NOT EXISTS files (
                id TEXT PRIMARY KEY, key_id TEXT, filename TEXT NOT NULL, purpose TEXT NOT NULL, bytes INTEGER NOT NULL,
                lines INTEGER NOT NULL, created_at_ms INTEGER NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS files_key_created ON files (key_id, created_at_ms)",
        ]),
        (6, [
            // Batch jobs (`POST /v1/batches`): the batch, its runner's lease, and one row per
            // line whose result is committed (the output and error files are written from them).
            """
            CREATE TABLE IF NOT EXISTS batches (
                id TEXT PRIMARY KEY, key_id TEXT, endpoint TEXT NOT NULL, input_file_id TEXT NOT NULL, completion_window TEXT NOT NULL,
                status TEXT NOT NULL, metadata TEXT, errors TEXT NOT NULL DEFAULT '[]', output_file_id TEXT, error_file_id TEXT,
                created_at_ms INTEGER NOT NULL, in_progress_at_ms INTEGER, expires_at_ms INTEGER NOT NULL, finalizing_at_ms INTEGER,
                completed_at_ms INTEGER, failed_at_ms INTEGER, expired_at_ms INTEGER, cancelling_at_ms INTEGER, cancelled_at_ms INTEGER,
                total INTEGER NOT NULL, completed INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
                prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0, cached_tokens INTEGER NOT NULL DEFAULT 0,
                reasoning_tokens INTEGER NOT NULL DEFAULT 0, cost_pusd INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until_ms INTEGER)
            """,
            "CREATE INDEX IF NOT EXISTS batches_key_created ON batches (key_id, created_at_ms)",
            "CREATE INDEX IF NOT EXISTS batches_status ON batches (status)",
            """
            CREATE TABLE IF NOT EXISTS batch_lines (
                batch_id TEXT NOT NULL, line INTEGER NOT NULL, custom_id TEXT NOT NULL, ok INTEGER NOT NULL, output TEXT NOT NULL,
                PRIMARY KEY (batch_id, line), UNIQUE (batch_id, custom_id))
            """,
            // A batch line's ledger rows name the batch and the line's custom_id.
            "ALTER TABLE usage_records ADD COLUMN batch_id TEXT",
            "ALTER TABLE usage_records ADD COLUMN custom_id TEXT",
            "CREATE INDEX IF NOT EXISTS usage_records_batch ON usage_records (batch_id) WHERE batch_id IS NOT NULL",
        ]),
        (7, [
            // The dashboard: totals per hour (all rows) and per day (per key, team, model, provider,
            // deployment, front door) with latency and TTFT histograms (`UsageRollup`), filled from
            // the rows already there when the migration runs; and the request log's filters.
            UsageColumns.rollupTable(integer: "INTEGER"),
            "CREATE INDEX IF NOT EXISTS usage_records_team_ts ON usage_records (team, ts_ms)",
            "CREATE INDEX IF NOT EXISTS usage_records_model_ts ON usage_records (served_model, ts_ms)",
        ]),
        (8, [
            // Sync by change (`keyChanges(after:)`): every insert or update of a key, whoever
            // makes it, takes the next change number. SQLite has one writer at a time, so the
            // numbers follow commit order.
            "ALTER TABLE api_keys ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0",
            "UPDATE api_keys SET change_seq = rowid",
            "CREATE INDEX IF NOT EXISTS api_keys_change_seq ON api_keys (change_seq)",
            """
            CREATE TRIGGER IF NOT EXISTS api_keys_inserted AFTER INSERT ON api_keys BEGIN
                UPDATE api_keys SET change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM api_keys) WHERE rowid = NEW.rowid;
            END
            """,
            """
            CREATE TRIGGER IF NOT EXISTS api_keys_updated AFTER UPDATE ON api_keys WHEN NEW.change_seq = OLD.change_seq BEGIN
                UPDATE api_keys SET change_seq = (SELECT MAX(change_seq) + 1 FROM api_keys) WHERE rowid = NEW.rowid;
            END
            """,
            // Spend by change (`spendChanges(since:)`): when each key's spend row was last written.
            "ALTER TABLE key_spend ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX IF NOT EXISTS key_spend_updated ON key_spend (updated_at_ms)",
        ]),
        (9, [
            // Pair entries (`UsageRollup+Pairs`): one key's hourly totals split by model, one team's
            // daily totals split by model, filled from the rows already there when the migration runs.
            UsageColumns.pairRollupTable(integer: "INTEGER"),
        ]),
        (10, [
            // A range of periods of one dimension (every report the rollup answers) without
            // reading the dimension's entries of every other period. (Histograms are now stored
            // as bytes, `Histogram.stored`: the TEXT columns take them as BLOBs, and entries
            // written as text before are still read.)
            "CREATE INDEX IF NOT EXISTS usage_rollup_period ON usage_rollup (dimension, period_ms)",
        ]),
    ]

    /// The migration that creates the rollup: when it runs, the rollup is filled from the ledger.
    static let rollupVersion = 7
    /// The migration that creates the pair entries: when it runs, they are filled from the ledger.
    static let pairRollupVersion = 9
}
