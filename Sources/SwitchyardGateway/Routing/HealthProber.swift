import Logging
import NIOCore
import NIOHTTP1
import SwitchyardHTTPClient
import ServiceLifecycle
import SwitchyardCore

/// Active health checks: every `interval`, `GET {base_url}/models` on each deployment with
/// `probe: true`. A failed probe counts against the breaker like a failed call; a good one
/// closes a half-open breaker sooner. Off by default, since some providers bill even that.
/// Each round takes the deployments and the interval of the config in force (a reload can add
/// or remove probed deployments).
package struct HealthProber: Service {
    let current: @Sendable () -> (pool: DeploymentPool, interval: Duration)
    let connections: UpstreamConnections
    let logger: Logger

    package init(pool: DeploymentPool, connections: UpstreamConnections, interval: Duration, logger: Logger) {
        self.current = { (pool, interval) }
        self.connections = connections
        self.logger = logger
    }

    /// Probes the deployments of the running config, whatever reloads change.
    package init(live: LiveConfig, connections: UpstreamConnections, logger: Logger) {
        self.current = {
            let snapshot = live.current
            return (snapshot.pool, snapshot.config.routing.probeInterval)
        }
        self.connections = connections
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            let (pool, interval) = current()
            for deployment in pool.deployments where deployment.probe {
                pool.recordProbe(deployment, ok: await probe(deployment))
            }
            // Shutdown does not wait for the next round.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    private func probe(_ deployment: DeploymentConfig) async -> Bool {
        guard case .http(let url) = deployment.endpoint else { return true }
        var headers: [(String, String)] = []
        if let key = deployment.apiKey { headers.append(("authorization", "Bearer \(key.value)")) }
        do {
            let response = try await connections.fetch(.GET, url, tls: deployment.tls, proxy: deployment.proxy, path: "/models", headers: headers, timeout: .seconds(5))
            return response.status < 500 && response.status != 401 && response.status != 403
        } catch {
            return false
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
