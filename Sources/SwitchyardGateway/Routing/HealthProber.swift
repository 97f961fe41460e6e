import Logging
import NIOCore
import NIOHTTP1
import SwitchyardHTTPClient
import ServiceLifecycle
import SwitchyardCore

/// Active health checks: every `interval`, `GET {base_url}/models` on each deployment with
/// `probe: true`. A failed probe counts against the breaker like a failed call; a good one
/// closes a half-open breaker sooner. Off by default, since some providers bill even that.
public struct HealthProber: Service {
    let pool: DeploymentPool
    let connections: UpstreamConnections
    let interval: Duration
    let logger: Logger

    public init(pool: DeploymentPool, connections: UpstreamConnections, interval: Duration, logger: Logger) {
        self.pool = pool
        self.connections = connections
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let targets = pool.deployments.filter { $0.probe }
        guard !targets.isEmpty else {
            // Nothing to probe; a service must still run until shutdown.
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelledOrShuttingDown {
            for deployment in targets {
                pool.recordProbe(deployment, ok: await probe(deployment))
            }
            try? await Task.sleep(for: interval)
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
