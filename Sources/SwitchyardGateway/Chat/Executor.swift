import Foundation
import Logging
import Synchronization
import SwitchyardCore

/// Tries the candidates of a request in order until one answers: retries with jittered
/// exponential back-off on the next candidate, bounded by the attempt budget and the request's
/// deadline; stops at once on errors that are the request's own fault (content filter, invalid
/// request); optionally hedges the first attempt.
struct Executor: Sendable {
    let pool: DeploymentPool
    let transports: ChatCompletionHandler.Transports
    let routing: RoutingSettings
    let defaultTimeouts: UpstreamTimeouts
    let metrics: GatewayMetrics
    let hedgeBudget: HedgeBudget

    struct Success: Sendable {
        var prepared: Attempt.Prepared
        var attempts: Int
        var hedged: Bool
        /// The attempt that lost a hedge race, when it reached the upstream: billed too.
        var hedgeLoser: HedgeLoser?
        /// Time not spent in the gateway itself: upstream waits, failed attempts, back-off
        /// pauses (for `x-switchyard-overhead-us`).
        var outsideGateway: Duration
    }

    /// An attempt that lost the hedge race. The provider bills it whether or not it finished:
    /// its own usage when its whole answer arrived, else (cancelled in flight) the prompt.
    struct HedgeLoser: Sendable {
        var candidate: DeploymentPool.Candidate
        var usage: TokenUsage?
    }

    struct Failure: Error, Sendable {
        var error: OpenAIError
        var attempts: Int
        var lastDeployment: DeploymentConfig?
    }

    /// The timeouts of an attempt: the route's, else the model's, else the global ones.
    func timeouts(for model: CatalogModel, route: UpstreamTimeouts? = nil) -> UpstreamTimeouts {
        route ?? routing.models[model.id]?.timeouts ?? defaultTimeouts
    }

    func execute(_ chat: UpstreamOperation, candidates: [DeploymentPool.Candidate], skipped: [String], requestID: String,
                 routeTimeouts: UpstreamTimeouts?, deadline: ContinuousClock.Instant, tracing: AttemptTracing? = nil,
                 logger: Logger) async throws(Failure) -> Success {
        var attempts = 0
        var failures: [UpstreamFailure] = []
        var position = 0
        var rng = BufferedRandom()
        var lastFailed: (deployment: String, retryAfter: Duration?)?
        // Failed attempts and back-off pauses: waiting, not gateway work.
        var waited = Duration.zero

        func next() -> DeploymentPool.Candidate? {
            for _ in 0..<candidates.count {
                let candidate = candidates[position % candidates.count]
                position += 1
                if pool.begin(candidate.deployment) { return candidate }
            }
            return nil
        }

        while attempts < routing.retry.maxAttempts, ContinuousClock.now < deadline, let candidate = next() {
            if let lastFailed {
                let delay = routing.retry.backoff(beforeAttempt: attempts + 1, retryAfter: lastFailed.retryAfter,
                                                  sameDeployment: lastFailed.deployment == candidate.deployment.name, using: &rng)
                if ContinuousClock.now + delay >= deadline {
                    pool.end(candidate.deployment, .abandoned)
                    break
                }
                if delay > .zero {
                    let pauseStart = ContinuousClock.now
                    defer { waited += .now - pauseStart }
                    do { try await Task.sleep(for: delay) } catch {
                        pool.end(candidate.deployment, .abandoned)
                        break
                    }
                }
            }
            attempts += 1
            let attemptStart = ContinuousClock.now
            let outcome: Result<Attempt.Prepared, UpstreamFailure>
            var hedged = false
            var loser: HedgeLoser?
            if attempts == 1, routing.hedge.enabled, let hedge = hedgeCandidate(after: candidate, in: candidates) {
                (outcome, hedged, loser) = await race(candidate, hedge, chat: chat, requestID: requestID, routeTimeouts: routeTimeouts,
                                                      deadline: deadline, tracing: tracing, logger: logger)
                if hedged { attempts += 1 }
            } else {
                outcome = await attempt(candidate, chat: chat, requestID: requestID, routeTimeouts: routeTimeouts, deadline: deadline,
                                        trace: tracing?.attempt(attempts), logger: logger)
            }
            switch outcome {
            case .success(let prepared):
                // The winning attempt's own work is its latency minus its upstream wait; the rest
                // of the attempt phase (a hedge's delay included) was waiting.
                let attemptPhase = ContinuousClock.now - attemptStart
                let ownWork = prepared.latency - prepared.upstreamWait
                return Success(prepared: prepared, attempts: attempts, hedged: hedged, hedgeLoser: loser,
                               outsideGateway: waited + attemptPhase - ownWork)
            case .failure(let failure):
                waited += .now - attemptStart
                failures.append(failure)
                logger.info("upstream attempt failed", metadata: [
                    "deployment": .string(failure.deployment), "error.class": .string(failure.errorClass.rawValue), "attempt": .stringConvertible(attempts),
                ])
                if !failure.errorClass.allowsFailover {
                    throw Failure(error: failure.openAIError, attempts: attempts, lastDeployment: candidate.deployment)
                }
                lastFailed = (failure.deployment, failure.retryAfterSeconds.map { .seconds($0) })
            }
        }
        guard let last = failures.last else {
            let why = skipped.isEmpty ? "" : " (" + skipped.prefix(8).joined(separator: "; ") + ")"
            throw Failure(error: OpenAIError(.noHealthyDeployment, "No healthy deployment can serve this request right now\(why).", retryAfterSeconds: 1),
                          attempts: attempts, lastDeployment: nil)
        }
        var error = last.openAIError
        if failures.count > 1 {
            let causes = failures.map { "\($0.deployment): \($0.errorClass.rawValue)" }.joined(separator: ", ")
            error.message = "All \(failures.count) attempts failed (\(causes)). Last: " + error.message
        }
        throw Failure(error: error, attempts: attempts, lastDeployment: candidates.first { $0.deployment.name == last.deployment }?.deployment)
    }

