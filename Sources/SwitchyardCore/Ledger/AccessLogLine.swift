import Foundation

/// One access-log line: the JSON object of one request, without a newline. Built from the
/// call's usage record, so the access log and the ledger can never disagree. Never bodies,
/// never secrets: keys appear by ID only.
package enum AccessLogLine {
    package static func json(_ record: UsageRecord) -> String {
        var out = "{\"time\":" + JSONString.quoted(ISO8601.format(record.time))
        func field(_ name: String, _ value: String?) {
            out += ",\"" + name + "\":" + (value.map(JSONString.quoted) ?? "null")
        }
        func number(_ name: String, _ value: Int64?) {
            out += ",\"" + name + "\":" + (value.map { String($0) } ?? "null")
        }
        field("request_id", record.requestID)
        field("key_id", record.keyID)
        field("team", record.team)
        field("requested_model", record.requestedModel)
        field("served_model", record.servedModel)
        field("provider", record.provider)
        field("deployment", record.deployment)
        field("region", record.region)
        field("route", record.route)
        number("attempts", Int64(record.attempts))
        number("status", Int64(record.status))
        field("error", record.errorClass)
        out += ",\"stream\":" + (record.stream ? "true" : "false")
        number("prompt_tokens", Int64(record.usage.promptTokens))
        number("completion_tokens", Int64(record.usage.completionTokens))
        number("cached_tokens", Int64(record.usage.cachedPromptTokens))
        number("reasoning_tokens", Int64(record.usage.reasoningTokens))
        field("usage_source", record.usageSource?.rawValue)
        // Exact, as text: a JSON number would be read as a binary float.
        field("cost_usd", record.costPicodollars.map { Cost.plain($0) })
        out += ",\"cache_hit\":" + (record.cacheHit ? "true" : "false")
        field("cost_saved_usd", record.costSavedPicodollars.map { Cost.plain($0) })
        out += ",\"latency_ms\":" + milliseconds(record.latencyMicroseconds)
        out += ",\"ttft_ms\":" + (record.ttftMicroseconds.map(milliseconds) ?? "null")
        if let traceID = record.traceID { field("trace_id", traceID) }
        out += "}"
        return out
    }

    /// Microseconds as milliseconds with three decimals (`12.345`).
    static func milliseconds(_ microseconds: Int64) -> String {
        let value = max(0, microseconds)
        let fraction = String(value % 1000)
        return "\(value / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
