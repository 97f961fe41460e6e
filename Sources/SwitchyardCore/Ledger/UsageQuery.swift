import Foundation

/// `GET /admin/usage?from=&to=&group_by=`: a time range and a grouping.
public struct UsageQuery: Sendable, Hashable {
    public enum Grouping: String, Sendable, CaseIterable {
        case key, team, model, provider, deployment, day, front

        /// The ledger column grouped on.
        public var column: String {
            switch self {
            case .key: return "key_id"
            case .team: return "team"
            case .model: return "served_model"
            case .provider: return "provider"
            case .deployment: return "deployment"
            case .day: return "day"
            case .front: return "front"
            }
        }
    }

    public var from: Date
    public var to: Date
    public var groupBy: Grouping

    public init(from: Date, to: Date, groupBy: Grouping) {
        self.from = from
        self.to = to
        self.groupBy = groupBy
    }

    /// Parses query parameters. Defaults: this month so far (UTC), grouped by model.
    public init(parameters: [String: String], now: Date) throws(OpenAIError) {
        for key in parameters.keys where !["from", "to", "group_by"].contains(key) {
            throw .invalidRequest("Unknown query parameter '\(key.prefix(64))'; expected from, to, group_by.", param: String(key.prefix(64)))
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
    }

    public var fromMilliseconds: Int64 { from.millisecondsSinceEpoch }
    public var toMilliseconds: Int64 { to.millisecondsSinceEpoch }
}