    /// One attempt, reported to the pool and the metrics. `candidate`'s slot is already taken.
    /// With `trace`, the attempt has a CLIENT span, ended here when it fails.
    private func attempt(_ candidate: DeploymentPool.Candidate, chat: UpstreamOperation, requestID: String, routeTimeouts: UpstreamTimeouts?,
                         deadline: ContinuousClock.Instant, trace: AttemptTracing.Numbered?, logger: Logger) async -> Result<Attempt.Prepared, UpstreamFailure> {
        var attempt = Attempt(candidate: candidate, operation: chat, transport: transports.transport(for: candidate.deployment),
                              timeouts: timeouts(for: candidate.model, route: routeTimeouts), requestID: requestID, deadline: deadline, logger: logger)
        if let trace {
            let span = trace.start(candidate, operation: chat)
            attempt.span = span
            attempt.traceHeaders = trace.tracing.tracer.propagationHeaders(span)
        }
        do {
            let prepared = try await attempt.run()
            pool.end(candidate.deployment, .success(latency: prepared.latency))
            return .success(prepared)
        } catch {
            attempt.span?.end(GenAISpan.endFields(.failed(Task.isCancelled ? "cancelled" : error.errorClass.rawValue)),
                              error: Task.isCancelled ? "cancelled" : error.errorClass.rawValue)
            if Task.isCancelled {
                pool.end(candidate.deployment, .abandoned)
            } else {
                pool.end(candidate.deployment, .failure(error.errorClass, retryAfter: error.retryAfterSeconds.map { .seconds($0) }))
                metrics.recordUpstreamError(deployment: candidate.deployment.name, errorClass: error.errorClass)
            }
            return .failure(error)
        }
    }

    /// The deployment a hedge would go to: the next candidate on another deployment.
    private func hedgeCandidate(after first: DeploymentPool.Candidate, in candidates: [DeploymentPool.Candidate]) -> DeploymentPool.Candidate? {
        candidates.first { $0.deployment.name != first.deployment.name }
    }

