import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// One batch run by this replica while it holds the batch's lease: validating → in progress
/// (its lines, `batch.concurrency` at a time, each through `ChatCompletionHandler.serve` as a
/// live call of the batch's key) → finalizing (the output and error files) → completed; or
/// cancelling → cancelled, or expired, or failed.
///
/// Exactly once: a line counts only once its result is committed to the store, in one
/// transaction with its ledger rows (`GatewayStore.commitBatchLine`, refused when the line
/// already has a result or the lease is another replica's). A restart runs the lines without
/// a result: none twice, none lost. A line cut by shutdown commits its ledger rows without a
/// result and runs again.
final class BatchJob: Sendable {
    let id: String
    private let runner: BatchRunner

    private struct State {
        var batch: Batch
        var input: BatchInput?
        var pending: [BatchInput.Line] = []
        /// Next line to hand out (`pending` is consumed from the front; lines put back go to `returned`).
        var next = 0
        var returned: [BatchInput.Line] = []
        var inFlight = 0
        var stopping = false
        var cancelRequested = false
        var leaseLost = false
        var done = false
        var maxCost: BatchError?
        /// Lines wait until then (the key's RPM/TPM, the budget).
        var waitUntil: Date?
        var waitReason: BatchError?
        /// The pause reason last written to the store.
        var published: BatchError?
        var publishing = false
        var caller: AccessLayer.Caller?
        var costLimit: BatchCostLimit?
        var window: BatchWindow?
    }

    private let state: Mutex<State>

    init(batch: Batch, runner: BatchRunner) {
        self.id = batch.id
        self.runner = runner
        self.state = Mutex(State(batch: batch, published: batch.errors.first { BatchError.pauseCodes.contains($0.code) }))
    }

    private var logger: Logger {
        var logger = runner.logger
        logger[metadataKey: "batch.id"] = .string(id)
        return logger
    }

    private var batch: Batch { state.withLock { $0.batch } }

    func stop() { state.withLock { $0.stopping = true } }

    func cancelRequested() { state.withLock { $0.cancelRequested = true } }

    private var halted: Bool { state.withLock { $0.stopping || $0.leaseLost } }

