import Foundation
import Hummingbird
import SwitchyardCore
import SwitchyardStore

extension Dashboard {
    /// The ranges the overview offers.
    enum Range: String, CaseIterable {
        case day = "24h", week = "7d", month = "30d"

        var hours: Int {
            switch self {
            case .day: return 24
            case .week: return 24 * 7
            case .month: return 24 * 30
            }
        }

        var defaultBucket: UsageQuery.Grouping { self == .day ? .hour : .day }
    }

    /// The buckets of a chart, oldest first: the store's group label of each (`2026-12-01T13:00Z`
    /// or `2026-12-01`), the axis label, and where the first one starts.
    static func buckets(_ range: Range, _ grouping: UsageQuery.Grouping, now: Date) -> (start: Date, keys: [(key: String, label: String)]) {
        let calendar = Calendar.utc
        if grouping == .hour {
            let hour = calendar.dateInterval(of: .hour, for: now)?.start ?? now
            let start = hour.addingTimeInterval(-Double(range.hours - 1) * 3600)
            let keys = (0..<range.hours).map { i -> (String, String) in
                let date = start.addingTimeInterval(Double(i) * 3600)
                let c = calendar.dateComponents([.year, .month, .day, .hour], from: date)
                let key = String(format: "%04d-%02d-%02dT%02d:00Z", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0)
                let label = range == .day ? String(format: "%02d:00", c.hour ?? 0) : String(format: "%02d-%02d %02dh", c.month ?? 0, c.day ?? 0, c.hour ?? 0)
                return (key, label)
            }
            return (start, keys)
        }
        let days = max(1, range.hours / 24)
        let today = calendar.startOfDay(for: now)
        let start = calendar.date(byAdding: .day, value: -(days - 1), to: today) ?? today
        let keys = (0..<days).map { i -> (String, String) in
            let date = calendar.date(byAdding: .day, value: i, to: start) ?? start
            let key = DashboardFormat.day(date)
            return (key, String(key.dropFirst(5)))
        }
        return (start, keys)
    }

