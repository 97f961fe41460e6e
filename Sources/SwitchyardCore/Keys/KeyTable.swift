import Foundation

/// Every virtual key packed for memory, so that a replica can hold a million of them: one
/// fixed-size record per key in one array, the SHA-256 as four words instead of a hex string,
/// teams, regions and model lists interned (a reseller has a few hundred teams and a handful
/// of model lists, not one per key), and no Optionals in the record (sentinels instead). Two
/// small indexes point into the array: digest → slot and id → slot. Keys are never removed
/// (a revoked key stays, refused), so slots are stable.
package struct KeyTable: Sendable {
    private struct Record: Sendable {
        /// Meaningful only when `hasDigest`; otherwise the stored hash is in `oddHashes`.
        var digest: KeyDigest
        var id: String
        var name: String
        var hint: String
        /// `Int64.min`: no limit.
        var rpm: Int64
        var tpm: Int64
        var budgetPicodollars: Int64
        /// Seconds since the reference date; NaN: none.
        var expiresAt: Double
        var revokedAt: Double
        var createdAt: Double
        /// Indexes into `strings` (0: none).
        var team: UInt32
        var region: UInt32
        /// Index into `modelLists` (0: every model).
        var models: UInt32
        /// 0: no budget; otherwise 1 + the period's index in `BudgetPeriod.allCases`.
        var budgetPeriod: UInt8
        var hasDigest: Bool
    }

    private static let none = Int64.min
    private static let periods = BudgetPeriod.allCases

    private var records: [Record] = []
    private var slotByDigest: [KeyDigest: Int32] = [:]
    private var slotByID: [String: Int32] = [:]
    /// Hashes that are not 64 lower-case hex digits (never produced by the gateway): kept so
    /// the key reads back as stored, but not indexed, so no presented secret matches them.
    private var oddHashes: [Int32: String] = [:]
    private var strings = Interner<String>()
    private var modelLists = Interner<[String]>()

    package init() {}

    package var count: Int { records.count }

    /// Distinct teams and regions, and distinct model lists, held once each.
    package var internedCounts: (strings: Int, modelLists: Int) { (strings.count, modelLists.count) }

    /// Makes room for `extra` more keys at once (a first load), growing at least geometrically
    /// so that many small reservations do not each copy the table.
    package mutating func reserveCapacity(_ extra: Int) {
        let needed = records.count + extra
        if needed > records.capacity { records.reserveCapacity(max(needed, records.capacity * 2)) }
        if needed > slotByDigest.capacity { slotByDigest.reserveCapacity(max(needed, slotByDigest.capacity * 2)) }
        if needed > slotByID.capacity { slotByID.reserveCapacity(max(needed, slotByID.capacity * 2)) }
    }

    /// Adds `key`, or replaces the key with its id (also when its hash changed).
    package mutating func put(_ key: VirtualKey) {
        let digest = KeyDigest(hex: key.hash)
        let record = Record(
            digest: digest ?? KeyDigest(words: (0, 0, 0, 0)), id: key.id, name: key.name, hint: key.hint,
            rpm: key.limits.requestsPerMinute.map(Int64.init) ?? Self.none, tpm: key.limits.tokensPerMinute.map(Int64.init) ?? Self.none,
            budgetPicodollars: key.budget?.amountPicodollars ?? 0,
            expiresAt: key.expiresAt?.timeIntervalSinceReferenceDate ?? .nan, revokedAt: key.revokedAt?.timeIntervalSinceReferenceDate ?? .nan,
            createdAt: key.createdAt.timeIntervalSinceReferenceDate,
            team: strings.index(of: key.team), region: strings.index(of: key.region),
            models: modelLists.index(of: key.allowedModels.isEmpty ? nil : key.allowedModels),
            budgetPeriod: key.budget.map { UInt8(Self.periods.firstIndex(of: $0.period)! + 1) } ?? 0,
            hasDigest: digest != nil)
        let slot: Int32
        if let existing = slotByID[key.id] {
            slot = existing
            let old = records[Int(slot)]
            if old.hasDigest, slotByDigest[old.digest] == slot { slotByDigest[old.digest] = nil }
            records[Int(slot)] = record
        } else {
            slot = Int32(records.count)
            records.append(record)
            slotByID[key.id] = slot
        }
        oddHashes[slot] = digest == nil ? key.hash : nil
        if let digest { slotByDigest[digest] = slot }
    }

    /// The key whose hash is `digest`. The index compares digests without an early exit.
    package func key(digest: KeyDigest) -> VirtualKey? {
        guard let slot = slotByDigest[digest] else { return nil }
        return key(at: slot)
    }

    package func key(id: String) -> VirtualKey? {
        slotByID[id].map(key(at:))
    }

    /// Every key, in the order first put.
    package var all: [VirtualKey] { records.indices.map { key(at: Int32($0)) } }

    private func key(at slot: Int32) -> VirtualKey {
        let record = records[Int(slot)]
        func date(_ seconds: Double) -> Date? { seconds.isNaN ? nil : Date(timeIntervalSinceReferenceDate: seconds) }
        func limit(_ value: Int64) -> Int? { value == Self.none ? nil : Int(value) }
        let budget = record.budgetPeriod == 0
            ? nil : Budget(amount: Picodollars.usd(record.budgetPicodollars), period: Self.periods[Int(record.budgetPeriod) - 1])
        return VirtualKey(
            id: record.id, name: record.name, team: strings.value(at: record.team),
            hash: record.hasDigest ? record.digest.hex : oddHashes[slot] ?? "", hint: record.hint,
            allowedModels: modelLists.value(at: record.models) ?? [], region: strings.value(at: record.region),
            limits: RateLimits(requestsPerMinute: limit(record.rpm), tokensPerMinute: limit(record.tpm)), budget: budget,
            expiresAt: date(record.expiresAt), revokedAt: date(record.revokedAt), createdAt: Date(timeIntervalSinceReferenceDate: record.createdAt))
    }
}

/// Values held once each and named by a small index (0: none). Never shrinks: it grows with
/// the number of distinct values, not with the number of keys.
struct Interner<Value: Hashable & Sendable>: Sendable {
    private var values: [Value] = []
    private var indexes: [Value: UInt32] = [:]

    var count: Int { values.count }

    mutating func index(of value: Value?) -> UInt32 {
        guard let value else { return 0 }
        if let index = indexes[value] { return index }
        values.append(value)
        let index = UInt32(values.count)
        indexes[value] = index
        return index
    }

    func value(at index: UInt32) -> Value? { index == 0 ? nil : values[Int(index) - 1] }
}
