import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore
import SwitchyardGateway
import SwitchyardHTTPClient
import SwitchyardSimulator
import Testing

@Suite struct TimeoutAndHealthTests {
    @Test func streamIdleTimeoutEndsTheStreamWithAnError() async throws {
        var config = GatewayConfig.embedded()
        config.timeouts.streamIdle = .milliseconds(300)
        try await withGateway(config, simulator: Simulator(options: .init(fast: false))) { client, _ in
            let start = ContinuousClock.now
            let r = try await post(client, chatBody("glm-5", "[sim tokens=5 tps=1 ttft_ms=0]", stream: true))
            let text = String(buffer: r.body)
            #expect(r.status == .ok)
            #expect(text.contains("\"code\":\"upstream_timeout\""))
            #expect(!text.contains("[DONE]"))
            // Five tokens at one per second would end after about 4 s: the timeout ended it.
            #expect(text.components(separatedBy: "\"content\":\"").count - 1 < 5)
            _ = start
        }
    }

    @Test func routeTimeoutsApplyToTheRequestsTheRuleRoutes() async throws {
        let yaml = """
            providers:
              - name: glm
                family: glm
                deployments:
                  - {name: glm-sim, simulated: true, models: {glm-5: }}
            routing:
              retry: {max_attempts: 1}
              rules:
                - {name: impatient, when: {hint: fast}, models: [glm-5], timeouts: {first_token_ms: 100}}
                - {name: default, models: [glm-5]}
            """
        let config = try GatewayConfig.parse(yaml: yaml, file: "t.yaml", environment: [:])
        try await withGateway(config, simulator: Simulator(options: .init(fast: false))) { client, _ in
            let start = ContinuousClock.now
            let r = try await post(client, chatBody("auto", "[sim ttft_ms=3000 tokens=2]"), headers: [.init("x-switchyard-hint")!: "fast"])
            #expect(r.status == .gatewayTimeout)
            _ = start
            let patient = try await post(client, chatBody("auto", "[sim ttft_ms=50 tokens=2]"))
            #expect(patient.status == .ok)
            #expect(patient.headers["x-switchyard-route"] == "default; model=glm-5")
        }
    }

    @Test func rateLimitRetryAfterCoolsTheDeploymentDown() throws {
        let config = try resilienceConfig(family: "glm", ports: [1, 2], models: ["glm-5"], routing: "  strategy: ordered\n")
        let pool = DeploymentPool(deployments: config.deployments, routing: config.routing)
        let glm = try #require(config.catalog.model(named: "glm-5"))
        #expect(pool.begin(config.deployments[0]))
        pool.end(config.deployments[0], .failure(.rateLimit, retryAfter: .seconds(30)))
        let (candidates, skipped) = pool.candidates(for: [glm], preferredRegion: nil)
        #expect(candidates.map(\.deployment.name) == ["d1"])
        #expect(skipped.first?.contains("cooling down after rate_limit") == true)
        #expect(!pool.begin(config.deployments[0]))
        // A content filter is the request's fault: it does not count against the deployment.
        for _ in 0..<10 {
            #expect(pool.begin(config.deployments[1]))
            pool.end(config.deployments[1], .failure(.contentFilter, retryAfter: nil))
        }
        #expect(pool.health[1].breaker == .closed)
    }

    @Test func activeProbesMarkUnreachableDeployments() async throws {
        let yaml = """
            providers:
              - name: glm
                family: glm
                deployments:
                  - {name: probed, base_url: "http://127.0.0.1:1/v1", probe: true, models: {glm-5: }}
                  - {name: unprobed, base_url: "http://127.0.0.1:1/v1", models: {glm-5: }}
            """
        let pool = try await probeOnce(yaml)
        #expect(pool.health[0].probeOK == false)
        #expect(pool.health[0].isHealthy == false)
        #expect(pool.health[1].probeOK == nil)
    }

