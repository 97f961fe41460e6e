import Foundation
import Synchronization
import SwitchyardCore

/// The deployments of the running gateway and how each is doing: circuit breaker, latency,
/// requests in flight, cool-down after balance or rate-limit errors. Every request asks it for
/// an ordered list of candidates and reports back how each attempt went.
///
/// A config reload makes a new pool (`reloaded(deployments:routing:)`) for the new calls; the
/// live state is kept per deployment name in a store both pools share, so a deployment that
/// remains keeps its breaker, latency and load, and calls still running on the old pool report
/// to the same state.
package final class DeploymentPool: Sendable {
    package let deployments: [DeploymentConfig]
    private let byModel: [String: [Int]]
    private let routing: RoutingSettings
    /// Each deployment's slot in `state` (same order as `deployments`).
    private let slots: [Int]
    private let state: LiveStates

    /// The live state of every deployment any pool of this gateway has had, by slot; a slot
    /// belongs to one deployment name for good.
    final class LiveStates: Sendable {
        struct Store {
            var states: [LiveState] = []
            var slotByName: [String: Int] = [:]
        }

        private let store = Mutex(Store())

        /// The slots of `deployments`, made for names not seen before; breakers get `breaker`.
        func slots(for deployments: [DeploymentConfig], breaker: CircuitBreaker.Settings) -> [Int] {
            store.withLock { store in
                deployments.map { deployment in
                    if let slot = store.slotByName[deployment.name] {
                        if store.states[slot].breaker.settings != breaker { store.states[slot].breaker.reconfigure(breaker) }
                        return slot
                    }
                    store.states.append(LiveState(breaker: CircuitBreaker(settings: breaker)))
                    store.slotByName[deployment.name] = store.states.count - 1
                    return store.states.count - 1
                }
            }
        }

        func withLock<T>(_ body: (inout [LiveState]) -> T) -> T {
            store.withLock { body(&$0.states) }
        }
    }

    struct LiveState {
        var breaker: CircuitBreaker
        var latency = PeakEWMA()
        /// Attempts under way, and streams still being relayed after their attempt succeeded:
        /// together, the load `least-busy` and `least-latency` see.
        var inFlight = 0
        var openStreams = 0
        var coolingUntil: ContinuousClock.Instant?
        var coolingReason: UpstreamErrorClass?
        var lastError: UpstreamErrorClass?
        var successes = 0
        var failures = 0
        /// The last latencies, for the hedging delay (p95).
        var recentLatencies: [Double] = []
        var probeOK: Bool?
    }

    /// One thing to try: a model at a deployment.
    /// A model on a deployment that may serve it. A class: a call's async frames and the
    /// values that carry a candidate (attempts, their results, a stream's relay) hold a
    /// reference instead of its 480 bytes, and a streaming call holds its frames as long as
    /// it lasts.
    package final class Candidate: Sendable {
        package let model: CatalogModel
        package let deployment: DeploymentConfig
        package var pricing: Pricing? { deployment.pricing(for: model) }

        package init(model: CatalogModel, deployment: DeploymentConfig) {
            self.model = model
            self.deployment = deployment
        }
    }

    package enum Outcome: Sendable {
        case success(latency: Duration)
        case failure(UpstreamErrorClass, retryAfter: Duration?)
        /// The call ended without a verdict (the client left, a hedge lost).
        case abandoned
    }

    package convenience init(deployments: [DeploymentConfig], routing: RoutingSettings = RoutingSettings()) {
        self.init(deployments: deployments, routing: routing, state: LiveStates())
    }

    private init(deployments: [DeploymentConfig], routing: RoutingSettings, state: LiveStates) {
        self.deployments = deployments
        self.routing = routing
        var byModel: [String: [Int]] = [:]
        for (index, deployment) in deployments.enumerated() {
            for model in deployment.models.keys.sorted() { byModel[model, default: []].append(index) }
        }
        self.byModel = byModel
        self.state = state
        self.slots = state.slots(for: deployments, breaker: routing.breaker)
    }

    /// The pool of a reloaded config: `deployments` with `routing`, each deployment that this
    /// pool also has (same name) keeping its breaker, latency, load and cool-down.
    package func reloaded(deployments: [DeploymentConfig], routing: RoutingSettings) -> DeploymentPool {
        DeploymentPool(deployments: deployments, routing: routing, state: state)
    }

    package func serves(_ modelID: String) -> Bool { byModel[modelID] != nil }

    /// Candidates for `models` (in order), each model's deployments in its strategy's order,
    /// the preferred region first. Deployments that are cooling down or whose breaker is open
    /// are left out and listed in `skipped`.
    package func candidates(for models: [CatalogModel], preferredRegion: String?) -> (candidates: [Candidate], skipped: [String]) {
        let now = ContinuousClock.now
        let live = state.withLock { $0 }
        var rng = BufferedRandom()
        var out: [Candidate] = []
        var skipped: [String] = []
        for model in models {
            guard let indices = byModel[model.id] else { continue }
            let snapshots = indices.map { i in
                DeploymentSnapshot(name: deployments[i].name, region: deployments[i].region, weight: deployments[i].weight, position: i,
                                   inFlight: live[slots[i]].inFlight + live[slots[i]].openStreams, latency: live[slots[i]].latency.value,
                                   price: deployments[i].pricing(for: model)?.blendedPer1M)
            }
            for snapshot in routing.strategy(for: model.id).order(snapshots, preferredRegion: preferredRegion, using: &rng) {
                let i = snapshot.position
                let s = live[slots[i]]
                if let until = s.coolingUntil, until > now {
                    skipped.append("\(deployments[i].name): cooling down after \(s.coolingReason?.rawValue ?? "errors") for \(Int((until - now).seconds)) s")
                    continue
                }
                if !s.breaker.wouldAllow(at: now) {
                    skipped.append("\(deployments[i].name): circuit breaker \(s.breaker.state(at: now).rawValue)")
                    continue
                }
                out.append(Candidate(model: model, deployment: deployments[i]))
            }
        }
        return (out, skipped)
    }

    /// Takes a slot at `deployment` for one attempt; false if its breaker refuses right now
    /// (open, or half-open with its probe already out).
    package func begin(_ deployment: DeploymentConfig) -> Bool {
        guard let i = index(of: deployment) else { return false }
        let now = ContinuousClock.now
        return state.withLock { states in
            if let until = states[i].coolingUntil, until > now { return false }
            guard states[i].breaker.allowRequest(at: now) else { return false }
            states[i].inFlight += 1
            return true
        }
    }

    package func end(_ deployment: DeploymentConfig, _ outcome: Outcome) {
        guard let i = index(of: deployment) else { return }
        let now = ContinuousClock.now
        let routing = self.routing
        state.withLock { states in
            states[i].inFlight -= 1
            switch outcome {
            case .success(let latency):
                states[i].successes += 1
                states[i].breaker.recordSuccess(at: now)
                states[i].latency.observe(latency, at: now)
                states[i].recentLatencies.append(latency.seconds)
                if states[i].recentLatencies.count > 256 { states[i].recentLatencies.removeFirst(64) }
            case .failure(let errorClass, let retryAfter):
                states[i].failures += 1
                states[i].lastError = errorClass
                switch errorClass {
                case .balance:
                    // Out of money: no point in asking again soon, and no retry storm.
                    states[i].coolingUntil = now + routing.balanceCooldown
                    states[i].coolingReason = .balance
                    states[i].breaker.recordAbandoned()
                case .rateLimit:
                    if let retryAfter, retryAfter > .zero {
                        states[i].coolingUntil = now + min(retryAfter, .seconds(60))
                        states[i].coolingReason = .rateLimit
                    }
                    states[i].breaker.recordFailure(at: now)
                case .contentFilter, .invalidRequest, .contextLength:
                    // The request's fault, not the deployment's.
                    states[i].breaker.recordSuccess(at: now)
                default:
                    states[i].breaker.recordFailure(at: now)
                }
            case .abandoned:
                states[i].breaker.recordAbandoned()
            }
        }
    }

    /// A stream that has started and is being relayed: counted as load until the lease ends
    /// (when the relay finishes, or is dropped unused).
    package func leaseStream(_ deployment: DeploymentConfig) -> StreamLease {
        if let i = index(of: deployment) { state.withLock { $0[i].openStreams += 1 } }
        return StreamLease { [weak self] in
            guard let self, let i = self.index(of: deployment) else { return }
            self.state.withLock { $0[i].openStreams -= 1 }
        }
    }

    /// A stream that failed after it had started (and after its attempt was reported as a
    /// success): counts against the deployment's breaker.
    package func recordLateFailure(_ deployment: DeploymentConfig, _ errorClass: UpstreamErrorClass) {
        guard let i = index(of: deployment) else { return }
        let now = ContinuousClock.now
        state.withLock { states in
            states[i].failures += 1
            states[i].lastError = errorClass
            states[i].breaker.recordFailure(at: now)
        }
    }

    /// The observed p95 latency of `deployment`, for the hedging delay.
    package func p95Latency(of deployment: DeploymentConfig) -> Duration? {
        guard let i = index(of: deployment) else { return nil }
        let samples = state.withLock { $0[i].recentLatencies }
        guard samples.count >= 20 else { return nil }
        let sorted = samples.sorted()
        let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.95))]
        return .milliseconds(Int64(value * 1000))
    }

    package func recordProbe(_ deployment: DeploymentConfig, ok: Bool) {
        guard let i = index(of: deployment) else { return }
        let now = ContinuousClock.now
        state.withLock { states in
            states[i].probeOK = ok
            if ok { if states[i].breaker.state(at: now) != .open { states[i].breaker.recordSuccess(at: now) } }
            else { states[i].breaker.recordFailure(at: now) }
        }
    }

    /// Health of every deployment, for `/admin/health`, `/readyz` and metrics.
    package struct Health: Sendable {
        package var deployment: DeploymentConfig
        package var breaker: CircuitBreaker.State
        package var timesOpened: Int
        package var coolingFor: Duration?
        package var coolingReason: UpstreamErrorClass?
        package var inFlight: Int
        package var latencySeconds: Double?
        package var successes: Int
        package var failures: Int
        package var lastError: UpstreamErrorClass?
        package var probeOK: Bool?

        package var isHealthy: Bool { breaker != .open && coolingFor == nil && probeOK != false }
    }

    package var health: [Health] {
        let now = ContinuousClock.now
        let live = state.withLock { $0 }
        return zip(deployments, slots).map { deployment, slot in
            let s = live[slot]
            let cooling = s.coolingUntil.flatMap { $0 > now ? $0 - now : nil }
            return Health(deployment: deployment, breaker: s.breaker.state(at: now), timesOpened: s.breaker.timesOpened,
                          coolingFor: cooling, coolingReason: cooling == nil ? nil : s.coolingReason, inFlight: s.inFlight + s.openStreams,
                          latencySeconds: s.latency.value, successes: s.successes, failures: s.failures, lastError: s.lastError,
                          probeOK: s.probeOK)
        }
    }

    package var hasHealthyDeployment: Bool { health.contains(where: \.isHealthy) }

    /// The state slot of `deployment` (by name).
    private func index(of deployment: DeploymentConfig) -> Int? {
        deployments.firstIndex { $0.name == deployment.name }.map { slots[$0] }
    }
}

/// Ends exactly once: explicitly, or when dropped.
package final class StreamLease: Sendable {
    private let onEnd: Mutex<(@Sendable () -> Void)?>

    init(_ onEnd: @escaping @Sendable () -> Void) { self.onEnd = Mutex(onEnd) }

    package func end() {
        let action = onEnd.withLock { value -> (@Sendable () -> Void)? in
            defer { value = nil }
            return value
        }
        action?()
    }

    deinit { end() }
}
