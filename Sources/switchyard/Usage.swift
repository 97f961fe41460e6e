import ArgumentParser
import Foundation
import SwitchyardCore

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Usage from the ledger: requests, tokens, cost, error rate and latency per key, team, model, provider, deployment, day or hour.",
        discussion: """
            Reads GET /admin/usage on a running gateway (SWITCHYARD_ADMIN_KEY as for `switchyard keys`). \
            Default range: this month so far (UTC). The footer projects the month's spend from the \
            month-to-date rate.

              switchyard usage --group-by team
              switchyard usage --from 2026-11-01 --to 2026-11-15 --group-by day
              switchyard usage --group-by hour --team payments --csv > usage.csv
            """)

    @OptionGroup var admin: AdminOptions

    @Option(help: "Start (ISO 8601 date or time, inclusive). Default: the start of this month.")
    var from: String?

    @Option(help: "End (exclusive). Default: now.")
    var to: String?

    @Option(help: "key, team, model, provider, deployment, day, hour, front or all.")
    var groupBy: String = "model"

    @Option(help: "Only this key's requests (its id, key_…).")
    var key: String?

    @Option(help: "Only this team's requests.")
    var team: String?

    @Option(help: "Only requests served by this model (catalog ID).")
    var model: String?

    @Option(help: "Only requests served by this provider.")
    var provider: String?

    @Option(help: "Only requests served by this deployment.")
    var deployment: String?

    @Flag(help: "Print CSV (the dashboard's usage download, the same figures).")
    var csv = false

    @Flag(help: "Print the API's JSON.")
    var json = false

    func validate() throws {
        guard UsageQuery.Grouping(rawValue: groupBy) != nil else {
            throw ValidationError("--group-by must be one of: \(UsageQuery.Grouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, ISO8601.parse(value) == nil { throw ValidationError("\(name) must be an ISO 8601 date or time, got '\(value.prefix(60))'") }
        }
    }

    func run() async throws {
        let filters = [("key", key), ("team", team), ("model", model), ("provider", provider), ("deployment", deployment)]
        let query = UsageCommand.queryString(from: from, to: to, groupBy: groupBy, filters: filters)
        if csv {
            print(try await AdminClient.text("GET", "/admin/usage?" + query + "&format=csv", options: admin), terminator: "")
            return
        }
        let answer = try await AdminClient.call("GET", "/admin/usage?" + query, options: admin)
        if json { print(AdminClient.pretty(answer)); return }
        let report = answer as? [String: Any] ?? [:]
        let groups = report["groups"] as? [[String: Any]] ?? []
        let rows = groups.map { g -> [String] in
            let latency = g["latency_ms"] as? [String: Any] ?? [:]
            let errorRate = (g["error_rate"] as? NSNumber)?.doubleValue ?? 0
            return [field(g, "group"), field(g, "requests"), String(format: "%.2f%%", errorRate * 100), field(g, "prompt_tokens"),
                    field(g, "completion_tokens"), "$" + field(g, "cost_usd"), field(latency, "p50"), field(latency, "p95"), field(latency, "p99")]
        }
        print("\(field(report, "from")) to \(field(report, "to")), by \(field(report, "group_by"))\n")
        print(TextTable.render(header: [groupBy, "requests", "errors", "prompt tok", "completion tok", "cost", "p50 ms", "p95 ms", "p99 ms"], rows: rows))
        let total = report["total"] as? [String: Any] ?? [:]
        let month = report["month"] as? [String: Any] ?? [:]
        print("\ntotal: \(field(total, "requests")) requests, $\(field(total, "cost_usd"))")
        print("this month so far: $\(field(month, "to_date_usd")); at this rate the month ends at $\(field(month, "projected_usd"))")
    }

    static func queryString(from: String?, to: String?, groupBy: String, filters: [(String, String?)] = []) -> String {
        var items = ["group_by=\(groupBy)"]
        if let from { items.append("from=" + (from.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
        if let to { items.append("to=" + (to.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
        for (name, value) in filters {
            if let value { items.append(name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")) }
        }
        return items.joined(separator: "&")
    }
}
