import Foundation

/// What an admin asks for when creating a key (`POST /admin/keys`), validated field by field.
/// Unknown fields are rejected so that a typo (`rmp`) never silently means "unlimited".
package struct KeySpec: Sendable, Hashable {
    package var name: String
    package var team: String?
    package var allowedModels: [String] = []
    package var region: String?
    package var limits = RateLimits()
    package var budget: Budget?
    package var expiresAt: Date?

    package static let fields: Set<String> = ["name", "team", "models", "region", "rpm", "tpm", "budget_usd", "budget_period",
                                             "expires_at", "expires_in_days"]

    /// The largest budget: amounts are kept in picodollars in an Int64 (about $9.2M).
    package static let maxBudget: Decimal = 9_000_000

    package init(name: String) { self.name = name }

    /// Parses a JSON body. Every error is a 400 naming the field (`param`).
    package init(json body: [UInt8], catalog: Catalog, now: Date) throws(OpenAIError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body, maxDepth: 8, strict: true)
        } catch {
            throw .invalidRequest("The request body is not valid JSON: \(error).")
        }
        guard document.root.kind == .object else { throw .invalidRequest("The request body must be a JSON object.") }
        var values: [String: JSONValue] = [:]
        for (key, value) in document.members(of: document.root) {
            guard Self.fields.contains(key) else {
                throw .invalidRequest("Unknown field '\(key.prefix(64))'. Known fields: \(Self.fields.sorted().joined(separator: ", ")).", param: String(key.prefix(64)))
            }
            values[key] = value
        }
        func text(_ key: String, maxLength: Int) throws(OpenAIError) -> String? {
            guard let value = values[key], value.kind != .null else { return nil }
            guard let string = document.string(value) else { throw .invalidRequest("'\(key)' must be a string.", param: key) }
            let trimmed = string.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw .invalidRequest("'\(key)' must not be empty.", param: key) }
            guard trimmed.count <= maxLength else { throw .invalidRequest("'\(key)' must be at most \(maxLength) characters.", param: key) }
            guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalidRequest("'\(key)' must not contain control characters.", param: key)
            }
            return trimmed
        }
        func integer(_ key: String, in range: ClosedRange<Int>) throws(OpenAIError) -> Int? {
            guard let value = values[key], value.kind != .null else { return nil }
            guard value.kind == .number, let number = document.int(value), range.contains(number) else {
                throw .invalidRequest("'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound).", param: key)
            }
            return number
        }

        guard let name = try text("name", maxLength: 128) else { throw .invalidRequest("'name' is required.", param: "name") }
        self.name = name
        team = try text("team", maxLength: 128)
        if let region = try text("region", maxLength: 64) {
            guard region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
                throw .invalidRequest("'region' may contain only letters, digits, '-', '_' and '.'.", param: "region")
            }
            self.region = region
        }
        if let models = values["models"], models.kind != .null {
            guard models.kind == .array else { throw .invalidRequest("'models' must be a list of model IDs or family names.", param: "models") }
            let elements = document.elements(of: models)
            guard elements.count <= 256 else { throw .invalidRequest("'models' may list at most 256 entries.", param: "models") }
            var allowed: [String] = []
            for element in elements {
                guard let entry = document.string(element), !entry.isEmpty, entry.utf8.count <= 128 else {
                    throw .invalidRequest("'models' must contain only non-empty strings.", param: "models")
                }
                if let family = ModelFamily(rawValue: entry.lowercased()) {
                    allowed.append(family.rawValue)
                } else if let model = catalog.model(named: entry) {
                    allowed.append(model.id)
                } else {
                    throw .invalidRequest("'\(entry.prefix(64))' in 'models' is neither a catalog model nor a family (\(ModelFamily.allCases.map(\.rawValue).joined(separator: ", "))).", param: "models")
                }
            }
            allowedModels = Array(Set(allowed)).sorted()
        }
        limits.requestsPerMinute = try integer("rpm", in: 1...10_000_000)
        limits.tokensPerMinute = try integer("tpm", in: 1...10_000_000_000)

        if let value = values["budget_usd"], value.kind != .null {
            let literal: String?
            switch value.kind {
            case .number: literal = String(decoding: document.raw(value), as: UTF8.self)
            case .string: literal = document.string(value)
            default: literal = nil
            }
            guard let literal, let amount = Decimal(exactly: literal), amount > 0, amount <= Self.maxBudget else {
                throw .invalidRequest("'budget_usd' must be a plain decimal amount above 0 and at most \(Self.maxBudget) (e.g. 25 or \"12.50\").", param: "budget_usd")
            }
            // Budgets are kept in whole picodollars: a finer amount would be rounded silently.
            guard Picodollars.usd(Picodollars.from(amount)) == amount else {
                throw .invalidRequest("'budget_usd' has more than 12 decimals (budgets are kept to the picodollar, $0.000000000001).", param: "budget_usd")
            }
            var period = BudgetPeriod.month
            if let name = try text("budget_period", maxLength: 16) {
                guard let parsed = BudgetPeriod(rawValue: name) else {
                    throw .invalidRequest("'budget_period' must be one of: day, month, total.", param: "budget_period")
                }
                period = parsed
            }
            budget = Budget(amount: amount, period: period)
        } else if values["budget_period"].map({ $0.kind != .null }) == true {
            throw .invalidRequest("'budget_period' needs 'budget_usd'.", param: "budget_period")
        }

        if let at = try text("expires_at", maxLength: 40) {
            guard values["expires_in_days"].map({ $0.kind == .null }) ?? true else { throw .invalidRequest("Give 'expires_at' or 'expires_in_days', not both.", param: "expires_at") }
            guard let date = ISO8601.parse(at) else {
                throw .invalidRequest("'expires_at' must be an ISO 8601 time such as 2027-01-31T00:00:00Z.", param: "expires_at")
            }
            guard date > now else { throw .invalidRequest("'expires_at' is in the past.", param: "expires_at") }
            expiresAt = date
        } else if let days = try integer("expires_in_days", in: 1...36_500) {
            expiresAt = now.addingTimeInterval(TimeInterval(days) * 86_400)
        }
    }
}
