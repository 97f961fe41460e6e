import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchyardCore
import SwitchyardStore

extension Dashboard {
    /// The columns the usage table sorts on: (parameter, heading, numeric key).
    static let usageColumns: [(name: String, heading: String)] = [
        ("group", "Group"), ("requests", "Requests"), ("errors", "Errors"), ("error_rate", "Error rate"), ("prompt_tokens", "Prompt tokens"),
        ("completion_tokens", "Completion tokens"), ("cost", "Cost"), ("p50", "p50"), ("p95", "p95"), ("p99", "p99"),
    ]

    /// The usage query of the page's parameters (the same parameters as `GET /admin/usage`).
    private func usageQuery(_ q: [String: String], now: Date) throws(OpenAIError) -> UsageQuery {
        var parameters: [String: String] = [:]
        for name in UsageQuery.parameterNames where name != "format" {
            if let value = q[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { parameters[name] = value }
        }
        return try UsageQuery(parameters: parameters, now: now)
    }

    func usage(_ request: Request, _ signed: Signed) async throws -> Response {
        let q = Self.query(request)
        let now = Date()
        let names = Dictionary(signed.access.keys.all.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var error: String?
        var report: UsageReport?
        do {
            let query = try usageQuery(q, now: now)
            report = try await AdminEndpoints.usageReport(query, access: signed.access, now: now)
        } catch let failure {
            error = failure.message
        }
        let groupBy = q["group_by"].flatMap { $0.isEmpty ? nil : $0 } ?? "model"
        let sort = Self.usageColumns.contains { $0.name == q["sort"] } ? q["sort"]! : "cost"
        let descending = q["dir"] != "asc"
        var groups = report?.groups ?? []
        func less(_ a: UsageGroup, _ b: UsageGroup) -> Bool {
            switch sort {
            case "group": return a.group < b.group
            case "requests": return a.requests < b.requests
            case "errors": return a.errors < b.errors
            case "error_rate": return a.errorRate < b.errorRate
            case "prompt_tokens": return a.promptTokens < b.promptTokens
            case "completion_tokens": return a.completionTokens < b.completionTokens
            case "p50": return a.latencyP50Ms < b.latencyP50Ms
            case "p95": return a.latencyP95Ms < b.latencyP95Ms
            case "p99": return a.latencyP99Ms < b.latencyP99Ms
            default: return a.cost < b.cost
            }
        }
        groups.sort { a, b in
            if less(a, b) != less(b, a) { return descending ? less(b, a) : less(a, b) }
            return a.group < b.group
        }
        let base: [(String, String?)] = UsageQuery.parameterNames.filter { $0 != "format" }.sorted().map { ($0, q[$0]) }
        let headings = Self.usageColumns.map { column -> HTML in
            let nextDirection = column.name == sort && descending ? "asc" : "desc"
            let href = "?" + Self.queryString(base + [("sort", column.name), ("dir", nextDirection)])
            let mark = column.name == sort ? (descending ? " ▾" : " ▴") : ""
            let heading = column.name == "group" ? groupBy : column.heading
            let numeric = column.name == "group" ? "" : " class=\"n\""
            let sortState = column.name == sort ? (descending ? "descending" : "ascending") : "none"
            return "<th\(HTML.trusted(numeric)) aria-sort=\"\(sortState)\"><a href=\"\(href)\">\(heading)\(mark)</a></th>"
        }
        let rows = groups.map { g -> HTML in
            let label = groupBy == "key" && g.group != "(none)" ? "\(names[g.group] ?? g.group) (\(g.group))" : g.group
            return """
                <tr><td>\(label)</td><td class="n">\(DashboardFormat.integer(g.requests))</td><td class="n">\(DashboardFormat.integer(g.errors))</td>
                <td class="n">\(DashboardFormat.percent(g.errorRate))</td><td class="n">\(DashboardFormat.integer(g.promptTokens))</td>
                <td class="n">\(DashboardFormat.integer(g.completionTokens))</td><td class="n" title="\(g.cost.plainString(scale: 12))">\(DashboardFormat.usd(g.cost))</td>
                <td class="n">\(DashboardFormat.milliseconds(g.latencyP50Ms))</td><td class="n">\(DashboardFormat.milliseconds(g.latencyP95Ms))</td>
                <td class="n">\(DashboardFormat.milliseconds(g.latencyP99Ms))</td></tr>
                """
        }
        let totals: HTML = report.map { r in
            let requests = r.groups.reduce(0) { $0 + $1.requests }, errors = r.groups.reduce(0) { $0 + $1.errors }
            let prompt = r.groups.reduce(0) { $0 + $1.promptTokens }, completion = r.groups.reduce(0) { $0 + $1.completionTokens }
            return """
                <tfoot><tr><th scope="row">Total</th><td class="n" id="usage-total-requests">\(DashboardFormat.integer(requests))</td>
                <td class="n">\(DashboardFormat.integer(errors))</td><td class="n">\(DashboardFormat.percent(requests == 0 ? 0 : Double(errors) / Double(requests)))</td>
                <td class="n">\(DashboardFormat.integer(prompt))</td><td class="n">\(DashboardFormat.integer(completion))</td>
                <td class="n" id="usage-total-cost" title="\(r.totalCost.plainString(scale: 12))">\(DashboardFormat.usd(r.totalCost))</td><td colspan="3"></td></tr></tfoot>
                """
        } ?? .empty
        let groupOptions = UsageQuery.Grouping.allCases.filter { $0 != .all }.map { ($0.rawValue, $0.rawValue) }
        let keyOptions = [("", "any key")] + signed.access.keys.all.map { ($0.id, "\($0.name) (\($0.id))") }
        let csvHref = Self.root + "/usage.csv?" + Self.queryString(base)
        let main: HTML = """
            <form method="get" class="filters" action="\(Self.root)/usage">
            <label>Group by \(Self.select("group_by", groupOptions, selected: groupBy))</label>
            <label>From <input type="date" name="from" value="\(q["from"] ?? "")"></label>
            <label>Until (exclusive) <input type="date" name="to" value="\(q["to"] ?? "")"></label>
            <label>Key \(Self.select("key", keyOptions, selected: q["key"]))</label>
            <label>Team <input type="text" name="team" value="\(q["team"] ?? "")" size="10"></label>
            <label>Model <input type="text" name="model" value="\(q["model"] ?? "")" size="14"></label>
            <label>Provider <input type="text" name="provider" value="\(q["provider"] ?? "")" size="10"></label>
            <label>Deployment <input type="text" name="deployment" value="\(q["deployment"] ?? "")" size="12"></label>
            <button type="submit">Apply</button>
            <a class="button secondary" href="\(csvHref)" download>Download CSV</a>
            </form>
            \(error.map { Self.notice($0, error: true) } ?? .empty)
            <p class="hint">\(report.map { "\(DashboardFormat.time($0.query.from)) to \(DashboardFormat.time($0.query.to)) UTC; this month so far \(DashboardFormat.usd($0.monthToDate)), projected \(DashboardFormat.usd($0.projectedMonth)). The CSV has the figures of switchyard usage." } ?? "")</p>
            <div class="table-wrap"><table class="data" id="usage-table"><thead><tr>\(headings)</tr></thead><tbody>\(rows)</tbody>\(totals)</table></div>
            \(groups.isEmpty && error == nil ? Self.notice("No requests in this range.") : .empty)
            """
        return layout("Usage", active: "Usage", signed, main: main)
    }

    /// The usage table as CSV: `UsageReport.csv`, the file `switchyard usage --csv` prints.
    func usageCSV(_ request: Request, _ signed: Signed) async throws -> Response {
        let now = Date()
        let report = try await AdminEndpoints.usageReport(try usageQuery(Self.query(request), now: now), access: signed.access, now: now)
        let name = "switchyard-usage-\(report.query.groupBy.rawValue)-\(DashboardFormat.day(report.query.from))-\(DashboardFormat.day(report.query.to)).csv"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: report.csv)))
    }
}
