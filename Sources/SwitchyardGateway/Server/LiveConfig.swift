import Foundation
import Synchronization
import SwitchyardCore
import SwitchyardSimulator

/// Where the running configuration came from, for `/admin/health` and the reload answer.
package struct ConfigSource: Sendable, Hashable {
    /// The file, or nil for the embedded default.
    package var path: String?
    /// Lower-case hex SHA-256 of the file's bytes as loaded (nil for the embedded default).
    package var sha256: String?
    package var loadedAt: Date

    package init(path: String?, sha256: String?, loadedAt: Date = Date()) {
        self.path = path
        self.sha256 = sha256
        self.loadedAt = loadedAt
    }
}

/// Everything a call reads from the configuration, built once per loaded config and never
/// changed: a call takes the current snapshot once, at its start, and keeps it to its end — its
/// models, prices, deployments, routing and timeouts stay the ones it started with, whatever a
/// reload does meanwhile.
final class GatewaySnapshot: Sendable {
    let config: GatewayConfig
    let source: ConfigSource
    let pool: DeploymentPool
    let planner: RoutePlanner
    let executor: Executor
    let models: ModelsEndpoint
    let simulator: Simulator
    /// Limits of the client connections accepted from now on.
    let front: ChatFrontHandler.Settings

    init(config: GatewayConfig, source: ConfigSource, pool: DeploymentPool, simulator: Simulator, http: any UpstreamTransport,
         metrics: GatewayMetrics) {
        self.config = config
        self.source = source
        self.pool = pool
        self.simulator = simulator
        self.planner = RoutePlanner(catalog: config.catalog, routing: config.routing, isServed: { pool.serves($0) })
        self.executor = Executor(
            pool: pool, transports: .init(http: http, simulator: SimulatorUpstream(simulator: simulator)),
            routing: config.routing, defaultTimeouts: config.timeouts, metrics: metrics,
            hedgeBudget: HedgeBudget(share: config.routing.hedge.budget))
        self.models = ModelsEndpoint(catalog: config.catalog, pool: pool)
        self.front = ChatFrontHandler.Settings(
            maxBodyBytes: config.server.maxBodyBytes,
            limits: .init(header: config.server.headerTimeout, body: config.server.bodyTimeout, idle: config.server.idleTimeout),
            clientStall: config.server.clientStall)
    }

    /// The snapshot of `reload.config`: deployments that remain keep their live state (same
    /// pool store), the simulator is kept unless the catalog changed, the HTTP transport (and its
    /// pooled connections) is the same.
    func replaced(by config: GatewayConfig, source: ConfigSource, metrics: GatewayMetrics) -> GatewaySnapshot {
        let simulator = config.catalog == self.config.catalog ? self.simulator : Simulator(catalog: config.catalog, options: self.simulator.options)
        return GatewaySnapshot(config: config, source: source, pool: pool.reloaded(deployments: config.deployments, routing: config.routing),
                               simulator: simulator, http: executor.transports.http, metrics: metrics)
    }
}

/// The current snapshot, swapped whole by a reload. Reading it is one short lock and a retain,
/// once per call.
package final class LiveConfig: Sendable {
    private let snapshot: Mutex<GatewaySnapshot>

    init(_ snapshot: GatewaySnapshot) { self.snapshot = Mutex(snapshot) }

    var current: GatewaySnapshot { snapshot.withLock { $0 } }

    func replace(with next: GatewaySnapshot) { snapshot.withLock { $0 = next } }

    /// The configuration new calls run with.
    package var config: GatewayConfig { current.config }
    package var source: ConfigSource { current.source }
    /// The deployments new calls are routed to, with their live state.
    package var pool: DeploymentPool { current.pool }
}
