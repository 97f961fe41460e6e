import Foundation
import SwitchyardCore

/// How a `VirtualKey` maps to the `api_keys` table's columns, the same in both databases.
struct KeyColumns {
    var id: String
    var hash: String
    var hint: String
    var name: String
    var team: String?
    /// Model IDs and family names, comma-separated (neither ever contains a comma).
    var models: String
    var region: String?
    var rpm: Int64?
    var tpm: Int64?
    var budgetPicodollars: Int64?
    var budgetPeriod: String?
    var expiresAtMs: Int64?
    var revokedAtMs: Int64?
    var createdAtMs: Int64

    static let columnList = "id, key_hash, key_hint, name, team, models, region, rpm, tpm, budget_pusd, budget_period, expires_at_ms, revoked_at_ms, created_at_ms"

    init(_ key: VirtualKey) {
        id = key.id
        hash = key.hash
        hint = key.hint
        name = key.name
        team = key.team
        models = key.allowedModels.joined(separator: ",")
        region = key.region
        rpm = key.limits.requestsPerMinute.map(Int64.init)
        tpm = key.limits.tokensPerMinute.map(Int64.init)
        budgetPicodollars = key.budget?.amountPicodollars
        budgetPeriod = key.budget?.period.rawValue
        expiresAtMs = key.expiresAt.map(Self.milliseconds)
        revokedAtMs = key.revokedAt.map(Self.milliseconds)
        createdAtMs = Self.milliseconds(key.createdAt)
    }

    init(id: String, hash: String, hint: String, name: String, team: String?, models: String, region: String?, rpm: Int64?, tpm: Int64?,
         budgetPicodollars: Int64?, budgetPeriod: String?, expiresAtMs: Int64?, revokedAtMs: Int64?, createdAtMs: Int64) {
        self.id = id
        self.hash = hash
        self.hint = hint
        self.name = name
        self.team = team
        self.models = models
        self.region = region
        self.rpm = rpm
        self.tpm = tpm
        self.budgetPicodollars = budgetPicodollars
        self.budgetPeriod = budgetPeriod
        self.expiresAtMs = expiresAtMs
        self.revokedAtMs = revokedAtMs
        self.createdAtMs = createdAtMs
    }

    var key: VirtualKey {
        var budget: Budget?
        if let budgetPicodollars, let period = budgetPeriod.flatMap(BudgetPeriod.init(rawValue:)) {
            budget = Budget(amount: Picodollars.usd(budgetPicodollars), period: period)
        }
        return VirtualKey(
            id: id, name: name, team: team, hash: hash, hint: hint,
            allowedModels: models.isEmpty ? [] : models.split(separator: ",").map(String.init), region: region,
            limits: RateLimits(requestsPerMinute: rpm.map { Int($0) }, tokensPerMinute: tpm.map { Int($0) }),
            budget: budget, expiresAt: expiresAtMs.map(Self.date), revokedAt: revokedAtMs.map(Self.date), createdAt: Self.date(createdAtMs))
    }

    static func milliseconds(_ date: Date) -> Int64 { date.millisecondsSinceEpoch }
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

/// Days since the epoch (UTC): the key of the daily spend table.
enum EpochDay {
    static func of(milliseconds: Int64) -> Int64 { milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000 }
    static func of(_ date: Date) -> Int64 { of(milliseconds: KeyColumns.milliseconds(date)) }
}

extension Array where Element == UsageRecord {
    /// Cost per key and day, for the spend table.
    var spendByKeyAndDay: [SpendKey: Int64] {
        var out: [SpendKey: Int64] = [:]
        for record in self {
            guard let key = record.keyID, let cost = record.costPicodollars, cost > 0 else { continue }
            let spendKey = SpendKey(keyID: key, day: EpochDay.of(milliseconds: record.timeMilliseconds))
            out[spendKey] = Picodollars.add(out[spendKey] ?? 0, cost)
        }
        return out
    }
}

struct SpendKey: Hashable {
    var keyID: String
    var day: Int64
}
