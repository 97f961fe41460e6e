import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// Runs the store's batches in this gateway process. Every `batch.poll_ms` it takes the lease
/// of unfinished batches no live replica holds (`GatewayStore.claimBatches`) and runs each in a
/// `BatchJob`, a tracked task (`CallTracker`) like a live call: at shutdown the runner stops
/// dispatching lines at once, the lines in flight finish within the shutdown grace (or are cut
/// when it ends, and run again after the restart), and `CallDrain` waits for them before the
/// store closes.
///
/// A SQLite store belongs to one process: at start-up the runner takes over every unfinished
/// batch whatever its lease says (the process that held it is gone, SIGTERM or kill -9). With
/// PostgreSQL a lease not renewed for `batch.lease_s` is taken over by another replica.
final class BatchRunner: Service, Sendable {
    let access: AccessLayer
    let chat: ChatCompletionHandler
    let calls: CallTracker
    let live: LiveConfig
    let logger: Logger
    /// Where uploaded files and batch output files live.
    let directory: String
    let lease: Duration
    let poll: Duration

    private struct State {
        var jobs: [String: BatchJob] = [:]
        var stopping = false
        var wake: CheckedContinuation<Void, Never>?
        var woken = false
    }

    private let state = Mutex(State())

    init(access: AccessLayer, chat: ChatCompletionHandler, calls: CallTracker, live: LiveConfig, logger: Logger) {
        self.access = access
        self.chat = chat
        self.calls = calls
        self.live = live
        self.logger = logger
        self.directory = access.settings.resolvedFilesDirectory(scratch: Gateway.scratchDirectory)
        self.lease = live.current.config.batch.lease
        self.poll = live.current.config.batch.poll
    }

    var owner: String { access.replicaID }
    var store: any GatewayStore { access.store }

    /// The path of a file's content (as the Files API keeps it).
    func path(ofFile id: String) -> String { (directory as NSString).appendingPathComponent(id + ".jsonl") }

    func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        stop()
    }

    private func loop() async {
        // A SQLite store is one process's: whoever held a lease before this start is gone.
        var takeOver = access.store is SQLiteStore
        while !Task.isCancelled {
            await claim(takeOver: takeOver)
            takeOver = false
            await sleep(poll)
        }
    }

    /// Takes the leases of batches to run and starts a job for each new one.
    func claim(takeOver: Bool = false) async {
        let now = Date()
        let claimed: [Batch]
        do {
            claimed = try await store.claimBatches(owner: owner, now: now, until: now + lease.timeInterval, takeOver: takeOver, limit: 64)
        } catch {
            logger.warning("batches: cannot claim batches from the store", metadata: ["error": .string(String(describing: error))])
            return
        }
        for batch in claimed {
            let job = state.withLock { state -> BatchJob? in
                if let running = state.jobs[batch.id] {
                    // Cancelled on another replica: the job here stops dispatching now.
                    if batch.status == .cancelling { running.cancelRequested() }
                    return nil
                }
                guard !state.stopping else { return nil }
                let job = BatchJob(batch: batch, runner: self)
                state.jobs[batch.id] = job
                return job
            }
            guard let job else { continue }
            logger.info("batch started", metadata: ["batch.id": .string(batch.id), "batch.status": .string(batch.status.rawValue),
                                                    "batch.done": .stringConvertible(batch.counts.done), "batch.total": .stringConvertible(batch.counts.total)])
            calls.start {
                await job.run()
                self.ended(job)
            }
        }
    }

    private func ended(_ job: BatchJob) {
        state.withLock { state in
            if state.jobs[job.id] === job { state.jobs[job.id] = nil }
        }
    }

    /// Shutdown: every job stops dispatching lines; the lines in flight finish.
    func stop() {
        let jobs = state.withLock { state -> [BatchJob] in
            state.stopping = true
            return Array(state.jobs.values)
        }
        if !jobs.isEmpty { logger.notice("batches paused for shutdown", metadata: ["batches": .stringConvertible(jobs.count)]) }
        for job in jobs { job.stop() }
        wake()
    }

    /// A batch was created or cancelled here: look at the store now rather than at the next poll.
    func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.woken = true
            defer { state.wake = nil }
            return state.wake
        }
        waiter?.resume()
    }

    /// `POST /v1/batches/{id}/cancel` answered here: the job running it (if here) stops dispatching.
    func cancelled(_ id: String) {
        let job = state.withLock { $0.jobs[id] }
        job?.cancelRequested()
        wake()
    }

    /// Sleeps `duration`, or until `wake()`.
    private func sleep(_ duration: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: duration)
            self?.wake()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.woken || state.stopping {
                        state.woken = false
                        return true
                    }
                    state.wake = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            self.wake()
        }
        state.withLock { $0.woken = false }
        timer.cancel()
    }

    /// The key a batch runs as (nil: created without a key), or why it cannot run.
    func caller(for keyID: String?) -> Result<AccessLayer.Caller, BatchError> {
        guard let keyID else { return .success(.anonymous) }
        guard let key = access.keys.key(id: keyID) else {
            return .failure(BatchError(code: BatchError.keyRevoked, message: "The batch's API key no longer exists."))
        }
        if let refusal = key.refusal(at: Date()) {
            return .failure(BatchError(code: BatchError.keyRevoked, message: "The batch's API key cannot be used: \(refusal.message)"))
        }
        return .success(.key(key))
    }
}

extension Duration {
    var timeInterval: TimeInterval { Double(nanosecondsClamped) / 1e9 }
}
