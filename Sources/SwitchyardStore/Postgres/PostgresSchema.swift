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
    /// The lock every write to a key takes (in the trigger) before it takes its change number
    /// and until it commits, so that change numbers become visible in order.
    static let keyChangeLock: Int64 = 0x5357_4B45_5953
    /// The channel a key change is announced on (`LISTEN`), at its commit.
    static let keyChannel = "switchyard_keys"

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
        (6, [
            // Batch jobs (`POST /v1/batches`): the batch, its runner's lease, and one row per
            // line whose result is committed (the output and error files are written from them).
            """
            CREATE TABLE IF NOT EXISTS batches (
                id TEXT PRIMARY KEY, key_id TEXT, endpoint TEXT NOT NULL, input_file_id TEXT NOT NULL, completion_window TEXT NOT NULL,
                status TEXT NOT NULL, metadata TEXT, errors TEXT NOT NULL DEFAULT '[]', output_file_id TEXT, error_file_id TEXT,
                created_at_ms BIGINT NOT NULL, in_progress_at_ms BIGINT, expires_at_ms BIGINT NOT NULL, finalizing_at_ms BIGINT,
                completed_at_ms BIGINT, failed_at_ms BIGINT, expired_at_ms BIGINT, cancelling_at_ms BIGINT, cancelled_at_ms BIGINT,
                total BIGINT NOT NULL, completed BIGINT NOT NULL DEFAULT 0, failed BIGINT NOT NULL DEFAULT 0,
                prompt_tokens BIGINT NOT NULL DEFAULT 0, completion_tokens BIGINT NOT NULL DEFAULT 0, cached_tokens BIGINT NOT NULL DEFAULT 0,
                reasoning_tokens BIGINT NOT NULL DEFAULT 0, cost_pusd BIGINT NOT NULL DEFAULT 0, lease_owner TEXT, lease_until_ms BIGINT)
            """,
            "CREATE INDEX IF NOT EXISTS batches_key_created ON batches (key_id, created_at_ms)",
            "CREATE INDEX IF NOT EXISTS batches_status ON batches (status)",
            """
            CREATE TABLE IF NOT EXISTS batch_lines (
                batch_id TEXT NOT NULL, line INTEGER NOT NULL, custom_id TEXT NOT NULL, ok BOOLEAN NOT NULL, output TEXT NOT NULL,
                PRIMARY KEY (batch_id, line), UNIQUE (batch_id, custom_id))
            """,
            // A batch line's ledger rows name the batch and the line's custom_id.
            "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS batch_id TEXT",
            "ALTER TABLE usage_records ADD COLUMN IF NOT EXISTS custom_id TEXT",
            "CREATE INDEX IF NOT EXISTS usage_records_batch ON usage_records (batch_id) WHERE batch_id IS NOT NULL",
        ]),
        (7, [
            // The dashboard: totals per hour (all rows) and per day (per key, team, model, provider,
            // deployment, front door) with latency and TTFT histograms (`UsageRollup`), filled from
            // the rows already there when the migration runs; and the request log's filters.
            UsageColumns.rollupTable(integer: "BIGINT"),
            "CREATE INDEX IF NOT EXISTS usage_records_team_ts ON usage_records (team, ts_ms)",
            "CREATE INDEX IF NOT EXISTS usage_records_model_ts ON usage_records (served_model, ts_ms)",
        ]),
        (8, [
            // Sync by change (`keyChanges(after:)`): every insert or update of a key, whoever
            // makes it, takes the next change number under one lock held until commit, so
            // numbers become visible in order; the commit wakes the other replicas (NOTIFY).
            "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS change_seq BIGINT NOT NULL DEFAULT 0",
            "CREATE SEQUENCE IF NOT EXISTS api_keys_change_seq",
            "UPDATE api_keys SET change_seq = nextval('api_keys_change_seq')",
            "CREATE INDEX IF NOT EXISTS api_keys_change_seq_idx ON api_keys (change_seq)",
            """
            CREATE OR REPLACE FUNCTION switchyard_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(\(keyChangeLock));
                NEW.change_seq := nextval('api_keys_change_seq');
                PERFORM pg_notify('\(keyChannel)', '');
                RETURN NEW;
            END $$
            """,
            "DROP TRIGGER IF EXISTS api_keys_changed ON api_keys",
            "CREATE TRIGGER api_keys_changed BEFORE INSERT OR UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION switchyard_key_changed()",
            // Spend by change (`spendChanges(since:)`): when each spend row was last written, on
            // the database's clock.
            "ALTER TABLE key_spend ADD COLUMN IF NOT EXISTS updated_at_ms BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX IF NOT EXISTS key_spend_updated ON key_spend (updated_at_ms)",
        ]),
        (9, [
            // Pair entries (`UsageRollup+Pairs`): one key's hourly totals split by model, one team's
            // daily totals split by model, filled from the rows already there when the migration runs.
            UsageColumns.pairRollupTable(integer: "BIGINT"),
        ]),
        (10, [
            // Histograms as bytes (`Histogram.stored`), a sixth of their text: a week's report by
            // key reads every key's day entries, and their histograms were most of its time (and
            // large enough for PostgreSQL to compress, so every read decompressed them). Entries
            // keep their text until they are next written; readers take both.
            """
            ALTER TABLE usage_rollup ALTER COLUMN latency_hist TYPE BYTEA USING convert_to(latency_hist, 'UTF8'),
                                     ALTER COLUMN ttft_hist TYPE BYTEA USING convert_to(ttft_hist, 'UTF8')
            """,
            """
            ALTER TABLE usage_pair_rollup ALTER COLUMN latency_hist TYPE BYTEA USING convert_to(latency_hist, 'UTF8'),
                                          ALTER COLUMN ttft_hist TYPE BYTEA USING convert_to(ttft_hist, 'UTF8')
            """,
            // A range of periods of one dimension (every report the rollup answers) without
            // reading the dimension's entries of every other period.
            "CREATE INDEX IF NOT EXISTS usage_rollup_period ON usage_rollup (dimension, period_ms)",
        ]),
    ]

    /// The migration that creates the rollup: when it runs, the rollup is filled from the ledger
    /// (after every pending migration, so that entries are written in the table's final shape).
    static let rollupVersion = 7
    /// The migration that creates the pair entries: when it runs, they are filled from the ledger
    /// (likewise after every pending migration).
    static let pairRollupVersion = 9

    /// `usage_records_y2026m11` for the month containing `date`, with its bounds in ms.
    static func partition(containing date: Date) -> (name: String, from: Int64, to: Int64) {
        let start = BudgetPeriod.month.start(containing: date)
        let end = BudgetPeriod.month.end(containing: date)!
        let parts = Calendar.utc.dateComponents([.year, .month], from: start)
        let name = String(format: "usage_records_y%04dm%02d", parts.year!, parts.month!)
        return (name, start.millisecondsSinceEpoch, end.millisecondsSinceEpoch)
    }
}