    func overview(_ request: Request, _ signed: Signed) async throws -> Response {
        let q = Self.query(request)
        let range = Range(rawValue: q["range"] ?? "") ?? .day
        let grouping: UsageQuery.Grouping = q["bucket"] == "hour" ? .hour : q["bucket"] == "day" ? .day : range.defaultBucket
        let now = Date()
        let (start, keys) = Self.buckets(range, grouping, now: now)
        let end = now.addingTimeInterval(1)
        let store = signed.access.store
        let series: [String: UsageGroup]
        let total: UsageGroup?
        let today: Int128, month: Int128
        do {
            series = Dictionary(try await store.usage(UsageQuery(from: start, to: end, groupBy: grouping)).map { ($0.group, $0) },
                                uniquingKeysWith: { a, _ in a })
            total = try await store.usage(UsageQuery(from: start, to: end, groupBy: .all)).first
            today = try await store.cost(from: BudgetPeriod.day.start(containing: now), to: end)
            month = try await store.cost(from: BudgetPeriod.month.start(containing: now), to: end)
        } catch {
            return layout("Overview", active: "Overview", signed, main: Self.notice("The ledger store is unavailable; try again shortly.", error: true))
        }
        let projected = UsageReport(query: UsageQuery(from: start, to: end, groupBy: .all), groups: [], monthToDate: Picodollars.usd(month), now: now)
            .projectedMonth
        let t = total
        let tokens = (t?.promptTokens ?? 0) + (t?.completionTokens ?? 0)

        let rangeLinks = Range.allCases.map { r -> HTML in
            r == range ? "<a class=\"chip\" aria-current=\"true\" href=\"?range=\(r.rawValue)\">\(r.rawValue)</a>"
                : "<a class=\"chip\" href=\"?range=\(r.rawValue)\">\(r.rawValue)</a>"
        }
        let bucketLinks = [UsageQuery.Grouping.hour, .day].map { b -> HTML in
            let href = "?range=\(range.rawValue)&bucket=\(b.rawValue)"
            return b == grouping ? "<a class=\"chip\" aria-current=\"true\" href=\"\(href)\">by \(b.rawValue)</a>"
                : "<a class=\"chip\" href=\"\(href)\">by \(b.rawValue)</a>"
        }
        let stats: [HTML] = [
            Self.stat("Requests", DashboardFormat.integer(t?.requests ?? 0), note: "since \(DashboardFormat.time(start)) UTC", id: "stat-requests"),
            Self.stat("Error rate", DashboardFormat.percent(t?.errorRate ?? 0), note: "\(DashboardFormat.integer(t?.errors ?? 0)) errors", id: "stat-errors"),
            Self.stat("Spend today", DashboardFormat.usd(Picodollars.usd(today)), note: "UTC day", id: "stat-today"),
            Self.stat("Spend this month", DashboardFormat.usd(Picodollars.usd(month)),
                      note: "month-end projection \(DashboardFormat.usd(projected))", id: "stat-month"),
            Self.stat("Tokens", DashboardFormat.integer(tokens),
                      note: "\(DashboardFormat.integer(t?.promptTokens ?? 0)) prompt, \(DashboardFormat.integer(t?.completionTokens ?? 0)) completion",
                      id: "stat-tokens"),
            Self.stat("Latency p50 / p95 / p99",
                      "\(DashboardFormat.milliseconds(t?.latencyP50Ms)) / \(DashboardFormat.milliseconds(t?.latencyP95Ms)) / \(DashboardFormat.milliseconds(t?.latencyP99Ms))",
                      id: "stat-latency"),
            Self.stat("TTFT p50 / p95 / p99",
                      "\(DashboardFormat.milliseconds(t?.ttftP50Ms)) / \(DashboardFormat.milliseconds(t?.ttftP95Ms)) / \(DashboardFormat.milliseconds(t?.ttftP99Ms))",
                      note: "streams only", id: "stat-ttft"),
        ]
        let points = keys.map { (key: $0.key, label: $0.label, group: series[$0.key]) }
        let requestsChart = TimeChart.bars("Requests and errors", points.map {
            TimeChart.Point(label: $0.label, value: Double($0.group?.requests ?? 0), overlay: Double($0.group?.errors ?? 0))
        }, overlayName: "errors", format: DashboardFormat.compact)
        let spendChart = TimeChart.bars("Spend (USD)", points.map {
            TimeChart.Point(label: $0.label, value: NSDecimalNumber(decimal: $0.group?.cost ?? 0).doubleValue)
        }, format: { DashboardFormat.usd(Decimal($0)) })
        let latencyChart = TimeChart.line("Latency p50 and p95 (ms)", points.map {
            TimeChart.Point(label: $0.label, value: $0.group.map { $0.latencyP50Ms } ?? -1, overlay: $0.group.map { $0.latencyP95Ms })
        }, format: DashboardFormat.compact)
        let tokensChart = TimeChart.bars("Tokens", points.map {
            TimeChart.Point(label: $0.label, value: Double(($0.group?.promptTokens ?? 0) + ($0.group?.completionTokens ?? 0)),
                            overlay: Double($0.group?.completionTokens ?? 0))
        }, overlayName: "completion", format: DashboardFormat.compact)
        let main: HTML = """
            <div class="toolbar"><div class="chips">\(rangeLinks)</div><div class="chips">\(bucketLinks)</div></div>
            <section class="stats">\(stats)</section>
            <section class="charts">
            <figure><figcaption>Requests <span class="legend"><i class="sw bar"></i>all <i class="sw bar-alt"></i>errors</span></figcaption>\(requestsChart)</figure>
            <figure><figcaption>Spend (USD)</figcaption>\(spendChart)</figure>
            <figure><figcaption>Latency (ms) <span class="legend"><i class="sw line"></i>p50 <i class="sw line-alt"></i>p95</span></figcaption>\(latencyChart)</figure>
            <figure><figcaption>Tokens <span class="legend"><i class="sw bar"></i>all <i class="sw bar-alt"></i>completion</span></figcaption>\(tokensChart)</figure>
            </section>
            <p class="hint">Times are UTC. Spend counts priced requests; the projection extends this month's rate to its end.</p>
            """
        return layout("Overview", active: "Overview", signed, refresh: true, main: main)
    }
}
