import Foundation
import SwitchyardCore

/// The ledger's columns, in insert order, the same in both databases.
enum UsageColumns {
    static let names = ["record_id", "ts_ms", "request_id", "key_id", "team", "requested_model", "served_model", "provider", "deployment",
                        "region", "route", "attempts", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens",
                        "cost_pusd", "latency_us", "ttft_us", "status", "error_class", "stream", "usage_source", "front",
                        "cache_hit", "cost_saved_pusd", "batch_id", "custom_id"]
    static let list = names.joined(separator: ", ")

    /// Rows per INSERT statement: 28 binds each stays far below both databases' limits.
    static let rowsPerStatement = 500

    /// Rows per PostgreSQL INSERT that binds each column as one array (28 binds whatever the count).
    static let rowsPerArrayStatement = 5_000

    /// The PostgreSQL type of each column, in `names` order (the arrays `unnest` reads).
    static let postgresTypes = ["text", "bigint", "text", "text", "text", "text", "text", "text", "text",
                                "text", "text", "integer", "bigint", "bigint", "bigint", "bigint",
                                "bigint", "bigint", "bigint", "integer", "text", "boolean", "text", "text",
                                "boolean", "bigint", "text", "text"]

    /// A ledger column that `group_by` may name, as an expression that never yields NULL.
    static func groupExpression(_ grouping: UsageQuery.Grouping, day: String, hour: String) -> String {
        switch grouping {
        case .day: return day
        case .hour: return hour
        case .all: return "'all'"
        default: return "COALESCE(\(grouping.column), '(none)')"
        }
    }

    // MARK: The rollup (`UsageRollup`)

    /// The table as the migration that added it created it. The histogram columns hold
    /// `Histogram.stored` bytes: PostgreSQL's became BYTEA in a later migration (text written
    /// before then is still read); SQLite's TEXT columns hold them as BLOBs.
    static func rollupTable(integer: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS usage_rollup (
            dimension TEXT NOT NULL, value TEXT NOT NULL, period_ms \(integer) NOT NULL, requests \(integer) NOT NULL, errors \(integer) NOT NULL,
            prompt_tokens \(integer) NOT NULL, completion_tokens \(integer) NOT NULL, cached_tokens \(integer) NOT NULL,
            reasoning_tokens \(integer) NOT NULL, cost_pusd \(integer) NOT NULL, unpriced \(integer) NOT NULL, cache_hits \(integer) NOT NULL,
            cost_saved_pusd \(integer) NOT NULL, latency_hist TEXT NOT NULL, ttft_hist TEXT NOT NULL,
            PRIMARY KEY (dimension, value, period_ms))
        """
    }

    static let rollupNames = ["dimension", "value", "period_ms", "requests", "errors", "prompt_tokens", "completion_tokens", "cached_tokens",
                              "reasoning_tokens", "cost_pusd", "unpriced", "cache_hits", "cost_saved_pusd", "latency_hist", "ttft_hist"]
    static let rollupList = rollupNames.joined(separator: ", ")

    /// The integer columns of an entry, in `rollupNames` order after the key.
    static func rollupIntegers(_ t: UsageRollup.Totals) -> [Int64] {
        [Int64(t.requests), Int64(t.errors), Int64(t.promptTokens), Int64(t.completionTokens), Int64(t.cachedTokens), Int64(t.reasoningTokens),
         t.costPicodollars, Int64(t.unpricedRequests), Int64(t.cacheHits), t.costSavedPicodollars]
    }

    /// An entry's columns after its key: the ten integers, then the two histograms.
    static let rollupTotalsList = rollupNames.dropFirst(3).joined(separator: ", ")

    /// An entry's counts and sums (no histograms) from its ten integer columns, each read in
    /// `rollupNames` order by `next`.
    static func rollupCounts(_ next: () throws -> Int64) rethrows -> UsageRollup.Totals {
        var t = UsageRollup.Totals()
        t.requests = Int(try next()); t.errors = Int(try next()); t.promptTokens = Int(try next()); t.completionTokens = Int(try next())
        t.cachedTokens = Int(try next()); t.reasoningTokens = Int(try next()); t.costPicodollars = try next(); t.unpricedRequests = Int(try next())
        t.cacheHits = Int(try next()); t.costSavedPicodollars = try next()
        return t
    }

    // MARK: Pair entries (`UsageRollup+Pairs`)

    /// One filter value's totals per period split by another dimension's values; the primary
    /// key starts with what a query fixes (the two dimensions, the filter's value, the periods).
    static func pairRollupTable(integer: String) -> String {
        """
        CREATE TABLE IF NOT EXISTS usage_pair_rollup (
            filter_dim TEXT NOT NULL, group_dim TEXT NOT NULL, filter_value TEXT NOT NULL, period_ms \(integer) NOT NULL, group_value TEXT NOT NULL,
            requests \(integer) NOT NULL, errors \(integer) NOT NULL,
            prompt_tokens \(integer) NOT NULL, completion_tokens \(integer) NOT NULL, cached_tokens \(integer) NOT NULL,
            reasoning_tokens \(integer) NOT NULL, cost_pusd \(integer) NOT NULL, unpriced \(integer) NOT NULL, cache_hits \(integer) NOT NULL,
            cost_saved_pusd \(integer) NOT NULL, latency_hist TEXT NOT NULL, ttft_hist TEXT NOT NULL,
            PRIMARY KEY (filter_dim, group_dim, filter_value, period_ms, group_value))
        """
    }

    static let pairKeyNames = ["filter_dim", "group_dim", "filter_value", "period_ms", "group_value"]
    static let pairRollupNames = pairKeyNames + Array(rollupNames.dropFirst(3))
    static let pairRollupList = pairRollupNames.joined(separator: ", ")

    /// Whether `cost(from:to:)` can sum hourly entries: `from` at an hour's start, `to` at one or now or later.
    static func rollupCoversHours(from: Int64, to: Int64, now: Date) -> Bool {
        from >= 0 && from % 3_600_000 == 0 && (to % 3_600_000 == 0 || to >= now.millisecondsSinceEpoch - 5_000)
    }
}