    /// Runs `primary`; if it has not answered after the hedge delay (configured, else the
    /// deployment's observed p95) and the budget allows, also runs `backup`. The first success
    /// wins and the other attempt is cancelled. Returns whether a hedge was sent, and the
    /// losing attempt when it reached the upstream (it is billed).
    private func race(_ primary: DeploymentPool.Candidate, _ backup: DeploymentPool.Candidate, chat: UpstreamOperation, requestID: String,
                      routeTimeouts: UpstreamTimeouts?, deadline: ContinuousClock.Instant, tracing: AttemptTracing?,
                      logger: Logger) async -> (Result<Attempt.Prepared, UpstreamFailure>, Bool, HedgeLoser?) {
        hedgeBudget.noteRequest()
        guard let delay = routing.hedge.delay ?? pool.p95Latency(of: primary.deployment) else {
            return (await attempt(primary, chat: chat, requestID: requestID, routeTimeouts: routeTimeouts, deadline: deadline,
                                  trace: tracing?.attempt(1), logger: logger), false, nil)
        }
        enum Event: Sendable {
            case answered(Int, Result<Attempt.Prepared, UpstreamFailure>)
            case hedgeNotSent
        }
        let hedgeStarted = Flag()
        return await withTaskGroup(of: Event.self) { group in
            group.addTask {
                .answered(0, await self.attempt(primary, chat: chat, requestID: requestID, routeTimeouts: routeTimeouts, deadline: deadline,
                                                trace: tracing?.attempt(1), logger: logger))
            }
            group.addTask {
                do { try await Task.sleep(for: delay) } catch { return .hedgeNotSent }
                guard self.hedgeBudget.take(), self.pool.begin(backup.deployment) else { return .hedgeNotSent }
                hedgeStarted.set()
                self.metrics.recordHedge(outcome: "sent")
                return .answered(1, await self.attempt(backup, chat: chat, requestID: requestID, routeTimeouts: routeTimeouts, deadline: deadline,
                                                       trace: tracing?.attempt(2, hedge: true), logger: logger))
            }
            var hedgeSent = false
            var firstFailure: UpstreamFailure?
            var pending = 2
            while pending > 0, let event = await group.next() {
                pending -= 1
                switch event {
                case .hedgeNotSent:
                    continue
                case .answered(let who, .success(let prepared)):
                    if who == 1 { hedgeSent = true; metrics.recordHedge(outcome: "won") }
                    group.cancelAll()
                    // The loser, if it was sent, is billed: its usage if its whole answer came,
                    // else (cancelled in flight, or a stream dropped at its start) by estimate.
                    var loser: HedgeLoser?
                    while let rest = await group.next() {
                        guard case .answered(let other, let result) = rest else { continue }
                        if other == 1 { hedgeSent = true }
                        let candidate = other == 0 ? primary : backup
                        switch result {
                        case .success(let late):
                            // A stream that started too late is dropped: its span ends here.
                            late.span?.end(GenAISpan.endFields(.failed("hedge_cancelled")), error: "hedge_cancelled")
                            if case .complete(_, let usage) = late.answer {
                                loser = HedgeLoser(candidate: candidate, usage: usage)
                            } else {
                                loser = HedgeLoser(candidate: candidate, usage: nil)
                            }
                        case .failure(let failure):
                            // Cut by the cancellation after the request went out: the prompt was
                            // read. A failure the upstream reported itself is not billed.
                            if failure.status == nil && failure.errorClass != .connect { loser = HedgeLoser(candidate: candidate, usage: nil) }
                        }
                    }
                    return (.success(prepared), hedgeSent, loser)
                case .answered(let who, .failure(let failure)):
                    if who == 1 { hedgeSent = true }
                    if firstFailure == nil { firstFailure = failure }
                    if who == 0 && !hedgeStarted.isSet {
                        // The primary failed before the hedge fired: no hedge, let the retry
                        // loop take over. (A hedge already out is waited for.)
                        group.cancelAll()
                    }
                }
            }
            return (.failure(firstFailure ?? UpstreamFailure(errorClass: .server, provider: primary.deployment.provider,
                                                             deployment: primary.deployment.name)), hedgeSent, nil)
        }
    }
}

/// Caps hedges to a share of requests: each request adds `budget` tokens (at most 10 banked),
/// a hedge spends one.
final class HedgeBudget: Sendable {
    private let share: Double
    private let tokens = Mutex(1.0)

    init(share: Double) { self.share = share }

    func noteRequest() { tokens.withLock { $0 = min(10, $0 + share) } }

    func take() -> Bool {
        tokens.withLock {
            guard $0 >= 1 else { return false }
            $0 -= 1
            return true
        }
    }
}

/// A one-way flag shared between tasks.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
