import Foundation
import HTTPTypes
import Logging
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Keys, admission and the usage ledger, and the store behind them. Built once at start-up by
/// `AccessLayer.open`; the chat handler asks it who is calling, whether the call may go ahead,
/// and hands it the call's usage record.
package final class AccessLayer: Sendable {
    package let settings: AccessSettings
    package let store: any GatewayStore
    let keys = KeyDirectory()
    let admission = Admission()
    let ledger: LedgerQueue
    let metrics: GatewayMetrics
    /// This process in the cluster's replica table.
    let replicaID: String
    private let lastSync = Mutex<ContinuousClock.Instant>(.now)
    /// Where the next spend read starts: the store's clock at the last read, and the day it
    /// was (a new day or month reads every key's spend again, as each key's period restarts).
    private let spendCursor = Mutex<(readAt: Int64, day: Int64)?>(nil)

    init(settings: AccessSettings, store: any GatewayStore, metrics: GatewayMetrics) {
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.ledger = LedgerQueue(capacity: settings.ledgerQueueCapacity)
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        self.replicaID = "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Opens the configured store, runs its migrations and loads keys and spend. Retries for
    /// about 10 s (a database starting next to the gateway), then fails with the reason.
    package static func open(settings: AccessSettings, metrics: GatewayMetrics, logger: Logger) async throws -> AccessLayer {
        var attempt = 0
        while true {
            do {
                let store: any GatewayStore
                switch settings.store {
                case .memory: store = try await SQLiteStore.open(path: nil, logger: logger)
                case .sqlite(let path): store = try await SQLiteStore.open(path: path, logger: logger)
                case .postgres(let location): store = try PostgresStore(location, logger: logger)
                }
                do {
                    try await store.migrate()
                    let access = AccessLayer(settings: settings, store: store, metrics: metrics)
                    try await access.applyKeyChanges()
                    try await access.syncSpend(now: Date())
                    FreedMemory.release()
                    return access
                } catch {
                    await store.close()
                    throw error
                }
            } catch {
                attempt += 1
                guard attempt < 5 else { throw StoreOpenError(store: settings.store.description, reason: String(describing: error)) }
                logger.warning("cannot open the store yet; retrying", metadata: ["store": .string(settings.store.description), "error": .string(String(describing: error))])
                try await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// The background services: the sync loop and the ledger writer. Put them before the HTTP
    /// server in the service group, so that they stop after it (the writer flushes last).
    package func services(logger: Logger) -> [any Service] {
        // Shut down in reverse order: the sync loop, then the writer (flushing), then the store.
        var services: [any Service] = [StoreCloser(store: store)]
        if settings.ledgerEnabled {
            var writer = LedgerWriter(queue: ledger, store: store, admission: admission, metrics: metrics,
                                      batchSize: settings.ledgerBatchSize, flushInterval: settings.ledgerFlushInterval, logger: logger)
            // SQLite has one connection, so one writer; PostgreSQL's pool serves two at once.
            if case .postgres = settings.store { writer.writers = 2 }
            services.append(writer)
        }
        services.append(StoreSync(access: self, logger: logger))
        return services
    }

    /// Usage records that reached the ledger queue after its writer had stopped, and so were
    /// never written. Always 0 unless the shutdown order is broken; logged at exit.
    package var recordsAfterFlush: Int { ledger.late }

    func markSynced() { lastSync.withLock { $0 = .now } }

    /// Reads the keys changed in the store since the directory's version (every key at the
    /// first read) and applies them, a page at a time: the rows of a page are decoded and
    /// dropped before the next is read, so a first load of a million keys never holds them all
    /// as rows (which the allocator would keep as resident memory afterwards).
    func applyKeyChanges(pageSize: Int = 10_000) async throws {
        while true {
            let position = keys.position
            let changes = try await store.keyChanges(after: position.version, limit: pageSize)
            // Skipped when a local change or another sync came in between: the next sync reads
            // the same changes again.
            guard keys.apply(changes, readAt: position), changes.keys.count == pageSize else { return }
        }
    }

    /// Reads the spend of the keys whose spend changed since the last read (every key's at the
    /// first read and when the day changes) into admission.
    func syncSpend(now: Date) async throws {
        let day = Int64((now.timeIntervalSince1970 / 86_400).rounded(.down))
        let since = spendCursor.withLock { cursor in cursor.flatMap { $0.day == day ? $0.readAt - SpendChanges.overlap : nil } }
        let changes = try await store.spendChanges(since: since, now: now)
        admission.applySpend(changes.spend, everyKey: since == nil)
        spendCursor.withLock { $0 = (changes.readAt, day) }
    }

    /// Whether keys have been served from memory for longer than allowed.
    var isStale: Bool { lastSync.withLock { ContinuousClock.now - $0 > settings.maxStale } }

    enum Caller: Sendable, Equatable {
        case anonymous
        case key(VirtualKey)
    }

    /// Who is calling, from the key presented (`Authorization: Bearer sy-…` or `x-api-key`;
    /// nil: none).
    func authenticate(presented: Substring?, now: Date) -> Result<Caller, OpenAIError> {
        guard settings.authRequired else {
            // Auth off: a valid key still attributes the call (budgets, ledger); anything else is anonymous.
            if let presented, let key = keys.key(forSecret: presented), key.refusal(at: now) == nil { return .success(.key(key)) }
            return .success(.anonymous)
        }
        guard let presented else {
            return .failure(OpenAIError(.invalidAPIKey, "You didn't provide an API key. Send it as 'Authorization: Bearer sy-…'."))
        }
        if isStale {
            return .failure(OpenAIError(.storeUnavailable, "The gateway cannot reach its key store and its cached keys are too old to trust. Try again shortly.", retryAfterSeconds: 5))
        }
        guard let key = keys.key(forSecret: presented) else {
            return .failure(OpenAIError(.invalidAPIKey, "Incorrect API key provided. Keys are created with `switchyard keys create` or POST /admin/keys."))
        }
        if let refusal = key.refusal(at: now) { return .failure(refusal) }
        return .success(.key(key))
    }

    static func presentedKey(_ headers: HTTPHeaders) -> Substring? {
        presentedKey(authorization: headers.first(name: "authorization"), apiKey: headers.first(name: "x-api-key"))
    }

    static func presentedKey(_ headers: HTTPFields) -> Substring? {
        presentedKey(authorization: headers[.authorization], apiKey: headers[HTTPField.Name("x-api-key")!])
    }

    private static func presentedKey(authorization: String?, apiKey: String?) -> Substring? {
        if let authorization {
            let trimmed = authorization.drop { $0 == " " }
            // "Bearer" in any case and then a space, compared byte by byte (no lowercased copy of
            // the header), and the token cut after those seven bytes.
            let bytes = trimmed.utf8
            if bytes.count >= 7, zip(bytes.prefix(6), "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 }),
               bytes[bytes.index(bytes.startIndex, offsetBy: 6)] == UInt8(ascii: " ") {
                let token = Substring(bytes.dropFirst(7)).drop { $0 == " " }
                return token.isEmpty ? nil : Substring(token.prefix(256))
            }
        }
        if let key = apiKey, !key.isEmpty { return Substring(key.prefix(256)) }
        return nil
    }
}

/// Closes the store after everything else has stopped.
struct StoreCloser: Service {
    let store: any GatewayStore

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}

package struct StoreOpenError: Error, CustomStringConvertible {
    package var store: String
    package var reason: String
    package var description: String { "cannot open the store \(store): \(reason)" }
}
