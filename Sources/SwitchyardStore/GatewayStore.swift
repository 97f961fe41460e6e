import Foundation
import SwitchyardCore

/// Where keys, counters and the usage ledger live. Two implementations: `SQLiteStore` (one
/// file, WAL, the zero-setup default for one gateway process) and `PostgresStore` (shared by
/// several gateway processes: cluster mode).
///
/// Nothing on a request's path calls a store: keys are cached in memory, counters are synced
/// in the background, and usage records reach the store in batches through the ledger queue.
public protocol GatewayStore: Sendable {
    /// `sqlite:/path/file.db` or `postgres://user@host:port/db` — never a password.
    var description: String { get }

    /// Creates or upgrades the schema. Safe to run from several processes at once.
    func migrate() async throws

    func insertKey(_ key: VirtualKey) async throws
    func allKeys() async throws -> [VirtualKey]
    /// Marks a key revoked; false when there is no such key.
    func revokeKey(id: String, at: Date) async throws -> Bool

    /// Writes usage records and adds their cost to the keys' daily spend, in one transaction.
    func append(_ records: [UsageRecord]) async throws

    /// Adds this replica's rate-limit use since the last sync, records that the replica is
    /// alive, and returns the cluster's totals for `minute` and the number of replicas seen
    /// since `liveSince`.
    func syncCounters(replica: String, minute: Int64, deltas: [CounterDelta], now: Date, liveSince: Date) async throws -> CounterSync

    /// Every key's spend in the current day, month and in total (picodollars).
    func spend(now: Date) async throws -> [String: [BudgetPeriod: Int64]]

    /// Totals per group over a time range.
    func usage(_ query: UsageQuery) async throws -> [UsageGroup]

    /// Priced spend from `from` to `to` (picodollars), for the month's projection.
    func cost(from: Date, to: Date) async throws -> Int128

    func close() async
}

/// One key's rate-limit use since the last sync.
public struct CounterDelta: Sendable, Hashable {
    public var keyID: String
    public var requests: Int
    public var tokens: Int

    public init(keyID: String, requests: Int, tokens: Int) {
        self.keyID = keyID
        self.requests = requests
        self.tokens = tokens
    }
}

public struct CounterSync: Sendable, Hashable {
    public struct Totals: Sendable, Hashable {
        public var requests: Int
        public var tokens: Int
        public init(requests: Int, tokens: Int) {
            self.requests = requests
            self.tokens = tokens
        }
    }

    public var totals: [String: Totals]
    /// Replicas seen within the liveness window, this one included (at least 1).
    public var replicas: Int

    public init(totals: [String: Totals], replicas: Int) {
        self.totals = totals
        self.replicas = replicas
    }
}

