import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Every sync interval: apply the keys changed in the store since the last change seen, push
/// this replica's rate-limit use and learn the cluster's (only for keys used in the current
/// window), read the spend of keys whose spend changed. An idle replica's work does not depend
/// on how many keys exist. On PostgreSQL a key change also wakes every replica at once
/// (`LISTEN`), so a revocation does not wait for the interval. Hourly on PostgreSQL: prepare
/// the coming months' ledger partitions and drop the ones past retention.
struct StoreSync: Service {
    let access: AccessLayer
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await watchKeys() }
                await loop()
                group.cancelAll()
            }
        }
    }

    private func loop() async {
        var lastMaintenance: ContinuousClock.Instant?
        while !Task.isCancelled {
            await syncOnce()
            if lastMaintenance.map({ .now - $0 > .seconds(3600) }) ?? true {
                lastMaintenance = .now
                await maintain()
            }
            try? await Task.sleep(for: access.settings.syncInterval)
        }
    }

    /// Applies key changes as soon as the store announces them; when the listener fails (the
    /// database restarted), listens again after a pause. The sync loop covers the gap.
    private func watchKeys() async {
        while !Task.isCancelled {
            do {
                try await access.store.watchKeyChanges { [access, logger] in
                    Task { await Self.syncKeys(access, logger: logger) }
                }
                return  // the store has nothing to watch
            } catch {
                if Task.isCancelled { return }
                logger.debug("key change listener ended; listening again", metadata: ["error": .string(String(describing: error))])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Reads and applies the keys changed since the directory's version.
    @discardableResult
    static func syncKeys(_ access: AccessLayer, logger: Logger) async -> Bool {
        do {
            try await access.applyKeyChanges()
            return true
        } catch {
            logger.debug("reading key changes failed", metadata: ["error": .string(String(describing: error))])
            return false
        }
    }

    /// One round; public to the module so tests can drive it without waiting.
    func syncOnce() async {
        let store = access.store
        let now = Date()
        let minute = WindowCounter.minute(of: now.timeIntervalSince1970)
        do {
            try await access.applyKeyChanges()
            let keys = access.keys
            let uses = access.admission.uses(minute: minute) { keys.key(id: $0)?.limits }
            let liveSince = now.addingTimeInterval(-3 * max(1, Double(access.settings.syncInterval.nanosecondsClamped) / 1e9))
            let sync = try await store.syncCounters(replica: access.replicaID, minute: minute, uses: uses, now: now, liveSince: liveSince)
            access.admission.endSync(minute: minute, sync) { keys.key(id: $0)?.limits }
            try await access.syncSpend(now: now)
            access.markSynced()
            access.metrics.recordStoreSync(ok: true)
        } catch {
            access.metrics.recordStoreSync(ok: false)
            logger.warning("store sync failed; serving keys and limits from memory", metadata: [
                "store": .string(store.description), "error": .string(String(describing: error))])
        }
    }

    private func maintain() async {
        guard let postgres = access.store as? PostgresStore else { return }
        do {
            try await postgres.preparePartitions(now: Date())
            try await postgres.pruneCounters(before: WindowCounter.minute(of: Date().timeIntervalSince1970) - 5)
            if let months = access.settings.retentionMonths {
                let dropped = try await postgres.dropPartitions(olderThan: months, now: Date())
                if !dropped.isEmpty { logger.notice("dropped ledger partitions past retention", metadata: ["partitions": .string(dropped.joined(separator: ","))]) }
            }
        } catch {
            logger.warning("ledger maintenance failed", metadata: ["error": .string(String(describing: error))])
        }
    }
}
