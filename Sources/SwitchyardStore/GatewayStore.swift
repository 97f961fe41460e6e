import Foundation
import SwitchyardCore

/// Where keys, counters and the usage ledger live. Two implementations: `SQLiteStore` (one
/// file, WAL, the zero-setup default for one gateway process) and `PostgresStore` (shared by
/// several gateway processes: cluster mode).
///
/// Nothing on a request's path calls a store: keys are cached in memory, counters are synced
/// in the background, and usage records reach the store in batches through the ledger queue.
package protocol GatewayStore: Sendable {
    /// `sqlite:/path/file.db` or `postgres://user@host:port/db` — never a password.
    var description: String { get }

    /// Creates or upgrades the schema. Safe to run from several processes at once.
    func migrate() async throws

    func insertKey(_ key: VirtualKey) async throws
    /// Inserts every key or none (one transaction): a bulk import.
    func insertKeys(_ keys: [VirtualKey]) async throws
    func allKeys() async throws -> [VirtualKey]
    /// Marks a key revoked; false when there is no such key.
    func revokeKey(id: String, at: Date) async throws -> Bool
    /// Writes a key's name, team, models, region, limits, budget and expiry (never its hash,
    /// creation or revocation); false when there is no such key.
    func updateKey(_ key: VirtualKey) async throws -> Bool

    /// The keys created or changed after change `version` (`KeyChanges.everything`: every key),
    /// and the newest change read. Every write to a key, by any process or by hand, takes the
    /// next number of one store-wide sequence (a trigger), in commit order, so a replica that
    /// asks for what came after the last number it saw never misses a change, and an idle
    /// replica reads nothing however many keys exist. At most `limit` keys, the oldest changes
    /// first: a first load reads a million keys a page at a time, never all rows at once.
    func keyChanges(after version: Int64, limit: Int) async throws -> KeyChanges

    /// Writes usage records and adds their cost to the keys' daily spend, in one transaction.
    func append(_ records: [UsageRecord]) async throws

    /// Records that this replica is alive, writes its use of each key's limits in `minute`
    /// and claims its next share (`WindowCounter.claim`), one key at a time under a lock so
    /// that claims never add up to more than a limit. Replicas seen since `liveSince` count.
    func syncCounters(replica: String, minute: Int64, uses: [CounterUse], now: Date, liveSince: Date) async throws -> CounterSync

    /// Every key's spend in the current day, month and in total (picodollars).
    func spend(now: Date) async throws -> [String: [BudgetPeriod: Int64]]

    /// The spend (as `spend(now:)`) of the keys whose spend rows were written at or after
    /// `since` (milliseconds on the store's clock; nil: every key), and the store's clock when
    /// the read began. Callers ask again from a little before that time (`SpendChanges.overlap`),
    /// so that a write still committing during the read is not missed.
    func spendChanges(since: Int64?, now: Date) async throws -> SpendChanges

    /// Calls `changed` whenever another process changes a key, until cancelled; returns at
    /// once when the store has no such notifications (one SQLite process needs none).
    func watchKeyChanges(_ changed: @escaping @Sendable () -> Void) async throws

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

extension GatewayStore {
    /// Every key changed after `version`, in one read.
    package func keyChanges(after version: Int64) async throws -> KeyChanges {
        try await keyChanges(after: version, limit: Int(Int64.max))
    }
}

/// Keys changed after a version, and the newest version among them (the version asked about
/// when nothing changed).
package struct KeyChanges: Sendable {
    /// Asks for every key.
    package static let everything: Int64 = -1

    package var keys: [VirtualKey]
    package var version: Int64

    package init(keys: [VirtualKey], version: Int64) {
        self.keys = keys
        self.version = version
    }
}

/// Spend of the keys whose spend changed, and where the next read starts.
package struct SpendChanges: Sendable {
    /// How far before the previous read's start the next one looks again (ms): longer than any
    /// ledger transaction takes to commit, and than the clock steps of a store's host.
    package static let overlap: Int64 = 30_000

    package var spend: [String: [BudgetPeriod: Int64]]
    /// The store's clock when the read began (ms).
    package var readAt: Int64

    package init(spend: [String: [BudgetPeriod: Int64]], readAt: Int64) {
        self.spend = spend
        self.readAt = readAt
    }
}

/// Whose batches a listing shows.
package enum BatchOwner: Sendable, Hashable {
    /// One key's (nil: the batches created without a key).
    case key(String?)
    /// Every key's.
    case any
}

/// What `commitBatchLine` did.
package enum BatchCommit: Sendable, Hashable {
    case committed
    /// The line already had a result: nothing was written.
    case duplicate
    /// Another replica holds the batch's lease now: nothing was written.
    case leaseLost
}

/// The batch's counts and usage after adding `records` and `result`.
extension Batch {
    package static func usageDelta(_ records: [UsageRecord]) -> (usage: TokenUsage, cost: Int64) {
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
package struct CounterUse: Sendable, Hashable {
    package var keyID: String
    package var requests: Int
    package var tokens: Int
    package var requestLimit: Int?
    package var tokenLimit: Int?
    /// The largest single amount refused since the last sync (`WindowCounter.demand`).
    package var requestDemand: Int
    package var tokenDemand: Int

    package init(keyID: String, requests: Int, tokens: Int, requestLimit: Int?, tokenLimit: Int?, requestDemand: Int = 0, tokenDemand: Int = 0) {
        self.keyID = keyID
        self.requests = requests
        self.tokens = tokens
        self.requestLimit = requestLimit
        self.tokenLimit = tokenLimit
        self.requestDemand = requestDemand
        self.tokenDemand = tokenDemand
    }
}

package struct CounterSync: Sendable, Hashable {
    package struct Grant: Sendable, Hashable {
        package var requests: ClaimGrant?
        package var tokens: ClaimGrant?
        package init(requests: ClaimGrant?, tokens: ClaimGrant?) {
            self.requests = requests
            self.tokens = tokens
        }
    }

    package var grants: [String: Grant]
    /// Replicas seen within the liveness window, this one included (at least 1).
    package var replicas: Int
    /// Keys other replicas hold claims on in this window (this replica should sync them too,
    /// to release its opening claim).
    package var activeKeys: Set<String>

    package init(grants: [String: Grant], replicas: Int, activeKeys: Set<String>) {
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
