import Foundation

/// How requests are routed, retried and failed over (the `routing:` section).
package struct RoutingSettings: Sendable, Hashable {
    /// Deployment order for models without their own strategy.
    package var strategy: DeploymentStrategy = .weighted
    package var retry = RetryPolicy()
    package var breaker = CircuitBreaker.Settings()
    /// How long a deployment whose account ran out of balance is left out.
    package var balanceCooldown: Duration = .seconds(300)
    package var hedge = HedgeSettings()
    /// Task-aware rules for `model: auto`.
    package var policy: RoutePolicy = .seedDefault
    /// Per catalog model ID.
    package var models: [String: ModelRouting] = [:]
    /// How often deployments with `probe: true` are checked.
    package var probeInterval: Duration = .seconds(15)

    package init() {}

    package func strategy(for model: String) -> DeploymentStrategy { models[model]?.strategy ?? strategy }
    package func fallbacks(for model: String) -> [String] { models[model]?.fallbacks ?? [] }
}

/// Routing settings of one model.
package struct ModelRouting: Sendable, Hashable {
    package var strategy: DeploymentStrategy?
    /// Models to try, in order, when every deployment of this one failed.
    package var fallbacks: [String] = []
    package var timeouts: UpstreamTimeouts?

    package init(strategy: DeploymentStrategy? = nil, fallbacks: [String] = [], timeouts: UpstreamTimeouts? = nil) {
        self.strategy = strategy
        self.fallbacks = fallbacks
        self.timeouts = timeouts
    }
}

/// Hedged requests: a second attempt to another deployment when the first is slow.
package struct HedgeSettings: Sendable, Hashable {
    package var enabled = false
    /// Wait this long before hedging; nil = the first deployment's observed p95 latency.
    package var delay: Duration?
    /// Hedges allowed, as a share of requests (0.1 = at most 10 % extra upstream calls).
    package var budget = 0.1

    package init(enabled: Bool = false, delay: Duration? = nil, budget: Double = 0.1) {
        self.enabled = enabled
        self.delay = delay
        self.budget = budget
    }
}
