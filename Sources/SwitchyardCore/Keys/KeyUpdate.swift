import Foundation

/// What an admin changes on a key (`PATCH /admin/keys/{id}`): only the fields the body names.
/// A field set to `null` is cleared (no team, every model, no limit, no budget, no expiry); a
/// value is checked exactly as `POST /admin/keys` checks it. The secret, the ID and the
/// revocation never change here.
package struct KeyUpdate: Sendable, Hashable {
    package enum Change<Value: Sendable & Hashable>: Sendable, Hashable {
        case keep
        case clear
        case set(Value)

        func applied(to value: Value?) -> Value? {
            switch self {
            case .keep: return value
            case .clear: return nil
            case .set(let new): return new
            }
        }
    }

    package var name: String?
    package var team: Change<String> = .keep
    package var allowedModels: Change<[String]> = .keep
    package var region: Change<String> = .keep
    package var requestsPerMinute: Change<Int> = .keep
    package var tokensPerMinute: Change<Int> = .keep
    package var budget: Change<Budget> = .keep
    package var expiresAt: Change<Date> = .keep

    package init() {}

    /// Parses a JSON object of `KeySpec.fields`; at least one must be given.
    package init(json body: [UInt8], catalog: Catalog, now: Date) throws(OpenAIError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body, maxDepth: 8, strict: true)
        } catch {
            throw .invalidRequest("The request body is not valid JSON: \(error).")
        }
        guard document.root.kind == .object else { throw .invalidRequest("The request body must be a JSON object.") }
        var present: [String: Bool] = [:]  // field → set (true) or null (false)
        var members: [String] = []
        for (key, value) in document.members(of: document.root) {
            guard KeySpec.fields.contains(key) else {
                throw .invalidRequest("Unknown field '\(key.prefix(64))'. Known fields: \(KeySpec.fields.sorted().joined(separator: ", ")).",
                                      param: String(key.prefix(64)))
            }
            present[key] = value.kind != .null
            if value.kind != .null {
                members.append(JSONString.quoted(key) + ":" + String(decoding: document.raw(value), as: UTF8.self))
            }
        }
        guard !present.isEmpty else { throw .invalidRequest("Name at least one field to change: \(KeySpec.fields.sorted().joined(separator: ", ")).") }
        if present["name"] == false { throw .invalidRequest("'name' cannot be cleared.", param: "name") }
        if present["budget_period"] == true, present["budget_usd"] == nil {
            throw .invalidRequest("'budget_period' needs 'budget_usd' (give both).", param: "budget_period")
        }
        if present["expires_at"] != nil, present["expires_in_days"] != nil {
            throw .invalidRequest("Give 'expires_at' or 'expires_in_days', not both.", param: "expires_at")
        }
        // The values given are checked by the same code as a new key's (a placeholder name when
        // the update keeps the name).
        if present["name"] == nil { members.append("\"name\":\"-\"") }
        let spec = try KeySpec(json: Array(("{" + members.joined(separator: ",") + "}").utf8), catalog: catalog, now: now)
        func change<Value>(_ field: String, _ value: Value?) -> Change<Value> {
            switch present[field] {
            case nil: return .keep
            case false?: return .clear
            case true?: return value.map { .set($0) } ?? .clear
            }
        }
        if present["name"] == true { name = spec.name }
        team = change("team", spec.team)
        region = change("region", spec.region)
        requestsPerMinute = change("rpm", spec.limits.requestsPerMinute)
        tokensPerMinute = change("tpm", spec.limits.tokensPerMinute)
        budget = change("budget_usd", spec.budget)
        switch present["models"] {
        case nil: allowedModels = .keep
        case false?: allowedModels = .clear
        case true?: allowedModels = spec.allowedModels.isEmpty ? .clear : .set(spec.allowedModels)
        }
        if present["expires_at"] != nil {
            expiresAt = change("expires_at", spec.expiresAt)
        } else if present["expires_in_days"] != nil {
            expiresAt = change("expires_in_days", spec.expiresAt)
        }
    }

    /// `key` with the changes made.
    package func applied(to key: VirtualKey) -> VirtualKey {
        var key = key
        if let name { key.name = name }
        key.team = team.applied(to: key.team)
        key.allowedModels = allowedModels.applied(to: key.allowedModels) ?? []
        key.region = region.applied(to: key.region)
        key.limits.requestsPerMinute = requestsPerMinute.applied(to: key.limits.requestsPerMinute)
        key.limits.tokensPerMinute = tokensPerMinute.applied(to: key.limits.tokensPerMinute)
        key.budget = budget.applied(to: key.budget)
        key.expiresAt = expiresAt.applied(to: key.expiresAt)
        return key
    }

    /// Whether the update gives a key a budget.
    package var setsBudget: Bool { if case .set = budget { return true } else { return false } }
}
