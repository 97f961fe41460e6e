import Foundation

/// A virtual API key: who may call, which models, how fast and for how much. The secret itself
/// is never stored; `hash` is its SHA-256 and `hint` its last four characters for people.
package struct VirtualKey: Sendable, Hashable {
    package var id: String
    package var name: String
    package var team: String?
    package var hash: String
    package var hint: String
    /// Catalog model IDs or family names (`qwen`) this key may use; empty means every model.
    package var allowedModels: [String]
    /// Deployments in this region are preferred for this key's calls (as `x-switchyard-region`).
    package var region: String?
    package var limits: RateLimits
    package var budget: Budget?
    package var expiresAt: Date?
    package var revokedAt: Date?
    package var createdAt: Date

    package init(id: String, name: String, team: String? = nil, hash: String, hint: String, allowedModels: [String] = [],
                region: String? = nil, limits: RateLimits = .init(), budget: Budget? = nil, expiresAt: Date? = nil,
                revokedAt: Date? = nil, createdAt: Date) {
        self.id = id
        self.name = name
        self.team = team
        self.hash = hash
        self.hint = hint
        self.allowedModels = allowedModels
        self.region = region
        self.limits = limits
        self.budget = budget
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// Why this key may not be used at `now`, or nil when it may.
    package func refusal(at now: Date) -> OpenAIError? {
        if revokedAt != nil {
            return OpenAIError(.invalidAPIKey, "This API key has been revoked.")
        }
        if let expiresAt, expiresAt <= now {
            return OpenAIError(.invalidAPIKey, "This API key expired at \(ISO8601.format(expiresAt)).")
        }
        return nil
    }

    /// Whether this key may call `model`: listed by ID, by alias target, or by family.
    package func allows(_ model: CatalogModel) -> Bool {
        allowedModels.isEmpty || allowedModels.contains(model.id) || allowedModels.contains(model.family.rawValue)
    }
}

/// Requests and tokens per minute; nil means unlimited.
package struct RateLimits: Sendable, Hashable {
    package var requestsPerMinute: Int?
    package var tokensPerMinute: Int?

    package init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
    }

    package var isUnlimited: Bool { requestsPerMinute == nil && tokensPerMinute == nil }
}

/// A spending cap in USD per calendar period (UTC).
package struct Budget: Sendable, Hashable {
    package var amount: Decimal
    package var period: BudgetPeriod

    package init(amount: Decimal, period: BudgetPeriod) {
        self.amount = amount
        self.period = period
    }

    package var amountPicodollars: Int64 { Picodollars.from(amount) }
}

package enum BudgetPeriod: String, Sendable, Hashable, CaseIterable {
    case day, month, total

    /// The start of the period containing `date`, in UTC; the epoch for `total`.
    package func start(containing date: Date) -> Date {
        let calendar = Calendar.utc
        switch self {
        case .day: return calendar.startOfDay(for: date)
        case .month: return calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
        case .total: return Date(timeIntervalSince1970: 0)
        }
    }

    /// When the period containing `date` ends; nil for `total`.
    package func end(containing date: Date) -> Date? {
        let calendar = Calendar.utc
        let start = start(containing: date)
        switch self {
        case .day: return calendar.date(byAdding: .day, value: 1, to: start)
        case .month: return calendar.date(byAdding: .month, value: 1, to: start)
        case .total: return nil
        }
    }
}

/// ISO 8601 in UTC with optional fractional seconds, for admin JSON and the ledger.
package enum ISO8601 {
    package static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// Accepts `2026-11-29T12:00:00Z`, with fractional seconds or an offset, or a bare date
    /// (`2026-11-29`, midnight UTC).
    /// A calendar date that does not exist (`2026-02-30`) is refused, not rolled over.
    package static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 40, dateExists(text) else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if text.utf8.count == 10, let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
        return nil
    }

    /// Whether the text's leading `YYYY-MM-DD` is a day of the calendar.
    static func dateExists(_ text: String) -> Bool {
        let digits = Array(text.utf8.prefix(10))
        guard digits.count == 10, digits[4] == UInt8(ascii: "-"), digits[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in digits[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}
