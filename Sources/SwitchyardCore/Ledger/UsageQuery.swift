import Foundation

/// `GET /admin/usage?from=&to=&group_by=&key=&team=&model=&provider=&deployment=`: a time range,
/// a grouping and optional filters.
package struct UsageQuery: Sendable, Hashable {
    package enum Grouping: String, Sendable, CaseIterable {
        case key, team, model, provider, deployment, day, hour, front
        /// One group, `all`: totals (and percentiles) over every row of the range.
        case all

        /// The ledger column grouped on (`day`, `hour` and `all` are expressions, see the stores).
        package var column: String {
            switch self {
            case .key: return "key_id"
            case .team: return "team"
            case .model: return "served_model"
            case .provider: return "provider"
            case .deployment: return "deployment"
            case .day: return "day"
            case .hour: return "hour"
            case .front: return "front"
            case .all: return "all"
            }
        }
    }

    /// Rows are kept only when every filter set matches its column exactly.
    package struct Filters: Sendable, Hashable {
        package var keyID: String?
        package var team: String?
        /// The served model (the catalog ID).
        package var model: String?
        package var provider: String?
        package var deployment: String?

        package init(keyID: String? = nil, team: String? = nil, model: String? = nil, provider: String? = nil, deployment: String? = nil) {
            self.keyID = keyID
            self.team = team
            self.model = model
            self.provider = provider
            self.deployment = deployment
        }

        /// (column, value) of each filter set, in a fixed order.
        package var columns: [(column: String, value: String)] {
            var out: [(String, String)] = []
            if let keyID { out.append(("key_id", keyID)) }
            if let team { out.append(("team", team)) }
            if let model { out.append(("served_model", model)) }
            if let provider { out.append(("provider", provider)) }
            if let deployment { out.append(("deployment", deployment)) }
            return out
        }

        package var isEmpty: Bool { columns.isEmpty }

        /// The query parameters that set these filters (`key`, `team`, `model`, `provider`, `deployment`).
        package static let parameterNames = ["key", "team", "model", "provider", "deployment"]
    }

    package var from: Date
    package var to: Date
    package var groupBy: Grouping
    package var filters: Filters

    package init(from: Date, to: Date, groupBy: Grouping, filters: Filters = .init()) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
        self.filters = filters
    }

    /// The query parameters `init(parameters:now:)` reads; `format` is the admin API's (`json` or `csv`).
    package static let parameterNames: Set<String> = Set(["from", "to", "group_by", "format"] + Filters.parameterNames)

    /// Parses query parameters. Defaults: this month so far (UTC), grouped by model.
    package init(parameters: [String: String], now: Date) throws(OpenAIError) {
        for key in parameters.keys.sorted() where !Self.parameterNames.contains(key) {
            throw .invalidRequest("Unknown query parameter '\(key.prefix(64))'; expected \(Self.parameterNames.sorted().joined(separator: ", ")).",
                                  param: String(key.prefix(64)))
        }
        func date(_ name: String) throws(OpenAIError) -> Date? {
            guard let text = parameters[name] else { return nil }
            guard let date = ISO8601.parse(text) else {
                throw .invalidRequest("'\(name)' must be an ISO 8601 date or time (2026-11-01 or 2026-11-01T00:00:00Z).", param: name)
            }
            return date
        }
        from = try date("from") ?? BudgetPeriod.month.start(containing: now)
        to = try date("to") ?? now
        guard from < to else { throw .invalidRequest("'from' must be before 'to'.", param: "from") }
        let grouping = parameters["group_by"] ?? "model"
        guard let parsed = Grouping(rawValue: grouping) else {
            throw .invalidRequest("'group_by' must be one of: \(Grouping.allCases.map(\.rawValue).joined(separator: ", ")).", param: "group_by")
        }
        groupBy = parsed
        /// An empty filter is no filter.
        func filter(_ name: String) throws(OpenAIError) -> String? {
            guard let value = parameters[name], !value.isEmpty else { return nil }
            guard value.unicodeScalars.count <= 256, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalidRequest("'\(name)' must be at most 256 characters, without control characters.", param: name)
            }
            return value
        }
        filters = Filters(keyID: try filter("key"), team: try filter("team"), model: try filter("model"), provider: try filter("provider"),
                          deployment: try filter("deployment"))
        if let format = parameters["format"], !["json", "csv"].contains(format) {
            throw .invalidRequest("'format' must be json or csv.", param: "format")
        }
    }

    package var fromMilliseconds: Int64 { from.millisecondsSinceEpoch }
    package var toMilliseconds: Int64 { to.millisecondsSinceEpoch }
}