    /// Runs the prober over the deployments of `yaml` until the first has a probe result (at
    /// most 5 s), and returns their pool.
    func probeOnce(_ yaml: String) async throws -> DeploymentPool {
        let config = try GatewayConfig.parse(yaml: yaml, file: "p.yaml", environment: [:])
        let pool = DeploymentPool(deployments: config.deployments, routing: config.routing)
        let connections = UpstreamConnections(settings: .init(connectTimeout: .seconds(1)))
        let prober = HealthProber(pool: pool, connections: connections, interval: .milliseconds(50), logger: Logger(label: "probe"))
        let task = Task { try await prober.run() }
        var waited = 0
        while pool.health[0].probeOK == nil, waited < 250 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        task.cancel()
        _ = try? await task.value
        await connections.closeIdle()
        return pool
    }

    @Test func activeProbesMarkAnsweringDeploymentsHealthy() async throws {
        try await withSimulatorServer { port in
            let yaml = """
                providers:
                  - name: glm
                    family: glm
                    deployments:
                      - {name: probed, base_url: "http://127.0.0.1:\(port)/v1", probe: true, models: {glm-5: }}
                """
            let pool = try await probeOnce(yaml)
            #expect(pool.health[0].probeOK == true)
            #expect(pool.health[0].isHealthy)
        }
    }

    @Test func fetchReadsWholeAnswersAndRefusesOversizedOnes() async throws {
        try await withSimulatorServer { port in
            let connections = UpstreamConnections(settings: .init(connectTimeout: .seconds(1)))
            let base = "http://127.0.0.1:\(port)"
            let models = try await connections.fetch(.GET, base, path: "/v1/models", timeout: .seconds(5))
            #expect(models.status == 200)
            #expect(String(buffer: models.body).contains("\"object\":\"list\"") || String(buffer: models.body).contains("\"data\""))
            let missing = try await connections.fetch(.GET, base, path: "/nowhere", timeout: .seconds(5))
            #expect(missing.status == 404)
            await #expect(throws: UpstreamTransportError.self) {
                _ = try await connections.fetch(.GET, base, path: "/v1/models", timeout: .seconds(5), maxBodyBytes: 16)
            }
            await connections.closeIdle()
        }
    }

    @Test func hedgeBudgetOfZeroSendsNoHedge() async throws {
        var slow = quickProfile
        slow.ttftMs = 600
        let a = Simulator(options: .init(seed: 1, fast: false, profiles: ["glm-5": slow]))
        let b = Simulator(options: .init(seed: 2, fast: false, profiles: ["glm-5": quickProfile]))
        try await withSimulatorServers([a, b]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: """
                  strategy: ordered
                  hedge: {enabled: true, delay_ms: 50, budget_percent: 0}
                """)
            try await withGateway(config) { client, _ in
                // The initial token allows one hedge; after that the zero budget allows none.
                _ = try await post(client, chatBody("glm-5", "hi"))
                let r = try await post(client, chatBody("glm-5", "hi"))
                #expect(r.status == .ok)
                #expect(r.headers["x-switchyard-deployment"] == "d0")
                #expect(r.headers["x-switchyard-attempts"] == "1")
                #expect(b.stats.snapshot.requests == 1)
            }
        }
    }
}

@Suite struct StreamLoadTests {
    /// Open streams count as load: least-busy avoids the deployment that is still streaming.
    @Test func openStreamsCountForLeastBusy() throws {
        let config = try resilienceConfig(family: "glm", ports: [1, 2], models: ["glm-5"], routing: "  strategy: least-busy\n")
        let pool = DeploymentPool(deployments: config.deployments, routing: config.routing)
        let glm = try #require(config.catalog.model(named: "glm-5"))
        var lease: StreamLease? = pool.leaseStream(config.deployments[0])
        for _ in 0..<20 {
            #expect(pool.candidates(for: [glm], preferredRegion: nil).candidates.first?.deployment.name == "d1")
        }
        #expect(pool.health[0].inFlight == 1)
        lease = nil
        _ = lease
        #expect(pool.health[0].inFlight == 0)
        let explicit = pool.leaseStream(config.deployments[1])
        explicit.end()
        explicit.end()
        #expect(pool.health[1].inFlight == 0)
    }
}
