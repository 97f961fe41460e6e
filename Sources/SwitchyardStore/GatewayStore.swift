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
    /// Writes a key's name, team, models, region, limits, budget and expiry (never its hash,
    /// creation or revocation); false when there is no such key.
    func updateKey(_ key: VirtualKey) async throws -> Bool

    /// Writes usage records and adds their cost to the keys' daily spend, in one transaction.
    func append(_ records: [UsageRecord]) async throws

    /// Records that this replica is alive, writes its use of each key's limits in `minute`
    /// and claims its next share (`WindowCounter.claim`), one key at a time under a lock so
    /// that claims never add up to more than a limit. Replicas seen since `liveSince` count.
    func syncCounters(replica: String, minute: Int64, uses: [CounterUse], now: Date, liveSince: Date) async throws -> CounterSync

    /// Every key's spend in the current day, month and in total (picodollars).
    func spend(now: Date) async throws -> [String: [BudgetPeriod: Int64]]

    /// Totals per group over a time range.
    func usage(_ query: UsageQuery) async throws -> [UsageGroup]

    /// Priced spend from `from` to `to` (picodollars), for the month's projection.
    func cost(from: Date, to: Date) async throws -> Int128

    /// The newest ledger rows that match `filter`, newest first, at most `filter.limit`.
    func records(_ filter: LedgerFilter) async throws -> [UsageRecord]
    /// One ledger row by its record ID.
    func record(id: String) async throws -> UsageRecord?

    // MARK: Files (metadata; the content is in the files directory)

    func insertFile(_ file: StoredFile) async throws
    func file(id: String) async throws -> StoredFile?
    /// The files of one key (nil: the files uploaded without a key), newest first, those after
    /// the file `after` in that order, at most `limit`.
    func files(keyID: String?, purpose: String?, after: String?, limit: Int) async throws -> [StoredFile]
    /// False when there was no such file.
    func deleteFile(id: String) async throws -> Bool

    func close() async
}

/// This replica's use of one key's limits in the current window.
public struct CounterUse: Sendable, Hashable {
    public var keyID: String
    public var requests: Int
    public var tokens: Int
    public var requestLimit: Int?
    public var tokenLimit: Int?
    /// The largest single amount refused since the last sync (`WindowCounter.demand`).
    public var requestDemand: Int
    public var tokenDemand: Int

    public init(keyID: String, requests: Int, tokens: Int, requestLimit: Int?, tokenLimit: Int?, requestDemand: Int = 0, tokenDemand: Int = 0) {
        self.keyID = keyID
        self.requests = requests
        self.tokens = tokens
        self.requestLimit = requestLimit
        self.tokenLimit = tokenLimit
        self.requestDemand = requestDemand
        self.tokenDemand = tokenDemand
    }
}

public struct CounterSync: Sendable, Hashable {
    public struct Grant: Sendable, Hashable {
        public var requests: ClaimGrant?
        public var tokens: ClaimGrant?
        public init(requests: ClaimGrant?, tokens: ClaimGrant?) {
            self.requests = requests
            self.tokens = tokens
        }
    }

    public var grants: [String: Grant]
    /// Replicas seen within the liveness window, this one included (at least 1).
    public var replicas: Int
    /// Keys other replicas hold claims on in this window (this replica should sync them too,
    /// to release its opening claim).
    public var activeKeys: Set<String>

    public init(grants: [String: Grant], replicas: Int, activeKeys: Set<String>) {
        self.grants = grants
        self.replicas = replicas
        self.activeKeys = activeKeys
    }
}

/// The claims of the other replicas on one key in one window.
struct OtherClaims {
    var requests = 0
    var tokens = 0
    var replicas = 0

    func grant(for use: CounterUse, replicas: Int) -> CounterSync.Grant {
        let notSynced = max(0, replicas - 1 - self.replicas)
        return CounterSync.Grant(
            requests: use.requestLimit.map { WindowCounter.claim(limit: $0, used: use.requests, demand: use.requestDemand, othersClaimed: requests,
                                                                 othersNotSynced: notSynced, replicas: replicas) },
            tokens: use.tokenLimit.map { WindowCounter.claim(limit: $0, used: use.tokens, demand: use.tokenDemand, othersClaimed: tokens,
                                                             othersNotSynced: notSynced, replicas: replicas) })
    }
}
