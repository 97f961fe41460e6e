import Foundation

/// Keys, the store and the usage ledger (`auth:`, `store:` and `ledger:` in the config).
package struct AccessSettings: Sendable, Hashable {
    /// Whether chat requests need a virtual key. On by default with a config file; off in the
    /// embedded default (which says so at start-up).
    package var authRequired: Bool
    /// The environment variable holding the admin key for `/admin/keys` and `/admin/usage`.
    package var adminKeyEnv = "SWITCHYARD_ADMIN_KEY"
    /// The admin key, read from `adminKeyEnv` at load; nil disables the admin API.
    package var adminKey: Secret?
    package var store: StoreLocation
    /// How often keys, rate-limit counters and spend are synced with the store.
    package var syncInterval: Duration = .seconds(1)
    /// How long keys may be served from memory while the store cannot be reached; after that,
    /// chat requests get 503 `store_unavailable` (when auth is on).
    package var maxStale: Duration = .seconds(300)
    /// Whether every request is written to the usage ledger.
    package var ledgerEnabled = true
    /// Records waiting to be written; when full, requests wait (back-pressure), never dropped.
    package var ledgerQueueCapacity = 10_000
    /// The most records one transaction writes. A batch is what arrived in `ledgerFlushInterval`,
    /// so this bounds only a backlog (after a database stall, or a writer behind its load),
    /// which drains faster in big batches: a batch merges each rollup entry it touches once.
    package var ledgerBatchSize = 5_000
    package var ledgerFlushInterval: Duration = .milliseconds(200)
    /// PostgreSQL only: monthly ledger partitions older than this are dropped. nil keeps all.
    package var retentionMonths: Int?
    /// Where uploaded files' content is kept (`store.files_dir`); nil: `switchyard-files` next
    /// to the SQLite database (or in the config's folder with PostgreSQL).
    package var filesDirectory: String?
    /// The largest upload (`store.files_max_bytes`) and the most requests in a batch input file
    /// (`store.files_max_lines`): OpenAI's 200 MB and 50,000 by default.
    package var filesMaxBytes = 200 << 20
    package var filesMaxLines = 50_000

    /// The files directory in use. `scratch` is the process's own temporary folder, used by the
    /// in-memory store (the caller knows the process; this code does not ask the system).
    package func resolvedFilesDirectory(scratch: String) -> String {
        if let filesDirectory { return filesDirectory }
        switch store {
        case .sqlite(let path):
            let folder = (path as NSString).deletingLastPathComponent
            return folder.isEmpty ? "switchyard-files" : (folder as NSString).appendingPathComponent("switchyard-files")
        case .memory: return (scratch as NSString).appendingPathComponent("switchyard-files")
        case .postgres: return "switchyard-files"
        }
    }

    package init(authRequired: Bool, store: StoreLocation = .sqlite(path: "switchyard.db")) {
        self.authRequired = authRequired
        self.store = store
    }

    /// Whether the gateway needs a store at all.
    package var needsStore: Bool { authRequired || ledgerEnabled || adminKey != nil }
}
