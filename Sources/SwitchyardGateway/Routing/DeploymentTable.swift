import Synchronization
import SwitchyardCore

/// Which deployments serve which catalog model, and how each has been doing lately.
public final class DeploymentTable: Sendable {
    public let deployments: [DeploymentConfig]
    private let byModel: [String: [Int]]
    private let health: Mutex<[DeploymentHealth]>

    /// Passive health of one deployment, from the outcomes of real calls.
    public struct DeploymentHealth: Sendable, Hashable {
        public var consecutiveFailures = 0
        public var lastErrorClass: UpstreamErrorClass?
    }

    /// After this many failures in a row a deployment is reported unhealthy (it is still tried
    /// when nothing else serves the model).
    public static let unhealthyAfter = 5

    public init(deployments: [DeploymentConfig]) {
        self.deployments = deployments
        var byModel: [String: [Int]] = [:]
        for (index, deployment) in deployments.enumerated() {
            for model in deployment.models.keys { byModel[model, default: []].append(index) }
        }
        self.byModel = byModel
        self.health = Mutex(Array(repeating: DeploymentHealth(), count: deployments.count))
    }

    public func serves(_ modelID: String) -> Bool { byModel[modelID] != nil }

    /// Picks a deployment for `modelID`: healthy ones first, by weight.
    public func pick(for modelID: String) -> DeploymentConfig? {
        guard let indices = byModel[modelID], !indices.isEmpty else { return nil }
        let states = health.withLock { $0 }
        let healthy = indices.filter { states[$0].consecutiveFailures < Self.unhealthyAfter }
        let pool = healthy.isEmpty ? indices : healthy
        let total = pool.reduce(0) { $0 + deployments[$1].weight }
        guard total > 0 else { return deployments[pool[0]] }
        var draw = Int.random(in: 0..<total)
        for index in pool {
            draw -= deployments[index].weight
            if draw < 0 { return deployments[index] }
        }
        return deployments[pool[0]]
    }

    public func record(deployment name: String, failure: UpstreamErrorClass?) {
        guard let index = deployments.firstIndex(where: { $0.name == name }) else { return }
        health.withLock { states in
            if let failure, failure.isRetryable || failure == .auth || failure == .balance {
                states[index].consecutiveFailures += 1
                states[index].lastErrorClass = failure
            } else if failure == nil {
                states[index].consecutiveFailures = 0
            }
        }
    }

    public var healthSnapshot: [(DeploymentConfig, DeploymentHealth)] {
        let states = health.withLock { $0 }
        return zip(deployments, states).map { ($0, $1) }
    }

    public var hasHealthyDeployment: Bool {
        health.withLock { $0.contains { $0.consecutiveFailures < Self.unhealthyAfter } }
    }
}
