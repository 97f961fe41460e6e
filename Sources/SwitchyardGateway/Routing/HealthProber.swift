import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwitchyardCore

/// Active health checks: every `interval`, `GET {base_url}/models` on each deployment with
/// `probe: true`. A failed probe counts against the breaker like a failed call; a good one
/// closes a half-open breaker sooner. Off by default, since some providers bill even that.
public struct HealthProber: Service {
    let pool: DeploymentPool
    let client: HTTPClient
    let interval: Duration
    let logger: Logger

    public init(pool: DeploymentPool, client: HTTPClient, interval: Duration, logger: Logger) {
        self.pool = pool
        self.client = client
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
        guard case .http(var url) = deployment.endpoint else { return true }
        while url.hasSuffix("/") { url.removeLast() }
        var request = HTTPClientRequest(url: url + "/models")
        if let key = deployment.apiKey { request.headers.add(name: "authorization", value: "Bearer \(key.value)") }
        do {
            let response = try await client.execute(request, timeout: .seconds(5), logger: logger)
            _ = try? await response.body.collect(upTo: 1 << 20)
            return response.status.code < 500 && response.status.code != 401 && response.status.code != 403
        } catch {
            return false
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
