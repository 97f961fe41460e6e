import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Every sync interval: reload the keys, push this replica's rate-limit use and learn the
/// cluster's, read every key's spend. Hourly on PostgreSQL: prepare the coming months' ledger
/// partitions and drop the ones past retention.
struct StoreSync: Service {
    let access: AccessLayer
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await loop() }
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

    /// One round; public to the module so tests can drive it without waiting.
    func syncOnce() async {
        let store = access.store
        let now = Date()
        let minute = WindowCounter.minute(of: now.timeIntervalSince1970)
        do {
            let generation = access.keys.generation
            let keys = try await store.allKeys()
            access.keys.replaceAll(keys, readAt: generation)
            let uses = access.admission.uses(minute: minute, keys: keys)
            let liveSince = now.addingTimeInterval(-3 * max(1, Double(access.settings.syncInterval.nanosecondsClamped) / 1e9))
            let sync = try await store.syncCounters(replica: access.replicaID, minute: minute, uses: uses, now: now, liveSince: liveSince)
            access.admission.endSync(minute: minute, sync, keys: keys)
            access.admission.applySpend(try await store.spend(now: now))
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
