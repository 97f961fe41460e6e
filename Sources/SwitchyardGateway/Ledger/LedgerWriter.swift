import Logging
import ServiceLifecycle
import SwitchyardCore
import SwitchyardStore

/// Drains the ledger queue into the store in batches: it waits up to the flush interval for a
/// batch to fill, writes it in one transaction, and retries with back-off when the store
/// fails (records stay queued, so nothing is lost while the gateway runs). On graceful
/// shutdown it runs after the HTTP server has stopped and writes everything left.
///
/// `writers` loops drain the same queue, each a transaction at a time. The first writes what
/// each flush interval gathers; the others write only full batches, so they work only when
/// there is a backlog (after a database stall, or under a load one writer cannot keep up
/// with): on PostgreSQL one batch is then prepared and sent while another's statements run on
/// the server. Batches from one replica's writers lock rollup entries in the same order as
/// every other writer's, as two replicas' do.
struct LedgerWriter: Service {
    let queue: LedgerQueue
    let store: any GatewayStore
    let admission: Admission
    let metrics: GatewayMetrics
    let batchSize: Int
    let flushInterval: Duration
    let logger: Logger
    var writers = 1
    /// How long to keep retrying at shutdown before giving up on the store.
    var shutdownRetryLimit: Duration = .seconds(30)

    func run() async throws {
        // Graceful shutdown drains the queue; so does cancellation (the service group cancels
        // everything when another service fails), with the same bounded retries.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await drainAll()
                let left = queue.finish()
                logger.notice("usage ledger flushed", metadata: [
                    "accepted": .stringConvertible(queue.accepted), "written": .stringConvertible(queue.written),
                    "unwritten": .stringConvertible(left)])
            } onGracefulShutdown: {
                queue.close()
            }
        } onCancel: {
            queue.close()
        }
    }

    /// The `writers` loops, until the queue is closed and empty: the first writes what each
    /// flush interval gathers, the others only full batches.
    func drainAll() async {
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<max(1, writers) { group.addTask { await drain(fullBatchesOnly: writer > 0) } }
        }
    }

    /// Writes batches until the queue is closed and empty (or the store stays down at shutdown).
    /// Several may run at once on one queue; one that writes only full batches waits for one
    /// (or for the queue to close).
    func drain(fullBatchesOnly: Bool = false) async {
        var failures = 0
        var shutdownStarted: ContinuousClock.Instant?
        while true {
            await queue.waitForRecords(atLeast: fullBatchesOnly ? batchSize : 1)
            if queue.count == 0 && queue.isClosing { break }
            if !fullBatchesOnly && queue.count < batchSize && !queue.isClosing && failures == 0 {
                // Let a batch gather; a full one goes at once.
                try? await Task.sleep(for: flushInterval)
            }
            let batch = queue.take(batchSize)
            guard !batch.isEmpty else { continue }
            do {
                try await store.append(batch)
                queue.wrote(batch.count)
                failures = 0
                metrics.recordLedgerWrite(records: batch.count, queued: queue.count)
                var costs: [String: Int64] = [:]
                for record in batch {
                    if let key = record.keyID, let cost = record.costPicodollars { costs[key] = Picodollars.add(costs[key] ?? 0, max(0, cost)) }
                }
                admission.written(costs)
            } catch {
                failures += 1
                queue.putBack(batch)
                metrics.recordLedgerFailure()
                logger.error("usage ledger write failed; will retry", metadata: [
                    "records": .stringConvertible(batch.count), "queued": .stringConvertible(queue.count),
                    "store": .string(store.description), "error": .string(String(describing: error)),
                ])
                if queue.isClosing || Task.isCancelled {
                    let start = shutdownStarted ?? .now
                    shutdownStarted = start
                    if ContinuousClock.now - start > shutdownRetryLimit {
                        logger.critical("usage ledger: the store is unreachable at shutdown; records NOT written", metadata: [
                            "records": .stringConvertible(queue.count)])
                        return
                    }
                }
                // 100 ms, 200 ms, … up to 5 s between attempts. A cancelled task's sleep returns at
                // once, so the pause runs in a detached task to keep retries spaced.
                let delay = Duration.milliseconds(min(5_000, 100 << min(failures - 1, 6)))
                await Task.detached { try? await Task.sleep(for: delay) }.value
            }
        }
    }
}
