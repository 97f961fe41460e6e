import SwitchyardCore

/// The ledger's columns, in insert order, the same in both databases.
enum UsageColumns {
    static let names = ["record_id", "ts_ms", "request_id", "key_id", "team", "requested_model", "served_model", "provider", "deployment",
                        "region", "route", "attempts", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens",
                        "cost_pusd", "latency_us", "ttft_us", "status", "error_class", "stream", "usage_source", "front",
                        "cache_hit", "cost_saved_pusd"]
    static let list = names.joined(separator: ", ")

    /// Rows per INSERT statement: 26 binds each stays far below both databases' limits.
    static let rowsPerStatement = 500

    /// A ledger column that `group_by` may name, as an expression that never yields NULL.
    static func groupExpression(_ grouping: UsageQuery.Grouping, day: String, hour: String) -> String {
        switch grouping {
        case .day: return day
        case .hour: return hour
        case .all: return "'all'"
        default: return "COALESCE(\(grouping.column), '(none)')"
        }
    }
}
