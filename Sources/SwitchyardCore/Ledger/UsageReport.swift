import Foundation

/// Totals of one group of ledger rows.
package struct UsageGroup: Sendable, Hashable {
    package var group: String
    package var requests: Int
    package var errors: Int
    package var promptTokens: Int
    package var completionTokens: Int
    package var cachedTokens: Int
    package var reasoningTokens: Int
    package var cost: Decimal
    /// Requests that were served by a model without a price: not in `cost`.
    package var unpricedRequests: Int
    package var latencyP50Ms: Double
    package var latencyP95Ms: Double
    package var latencyP99Ms: Double
    /// Requests answered from the response cache, and what those answers cost when they were made.
    package var cacheHits = 0
    package var costSaved = Decimal(0)
    /// Time to the first content chunk, over the group's rows that have one (streams); 0 when none do.
    package var ttftP50Ms = 0.0
    package var ttftP95Ms = 0.0
    package var ttftP99Ms = 0.0

    package init(group: String, requests: Int, errors: Int, promptTokens: Int, completionTokens: Int, cachedTokens: Int,
                reasoningTokens: Int, cost: Decimal, unpricedRequests: Int, latencyP50Ms: Double, latencyP95Ms: Double,
                latencyP99Ms: Double) {
        self.group = group
        self.requests = requests
        self.errors = errors
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.reasoningTokens = reasoningTokens
        self.cost = cost
        self.unpricedRequests = unpricedRequests
        self.latencyP50Ms = latencyP50Ms
        self.latencyP95Ms = latencyP95Ms
        self.latencyP99Ms = latencyP99Ms
    }

    package var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
}

