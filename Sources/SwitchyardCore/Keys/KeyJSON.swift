import Foundation

extension VirtualKey {
    /// The key as the admin API shows it. Never includes the hash or the secret.
    package func json(spent: Decimal? = nil, now: Date = Date()) -> String {
        var fields: [String] = []
        fields.append("\"id\":" + JSONString.quoted(id))
        fields.append("\"name\":" + JSONString.quoted(name))
        fields.append("\"team\":" + (team.map(JSONString.quoted) ?? "null"))
        fields.append("\"key_hint\":" + JSONString.quoted("sy-…" + hint))
        fields.append("\"models\":[" + allowedModels.map(JSONString.quoted).joined(separator: ",") + "]")
        fields.append("\"region\":" + (region.map(JSONString.quoted) ?? "null"))
        fields.append("\"rpm\":" + (limits.requestsPerMinute.map(String.init) ?? "null"))
        fields.append("\"tpm\":" + (limits.tokensPerMinute.map(String.init) ?? "null"))
        fields.append("\"budget_usd\":" + (budget.map { JSONString.quoted($0.amount.plainString(scale: 12)) } ?? "null"))
        fields.append("\"budget_period\":" + (budget.map { JSONString.quoted($0.period.rawValue) } ?? "null"))
        if let spent { fields.append("\"spent_usd\":" + JSONString.quoted(spent.plainString(scale: 12))) }
        fields.append("\"expires_at\":" + (expiresAt.map { JSONString.quoted(ISO8601.format($0)) } ?? "null"))
        fields.append("\"revoked_at\":" + (revokedAt.map { JSONString.quoted(ISO8601.format($0)) } ?? "null"))
        fields.append("\"created_at\":" + JSONString.quoted(ISO8601.format(createdAt)))
        let status = revokedAt != nil ? "revoked" : (expiresAt.map { $0 <= now } == true ? "expired" : "active")
        fields.append("\"status\":" + JSONString.quoted(status))
        return "{" + fields.joined(separator: ",") + "}"
    }
}