    // MARK: The job

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.renewLease() }
            await self.work()
            state.withLock { $0.done = true }
            group.cancelAll()
        }
        let (lost, batch) = state.withLock { ($0.leaseLost, $0.batch) }
        if !lost {
            // Released even when the task was cancelled (shutdown grace over): another start
            // or replica takes it at once.
            let store = runner.store, owner = runner.owner, id = self.id
            await Task { try? await store.releaseBatchLease(id: id, owner: owner) }.value
        }
        logger.info("batch stopped here", metadata: ["batch.status": .string(batch.status.rawValue),
                                                     "batch.completed": .stringConvertible(batch.counts.completed),
                                                     "batch.failed": .stringConvertible(batch.counts.failed)])
    }

    private func work() async {
        while !halted, !Task.isCancelled {
            let batch = self.batch
            let now = Date()
            switch batch.status {
            case .validating:
                if now >= batch.expiresAt { await finish(.expired); continue }
                await validate()
            case .inProgress:
                if now >= batch.expiresAt { await finish(.expired); continue }
                await execute()
            case .finalizing:
                await finish(.completed)
            case .cancelling:
                await finish(.cancelled)
            case .completed, .failed, .expired, .cancelled:
                return
            }
        }
    }

    /// Renews the lease every third of its length; notices a cancellation made on another
    /// replica, a key revoked, a lease lost.
    private func renewLease() async {
        let every = runner.lease / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: every)
            if state.withLock({ $0.done }) || Task.isCancelled { return }
            let until = Date() + runner.lease.timeInterval
            let store = runner.store, owner = runner.owner, id = self.id
            do {
                let current = try await Task { try await store.renewBatchLease(id: id, owner: owner, until: until) }.value
                guard let current else {
                    logger.warning("batch lease lost to another replica: stopping here")
                    state.withLock { $0.leaseLost = true }
                    return
                }
                if current.status == .cancelling { cancelRequested() }
                if let batchKey = current.keyID, case .failure = runner.caller(for: batchKey) { cancelRequested() }
            } catch {
                logger.warning("batch lease renewal failed", metadata: ["error": .string(String(describing: error))])
            }
        }
    }

    /// Moves the batch to `next` in the store (guarded by its status there and the lease); on
    /// a refusal, reloads it (a cancellation came in, or the lease is gone).
    @discardableResult
    private func save(_ change: (inout Batch) -> Void, files: [StoredFile] = []) async -> Bool {
        var updated = batch
        let expecting = updated.status
        change(&updated)
        let store = runner.store, owner = runner.owner
        let next = updated
        do {
            let ok = try await Task { try await store.updateBatch(next, expecting: expecting, owner: owner, files: files) }.value
            if ok {
                state.withLock { state in
                    let counts = state.batch.counts, usage = state.batch.usage, cost = state.batch.costPicodollars
                    state.batch = next
                    (state.batch.counts, state.batch.usage, state.batch.costPicodollars) = (counts, usage, cost)
                }
                return true
            }
            await reload()
        } catch {
            logger.warning("batch update failed; will retry", metadata: ["error": .string(String(describing: error))])
            try? await Task.sleep(for: .seconds(1))
        }
        return false
    }

    /// Reads the batch back (a cancellation, another replica's lease).
    private func reload() async {
        let store = runner.store, owner = runner.owner, id = self.id
        let until = Date() + runner.lease.timeInterval
        guard let current = try? await Task(operation: { try await store.renewBatchLease(id: id, owner: owner, until: until) }).value else {
            if (try? await store.batch(id: id)) != nil {
                state.withLock { $0.leaseLost = true }
            } else {
                state.withLock { $0.stopping = true }
            }
            return
        }
        state.withLock { state in
            state.batch = current
            state.cancelRequested = current.status == .cancelling
        }
    }

    // MARK: Validating

    /// Reads the input file again (it was checked when the batch was created); a file gone or
    /// unreadable fails the batch.
    private func validate() async {
        switch await loadInput() {
        case .success:
            await save { $0.move(to: .inProgress, at: Date()) }
        case .failure(let error) where error.code == Self.storeFailed:
            try? await Task.sleep(for: .seconds(1))
        case .failure(let error):
            logger.warning("batch failed validation", metadata: ["error": .string(error.message)])
            await save { batch in
                batch.errors = [error]
                batch.move(to: .failed, at: Date())
            }
        }
    }

    /// A store that failed while reading the input: try again later, the batch is fine.
    static let storeFailed = "store_unavailable"

    private func loadInput() async -> Result<BatchInput, BatchError> {
        if let input = state.withLock({ $0.input }) { return .success(input) }
        let batch = self.batch
        let file: StoredFile?
        do {
            file = try await runner.store.file(id: batch.inputFileID)
        } catch {
            return .failure(BatchError(code: Self.storeFailed, message: "The store could not be read: \(error)"))
        }
        guard let file, file.keyID == batch.keyID else {
            return .failure(BatchError(code: BatchError.inputUnreadable, message: "The input file \(batch.inputFileID) no longer exists.", param: "input_file_id"))
        }
        guard let data = FileManager.default.contents(atPath: runner.path(ofFile: file.id)) else {
            return .failure(BatchError(code: BatchError.inputUnreadable, message: "The input file \(batch.inputFileID) cannot be read.", param: "input_file_id"))
        }
        do throws(OpenAIError) {
            let input = try BatchInput(bytes: [UInt8](data), endpoint: batch.endpoint)
            state.withLock { $0.input = input }
            return .success(input)
        } catch {
            return .failure(BatchError(code: "invalid_input_file", message: error.message, param: "input_file_id"))
        }
    }

    // MARK: In progress

    private func execute() async {
        let input: BatchInput
        switch await loadInput() {
        case .success(let loaded): input = loaded
        case .failure(let error) where error.code == Self.storeFailed:
            try? await Task.sleep(for: .seconds(1))
            return
        case .failure(let error):
            // Lines may be done already: the batch ends cancelled with what it has, not failed.
            await cancel(error)
            return
        }
        let done: Set<Int>
        do {
            done = try await runner.store.batchLineNumbers(batchID: id)
        } catch {
            logger.warning("batch: cannot read its progress; will retry", metadata: ["error": .string(String(describing: error))])
            try? await Task.sleep(for: .seconds(1))
            return
        }
        let batch = self.batch
        let caller: AccessLayer.Caller
        switch runner.caller(for: batch.keyID) {
        case .success(let who): caller = who
        case .failure(let reason):
            await cancel(reason)
            return
        }
        let options = batch.options
        let config = runner.live.current.config
        state.withLock { state in
            state.pending = input.lines.filter { !done.contains($0.number) }
            state.next = 0
            state.returned = []
            state.caller = caller
            state.costLimit = options.maxCostPicodollars.map { BatchCostLimit(limit: $0, spent: batch.costPicodollars) }
            state.window = options.window.map { self.resolve($0, input: input, config: config) } ?? nil
        }
        let concurrency = config.batch.concurrency
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency { group.addTask { await self.worker(input: input) } }
        }
        await publishPause()
        // Why the workers stopped.
        let (stopping, lost, cancelling, maxCost, expired, remaining, window) = state.withLock { state in
            (state.stopping, state.leaseLost, state.cancelRequested, state.maxCost, Date() >= state.batch.expiresAt,
             state.pending.count - state.next + state.returned.count, state.window)
        }
        if stopping || lost { return }
        if let maxCost {
            await cancel(maxCost)
        } else if cancelling {
            await reload()
        } else if expired {
            await finish(.expired)
        } else if remaining == 0 {
            // Every line has its result in the store (a line whose commit never landed runs again).
            guard let committed = try? await runner.store.batchLineNumbers(batchID: id), committed.count == input.lines.count else { return }
            await save { $0.move(to: .finalizing, at: Date()) }
        } else if let window, window.nextOpening(atOrAfter: Date()) == nil {
            await finish(.expired)
        }
    }

    /// The window a batch waits for: `off_peak` is the serving provider's (`batch.off_peak`).
    private func resolve(_ window: BatchWindow, input: BatchInput, config: GatewayConfig) -> BatchWindow? {
        guard case .offPeak = window else { return window }
        return Self.offPeakWindow(model: input.lines.first.flatMap { Self.model(of: input.body(of: $0)) }, config: config)
    }

    static func model(of body: [UInt8]) -> String? {
        guard let document = try? JSONDocument(bytes: body) else { return nil }
        return document.member("model", of: document.root).flatMap(document.string)
    }

    static func offPeakWindow(model: String?, config: GatewayConfig) -> BatchWindow? {
        let catalogModel = model.flatMap { config.catalog.model(named: $0) }
        let deployment = catalogModel.flatMap { m in config.deployments.first { $0.models[m.id] != nil } }
        return config.batch.offPeakWindow(provider: deployment?.provider, family: catalogModel?.family.rawValue)
    }

    private func cancel(_ reason: BatchError) async {
        let store = runner.store, id = self.id
        logger.notice("batch cancelled by the gateway", metadata: ["reason": .string(reason.message)])
        do {
            if let current = try await Task(operation: { try await store.cancelBatch(id: id, at: Date(), reason: reason) }).value {
                state.withLock { state in
                    state.batch.status = current.status
                    state.batch.cancellingAt = current.cancellingAt
                    state.batch.errors = current.errors
                }
            }
        } catch {
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Takes lines and runs them until there is none left or the batch must stop.
    private func worker(input: BatchInput) async {
        while let line = await nextLine() {
            let verdict = await runLine(line, input: input)
            state.withLock { state in
                state.inFlight -= 1
                switch verdict {
                case .record, .abandon: break
                case .retry(let seconds, let reason):
                    state.returned.append(line)
                    let until = Date() + Double(seconds)
                    state.waitUntil = max(state.waitUntil ?? until, until)
                    state.waitReason = reason
                case .pauseForBudget(let reason):
                    state.returned.append(line)
                    state.waitUntil = Date() + runner.live.current.config.batch.pauseCheck.timeInterval
                    state.waitReason = reason
                case .stopForMaxCost(let reason):
                    state.returned.append(line)
                    state.maxCost = reason
                }
                if case .abandon = verdict { state.returned.append(line) }
            }
        }
    }

    /// The next line to run, after any wait (window, rate limits, budget); nil when the
    /// workers must stop.
    private func nextLine() async -> BatchInput.Line? {
        while true {
            if Task.isCancelled { return nil }
            let now = Date()
            enum Step { case stop, wait(Date, BatchError?), line(BatchInput.Line) }
            let step = state.withLock { state -> Step in
                if state.stopping || state.leaseLost || state.cancelRequested || state.maxCost != nil || now >= state.batch.expiresAt { return .stop }
                if state.pending.count - state.next + state.returned.count == 0 { return .stop }
                if let window = state.window, !window.contains(now) {
                    guard let opens = window.nextOpening(atOrAfter: now) else { return .stop }
                    return .wait(opens, BatchError(code: BatchError.waitingForWindow,
                                                   message: "Waiting for its window \(window) (metadata.switchyard_window); it opens at \(ISO8601.format(opens))."))
                }
                if let until = state.waitUntil, until > now { return .wait(until, state.waitReason) }
                state.waitUntil = nil
                state.waitReason = nil
                state.inFlight += 1
                if !state.returned.isEmpty { return .line(state.returned.removeFirst()) }
                defer { state.next += 1 }
                return .line(state.pending[state.next])
            }
            switch step {
            case .stop:
                return nil
            case .line(let line):
                await publishPause()
                return line
            case .wait(let until, let reason):
                setPause(reason)
                await publishPause()
                // Short naps: a stop, a cancellation or a lease lost is noticed within 250 ms.
                let nap = min(0.25, max(0.01, until.timeIntervalSince(Date())))
                try? await Task.sleep(for: .milliseconds(Int64(nap * 1000)))
            }
        }
    }

    private func setPause(_ reason: BatchError?) {
        state.withLock { $0.waitReason = reason }
    }

    /// Writes the current pause reason to the batch's errors when it changed (one writer at a time).
    private func publishPause() async {
        while true {
            let wanted = state.withLock { state -> BatchError?? in
                guard !state.publishing else { return .none }
                let wanted = (state.waitUntil.map { $0 > Date() } ?? false) || state.window.map({ !$0.contains(Date()) }) == true ? state.waitReason : nil
                guard wanted?.code != state.published?.code || wanted?.message != state.published?.message else { return .none }
                // A rate-limit wait is short and routine: not worth a write unless it lasts.
                if wanted?.code == BatchError.rateLimited, let until = state.waitUntil, until.timeIntervalSince(Date()) < 5 { return .none }
                state.publishing = true
                return .some(wanted)
            }
            guard case .some(let reason) = wanted else { return }
            let ok = await save { $0.setPause(reason) }
            state.withLock { state in
                state.publishing = false
                if ok { state.published = reason }
            }
            if !ok { return }
        }
    }

    // MARK: One line

    private func runLine(_ line: BatchInput.Line, input: BatchInput) async -> BatchLineVerdict {
        let (batch, caller, costLimit) = state.withLock { ($0.batch, $0.caller ?? .anonymous, $0.costLimit) }
        let config = runner.live.current.config
        let context = BatchLineContext(batchID: batch.id, customID: line.customID, share: config.batch.maxShare, costLimit: costLimit)
        let client = WholeAnswer()
        let requestID = RandomID.hex(prefix: "req_")
        var headers = HTTPHeaders()
        headers.add(name: "x-request-id", value: requestID)
        headers.add(name: "content-type", value: "application/json")
        var logger = self.logger
        logger[metadataKey: "batch.custom_id"] = .string(String(line.customID.prefix(128)))
        // With traces on, a line is a trace of its own, as a live call is: its span (the
        // endpoint, the batch and the line) is the parent of its attempts' spans; `finish` ends it.
        let span = runner.chat.tracer.map { tracer in
            let span = tracer.startServer(HTTPServerSpan.Request(method: "POST", path: batch.endpoint, route: batch.endpoint),
                                          propagation: TracePropagation(traceparent: nil, tracestate: nil))
            var fields = SpanFields()
            fields.set("switchyard.batch_id", batch.id)
            fields.set("switchyard.custom_id", String(line.customID.prefix(128)))
            span.set(fields)
            return span
        }
        await runner.chat.serve(headers: headers, caller: caller, body: ByteBuffer(bytes: input.body(of: line)),
                                maxBodyBytes: config.server.maxBodyBytes, front: batch.endpoint == "/v1/embeddings" ? .embeddings : .chat,
                                span: span, client: client, logger: logger, batch: context)
        let rows = context.rows
        let answer = client.result
        let status = answer?.status ?? 500
        var verdict = BatchLineVerdict.of(status: status, errorCode: rows.first?.errorClass, refusal: context.refusal, maxCost: context.maxCost,
                                          cancelled: Task.isCancelled)
        // A line whose worst case is more than the key's whole budget can never run: waiting
        // would only expire the batch. It fails, with the refusal as its answer.
        if case .pauseForBudget = verdict, case .key(let key) = caller, let budget = key.budget, let worstCase = context.worstCase,
           worstCase > budget.amountPicodollars {
            verdict = .record(ok: false)
        }
        var cost: Int64 = 0
        switch verdict {
        case .record:
            let answeredID = answer?.headers.first { $0.0 == "x-request-id" }?.1 ?? requestID
            let result = BatchLineResult.response(line: line.number, customID: line.customID, statusCode: status, requestID: answeredID,
                                                  body: answer.map { Array(buffer: $0.body) } ?? Array(OpenAIError.internalError.body.utf8))
            cost = await commit(result, rows: rows)
        case .abandon:
            cost = await commit(nil, rows: rows)
        case .retry, .pauseForBudget, .stopForMaxCost:
            break
        }
        costLimit?.settle(reserved: context.reserved, cost: cost)
        return verdict
    }

    /// Commits a line's result (nil: only its ledger rows) and returns the cost committed. A
    /// failing store is retried (the result is the only record of the call) — at shutdown for
    /// at most 30 s.
    private func commit(_ result: BatchLineResult?, rows: [UsageRecord]) async -> Int64 {
        let store = runner.store, owner = runner.owner, id = self.id
        let ledger = runner.access.settings.ledgerEnabled
        let started = ContinuousClock.now
        var failures = 0
        while true {
            do {
                // Its own task: a shutdown that cancels the line must not cut its commit.
                let outcome = try await Task { try await store.commitBatchLine(batchID: id, owner: owner, result: result, records: rows, ledger: ledger) }.value
                var costs: [String: Int64] = [:]
                for row in rows {
                    if let key = row.keyID, let cost = row.costPicodollars { costs[key] = Picodollars.add(costs[key] ?? 0, max(0, cost)) }
                }
                if ledger { runner.access.admission.written(costs) }
                let (usage, cost) = Batch.usageDelta(rows)
                switch outcome {
                case .committed:
                    state.withLock { state in
                        if let result { if result.ok { state.batch.counts.completed += 1 } else { state.batch.counts.failed += 1 } }
                        state.batch.costPicodollars = Picodollars.add(state.batch.costPicodollars, cost)
                        state.batch.usage.promptTokens += usage.promptTokens
                        state.batch.usage.completionTokens += usage.completionTokens
                    }
                    return cost
                case .duplicate:
                    logger.warning("batch line already had a result: this run's is dropped", metadata: ["line": .stringConvertible(result?.line ?? 0)])
                    return 0
                case .leaseLost:
                    logger.warning("batch lease lost to another replica: this line's result is dropped")
                    state.withLock { $0.leaseLost = true }
                    return 0
                }
            } catch {
                failures += 1
                logger.error("batch line commit failed; will retry", metadata: ["error": .string(String(describing: error))])
                if (state.withLock { $0.stopping } || Task.isCancelled), ContinuousClock.now - started > .seconds(30) {
                    logger.critical("batch line NOT committed: the store is unreachable at shutdown (the line runs again after the restart)")
                    return 0
                }
                let delay = Duration.milliseconds(min(5_000, 100 << min(failures - 1, 6)))
                await Task.detached { try? await Task.sleep(for: delay) }.value
            }
        }
    }

    // MARK: The end

    /// Writes the output and error files and ends the batch in `final` (completed, cancelled
    /// or expired). Lines that never ran (cancelled, expired) go to the error file with
    /// `batch_cancelled` or `batch_expired`.
    private func finish(_ final: BatchStatus) async {
        let batch = self.batch
        var results: [BatchLineResult]
        do {
            results = try await runner.store.batchLines(batchID: id)
        } catch {
            logger.warning("batch: cannot read its lines; will retry", metadata: ["error": .string(String(describing: error))])
            try? await Task.sleep(for: .seconds(1))
            return
        }
        if final != .completed, case .success(let input) = await loadInput() {
            let done = Set(results.map(\.line))
            let (code, message) = final == .expired ? ("batch_expired", BatchLineResult.expiredMessage) : ("batch_cancelled", BatchLineResult.cancelledMessage)
            results += input.lines.filter { !done.contains($0.number) }.map {
                BatchLineResult.notRun(line: $0.number, customID: $0.customID, code: code, message: message)
            }
            results.sort { $0.line < $1.line }
        }
        let now = Date()
        var files: [StoredFile] = []
        var outputID: String?, errorID: String?
        do {
            for ok in [true, false] {
                let lines = results.filter { $0.ok == ok }
                guard !lines.isEmpty else { continue }
                let file = try write(lines, name: "batch_\(batch.id)_\(ok ? "output" : "error").jsonl", keyID: batch.keyID, at: now)
                files.append(file)
                if ok { outputID = file.id } else { errorID = file.id }
            }
        } catch {
            for file in files { try? FileManager.default.removeItem(atPath: runner.path(ofFile: file.id)) }
            logger.error("batch: cannot write its output files; will retry", metadata: ["error": .string(String(describing: error))])
            try? await Task.sleep(for: .seconds(5))
            return
        }
        let saved = await save({ batch in
            batch.outputFileID = outputID
            batch.errorFileID = errorID
            batch.setPause(nil)
            batch.move(to: final, at: now)
        }, files: files)
        if saved {
            logger.info("batch ended", metadata: ["batch.status": .string(final.rawValue), "batch.output_file_id": .string(outputID ?? "none"),
                                                  "batch.error_file_id": .string(errorID ?? "none")])
        } else {
            for file in files { try? FileManager.default.removeItem(atPath: runner.path(ofFile: file.id)) }
        }
    }

    /// Writes `lines` to a new file of the Files API (purpose `batch_output`), under a temporary
    /// name first.
    private func write(_ lines: [BatchLineResult], name: String, keyID: String?, at now: Date) throws -> StoredFile {
        let id = StoredFile.newID()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.text.utf8.count + 1 })
        for line in lines {
            bytes.append(contentsOf: line.text.utf8)
            bytes.append(0x0A)
        }
        let directory = runner.directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = (directory as NSString).appendingPathComponent(".output-" + id)
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.moveItem(atPath: temporary, toPath: runner.path(ofFile: id))
        return StoredFile(id: id, keyID: keyID, filename: name, purpose: "batch_output", bytes: Int64(bytes.count), lines: lines.count, createdAt: now)
    }
}