/// The answer to a usage query: groups sorted by cost, totals, and the month's projection.
package struct UsageReport: Sendable, Hashable {
    package var query: UsageQuery
    package var groups: [UsageGroup]
    /// Spend from the start of the current month (UTC) to now, and where that rate ends the month.
    package var monthToDate: Decimal
    package var now: Date

    package init(query: UsageQuery, groups: [UsageGroup], monthToDate: Decimal, now: Date) {
        self.query = query
        // By cost, then requests, then name, descending. Comparing `Decimal`s is slow (a report
        // by key over 10,000 keys spent 7 % of its time in the sort), so each cost is turned into
        // picodollars once and compared as an integer; only at the ±$9M clamp, or on a tie, are
        // the `Decimal`s compared.
        let keyed = groups.map { (picodollars: Picodollars.from($0.cost), group: $0) }
        self.groups = keyed.sorted { a, b in
            if a.picodollars != b.picodollars, abs(a.picodollars) < Picodollars.ceiling, abs(b.picodollars) < Picodollars.ceiling {
                return a.picodollars > b.picodollars
            }
            return (a.group.cost, a.group.requests, a.group.group) > (b.group.cost, b.group.requests, b.group.group)
        }.map(\.group)
        self.monthToDate = monthToDate
        self.now = now
    }

    package var totalCost: Decimal { groups.reduce(Decimal(0)) { $0 + $1.cost } }
    package var totalRequests: Int { groups.reduce(0) { $0 + $1.requests } }

    /// The month's spend if the month-to-date rate holds: spend ÷ elapsed share of the month.
    package var projectedMonth: Decimal {
        let start = BudgetPeriod.month.start(containing: now)
        let end = BudgetPeriod.month.end(containing: now)!
        let elapsed = now.timeIntervalSince(start)
        guard elapsed > 0 else { return monthToDate }
        // Whole seconds keep the ratio exact in Decimal.
        let total = Decimal(Int64(end.timeIntervalSince(start)))
        let done = Decimal(max(1, Int64(elapsed)))
        return monthToDate * total / done
    }

    package var json: String {
        var out = "{\"from\":" + JSONString.quoted(ISO8601.format(query.from))
        out += ",\"to\":" + JSONString.quoted(ISO8601.format(query.to))
        out += ",\"group_by\":" + JSONString.quoted(query.groupBy.rawValue)
        if !query.filters.isEmpty {
            let names = ["key_id": "key", "served_model": "model"]
            out += ",\"filters\":{" + query.filters.columns.map { JSONString.quoted(names[$0.column] ?? $0.column) + ":" + JSONString.quoted($0.value) }
                .joined(separator: ",") + "}"
        }
        out += ",\"groups\":["
        out += groups.map { g in
            "{\"group\":\(JSONString.quoted(g.group)),\"requests\":\(g.requests),\"errors\":\(g.errors),"
                + "\"error_rate\":\(Self.number(g.errorRate, digits: 4)),\"prompt_tokens\":\(g.promptTokens),"
                + "\"completion_tokens\":\(g.completionTokens),\"cached_tokens\":\(g.cachedTokens),"
                + "\"reasoning_tokens\":\(g.reasoningTokens),\"cost_usd\":\(JSONString.quoted(g.cost.plainString(scale: 12))),"
                + "\"unpriced_requests\":\(g.unpricedRequests),\"cache_hits\":\(g.cacheHits),"
                + "\"cost_saved_usd\":\(JSONString.quoted(g.costSaved.plainString(scale: 12))),\"latency_ms\":{\"p50\":\(Self.number(g.latencyP50Ms, digits: 3)),"
                + "\"p95\":\(Self.number(g.latencyP95Ms, digits: 3)),\"p99\":\(Self.number(g.latencyP99Ms, digits: 3))},"
                + "\"ttft_ms\":{\"p50\":\(Self.number(g.ttftP50Ms, digits: 3)),\"p95\":\(Self.number(g.ttftP95Ms, digits: 3)),"
                + "\"p99\":\(Self.number(g.ttftP99Ms, digits: 3))}}"
        }.joined(separator: ",")
        out += "],\"total\":{\"requests\":\(totalRequests),\"cost_usd\":\(JSONString.quoted(totalCost.plainString(scale: 12)))}"
        out += ",\"month\":{\"to_date_usd\":\(JSONString.quoted(monthToDate.plainString(scale: 12))),"
        out += "\"projected_usd\":\(JSONString.quoted(projectedMonth.plainString(scale: 6)))}}"
        return out
    }

    /// The report as CSV (RFC 4180): one line per group, the same figures as the JSON and
    /// `switchyard usage` (costs as exact decimals, latencies in ms with 3 decimals).
    package var csv: String {
        var lines = ["\(query.groupBy.rawValue),requests,errors,error_rate,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,"
            + "cost_usd,unpriced_requests,cache_hits,cost_saved_usd,latency_p50_ms,latency_p95_ms,latency_p99_ms,ttft_p50_ms,ttft_p95_ms,ttft_p99_ms"]
        for g in groups {
            let fields: [String] = [
                Self.csvField(g.group), String(g.requests), String(g.errors), Self.number(g.errorRate, digits: 4), String(g.promptTokens),
                String(g.completionTokens), String(g.cachedTokens), String(g.reasoningTokens), g.cost.plainString(scale: 12),
                String(g.unpricedRequests), String(g.cacheHits), g.costSaved.plainString(scale: 12), Self.number(g.latencyP50Ms, digits: 3),
                Self.number(g.latencyP95Ms, digits: 3), Self.number(g.latencyP99Ms, digits: 3), Self.number(g.ttftP50Ms, digits: 3),
                Self.number(g.ttftP95Ms, digits: 3), Self.number(g.ttftP99Ms, digits: 3),
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`
    /// or `@` is prefixed with `'` so that a spreadsheet never runs it as a formula.
    static func csvField(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `value` with `digits` decimals (at most 9), as `%.Nf` writes it for the figures here
    /// (latencies in ms from whole microseconds, rates), without Foundation's `String(format:)`:
    /// a report by key over 10,000 keys spent 7 % of its time formatting its 70,000 numbers.
    static func number(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "0" }
        let digits = min(max(0, digits), 9)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded(.toNearestOrEven)
        guard scaled < 9e15 else { return String(format: "%.\(digits)f", value) }
        let units = Int64(scaled)
        var text = value < 0 && units != 0 ? "-" : ""
        text += String(units / scale)
        guard digits > 0 else { return text }
        let fraction = String(units % scale)
        return text + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}

/// Nearest-rank percentiles of latencies, for stores that cannot compute them in SQL.
package enum LatencyPercentiles {
    /// `sorted` ascending, in microseconds; returns milliseconds.
    package static func of(sorted: [Int64], _ quantile: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((quantile * Double(sorted.count)).rounded(.up))
        return Double(sorted[min(sorted.count - 1, max(0, rank - 1))]) / 1000
    }
}
