import Foundation

/// How requests are routed, retried and failed over (the `routing:` section).
public struct RoutingSettings: Sendable, Hashable {
    /// Deployment order for models without their own strategy.
    public var strategy: DeploymentStrategy = .weighted
    public var retry = RetryPolicy()
    public var breaker = CircuitBreaker.Settings()
    /// How long a deployment whose account ran out of balance is left out.
    public var balanceCooldown: Duration = .seconds(300)
    public var hedge = HedgeSettings()
    /// Task-aware rules for `model: auto`.
    public var policy: RoutePolicy = .seedDefault
    /// Per catalog model ID.
    public var models: [String: ModelRouting] = [:]
    /// How often deployments with `probe: true` are checked.
    public var probeInterval: Duration = .seconds(15)

    public init() {}

    public func strategy(for model: String) -> DeploymentStrategy { models[model]?.strategy ?? strategy }
    public func fallbacks(for model: String) -> [String] { models[model]?.fallbacks ?? [] }
}

/// Routing settings of one model.
public struct ModelRouting: Sendable, Hashable {
    public var strategy: DeploymentStrategy?
    /// Models to try, in order, when every deployment of this one failed.
    public var fallbacks: [String] = []
    public var timeouts: UpstreamTimeouts?

    public init(strategy: DeploymentStrategy? = nil, fallbacks: [String] = [], timeouts: UpstreamTimeouts? = nil) {
        self.strategy = strategy
        self.fallbacks = fallbacks
        self.timeouts = timeouts
    }
}

/// Hedged requests: a second attempt to another deployment when the first is slow.
public struct HedgeSettings: Sendable, Hashable {
    public var enabled = false
    /// Wait this long before hedging; nil = the first deployment's observed p95 latency.
    public var delay: Duration?
    /// Hedges allowed, as a share of requests (0.1 = at most 10 % extra upstream calls).
    public var budget = 0.1

    public init(enabled: Bool = false, delay: Duration? = nil, budget: Double = 0.1) {
        self.enabled = enabled
        self.delay = delay
        self.budget = budget
    }
}
