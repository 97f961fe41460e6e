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

    // MARK: Files (metadata; the content is in the files directory)

    func insertFile(_ file: StoredFile) async throws
    func file(id: String) async throws -> StoredFile?
    /// The files of one key (nil: the files uploaded without a key), newest first, those after
    /// the file `after` in that order, at most `limit`.
    func files(keyID: String?, purpose: String?, after: String?, limit: Int) async throws -> [StoredFile]
    /// False when there was no such file.
    func deleteFile(id: String) async throws -> Bool

    // MARK: Batches (`POST /v1/batches`; the runner's leases and line results)

    func insertBatch(_ batch: Batch) async throws
    func batch(id: String) async throws -> Batch?
    /// Batches newest first, those after the batch `after` in that order, at most `limit`:
    /// of one key (`.key(nil)`: created without a key), or of every key (the admin API).
    func batches(_ owner: BatchOwner, after: String?, limit: Int) async throws -> [Batch]
    /// A validating or in-progress batch becomes `cancelling` (at `at`); the batch as it is
    /// afterwards (nil: no such batch).
    func cancelBatch(id: String, at: Date, reason: BatchError?) async throws -> Batch?
    /// Takes the lease of up to `limit` unfinished batches whose lease is free, expired (its
    /// holder stopped renewing it), or already `owner`'s — every unfinished batch with
    /// `takeOver` (a single-process store after a restart) — until `until`.
    func claimBatches(owner: String, now: Date, until: Date, takeOver: Bool, limit: Int) async throws -> [Batch]
    /// Extends `owner`'s lease; the batch as stored, or nil when the lease is no longer `owner`'s.
    func renewBatchLease(id: String, owner: String, until: Date) async throws -> Batch?
    func releaseBatchLease(id: String, owner: String) async throws
    /// Writes the batch's status, timestamps, errors and output files (never its counts and
    /// usage, which only `commitBatchLine` adds to), with `files` inserted in the same
    /// transaction; only while the batch is `expecting` and its lease is `owner`'s (false otherwise).
    func updateBatch(_ batch: Batch, expecting: BatchStatus, owner: String, files: [StoredFile]) async throws -> Bool
    /// Commits one line in one transaction: its result (nil: the line is to run again, only
    /// its ledger rows are kept), its ledger rows with their spend (when `ledger`), and their
    /// counts, tokens and cost added to the batch. Nothing is written when the lease is not
    /// `owner`'s or the line already has a result.
    func commitBatchLine(batchID: String, owner: String, result: BatchLineResult?, records: [UsageRecord], ledger: Bool) async throws -> BatchCommit
    /// The line numbers that have a result.
    func batchLineNumbers(batchID: String) async throws -> Set<Int>
    /// Every line result of a batch, in line order.
    func batchLines(batchID: String) async throws -> [BatchLineResult]

    func close() async
}

/// Whose batches a listing shows.
public enum BatchOwner: Sendable, Hashable {
    /// One key's (nil: the batches created without a key).
    case key(String?)
    /// Every key's.
    case any
}

/// What `commitBatchLine` did.
public enum BatchCommit: Sendable, Hashable {
    case committed
    /// The line already had a result: nothing was written.
    case duplicate
    /// Another replica holds the batch's lease now: nothing was written.
    case leaseLost
}

/// The batch's counts and usage after adding `records` and `result`.
extension Batch {
    public static func usageDelta(_ records: [UsageRecord]) -> (usage: TokenUsage, cost: Int64) {
        var usage = TokenUsage()
        var cost: Int64 = 0
        for record in records {
            usage.promptTokens += record.usage.promptTokens
            usage.completionTokens += record.usage.completionTokens
            usage.cachedPromptTokens += record.usage.cachedPromptTokens
            usage.reasoningTokens += record.usage.reasoningTokens
            if let c = record.costPicodollars { cost = Picodollars.add(cost, max(0, c)) }
        }
        return (usage, cost)
    }
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
