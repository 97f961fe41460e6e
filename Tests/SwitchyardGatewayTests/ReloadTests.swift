import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

/// Live reload: the swapped snapshot, the pool state that survives it, refused files.
@Suite struct ReloadTests {
    static func yaml(price: String, deployments: [String], extra: String = "") -> String {
        let entries = deployments.map { "      - {name: \($0), simulated: true, models: {deepseek-v4-flash: }}" }.joined(separator: "\n")
        return """
            models:
              - id: deepseek-v4-flash
                pricing: {input: \(price), output: \(price)}
            providers:
              - name: deepseek
                family: deepseek
                deployments:
            \(entries)
            auth: {required: false}
            routing: {strategy: ordered, breaker: {consecutive_failures: 2, open_s: 600}}
            \(extra)
            """
    }

    static func parse(_ yaml: String) throws -> GatewayConfig {
        try GatewayConfig.parse(yaml: yaml, file: "reload.yaml", environment: [:])
    }

    @Test func aReloadedPoolKeepsTheStateOfTheDeploymentsThatRemain() throws {
        let old = try Self.parse(Self.yaml(price: "1", deployments: ["a", "b"]))
        let (a, b) = (old.deployments[0], old.deployments[1])
        let pool = DeploymentPool(deployments: old.deployments, routing: old.routing)
        for _ in 0..<2 {
            #expect(pool.begin(a))
            pool.end(a, .failure(.server, retryAfter: nil))
        }
        #expect(pool.begin(b))
        pool.end(b, .success(latency: .milliseconds(120)))
        // A call still running on the old pool when the reload comes.
        #expect(pool.begin(b))

        let next = try Self.parse(Self.yaml(price: "2", deployments: ["b", "c"]))
        let reloaded = pool.reloaded(deployments: next.deployments, routing: next.routing)
        let health = Dictionary(uniqueKeysWithValues: reloaded.health.map { ($0.deployment.name, $0) })
        #expect(health.keys.sorted() == ["b", "c"])
        #expect(health["b"]?.successes == 1)
        #expect(health["b"]?.inFlight == 1)
        #expect(health["b"]?.latencySeconds.map { abs($0 - 0.12) < 0.001 } == true)
        #expect(health["c"]?.successes == 0 && health["c"]?.inFlight == 0 && health["c"]?.breaker == .closed)

        // The old call ends on the old pool: the new pool sees it.
        pool.end(b, .failure(.server, retryAfter: nil))
        #expect(reloaded.health[0].inFlight == 0)
        #expect(reloaded.health[0].failures == 1)

        // A deployment that comes back under its name finds its breaker as it left it.
        let again = reloaded.reloaded(deployments: old.deployments, routing: old.routing)
        #expect(again.health[0].deployment.name == "a")
        #expect(again.health[0].breaker == .open)
        #expect(again.health[0].failures == 2)
        let flash = try #require(old.catalog.model(named: "deepseek-v4-flash"))
        #expect(again.candidates(for: [flash], preferredRegion: nil).candidates.map(\.deployment.name) == ["b"])
    }

    @Test func newBreakerSettingsApplyToAKeptBreaker() throws {
        let old = try Self.parse(Self.yaml(price: "1", deployments: ["a"]))
        let pool = DeploymentPool(deployments: old.deployments, routing: old.routing)
        #expect(pool.begin(old.deployments[0]))
        pool.end(old.deployments[0], .failure(.server, retryAfter: nil))
        #expect(pool.health[0].breaker == .closed)
        let stricter = try Self.parse(Self.yaml(price: "1", deployments: ["a"]).replacingOccurrences(of: "consecutive_failures: 2", with: "consecutive_failures: 1"))
        let reloaded = pool.reloaded(deployments: stricter.deployments, routing: stricter.routing)
        #expect(reloaded.begin(stricter.deployments[0]))
        reloaded.end(stricter.deployments[0], .failure(.server, retryAfter: nil))
        #expect(reloaded.health[0].breaker == .open)
    }

    /// The whole path: a file, a reload that changes the price and the deployments, a refused
    /// file that changes nothing.
    @Test func aReloadChangesTheNextCallAndARefusedFileChangesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "switchyard.yaml").path
        try Self.yaml(price: "1", deployments: ["a", "b"]).write(toFile: file, atomically: true, encoding: .utf8)
        let (config, source) = try ConfigReloader.load(path: file, environment: [:], overrides: { $0.server.port = 0 })
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let (application, parts) = Gateway.buildApplication(
            config: config, origin: .init(path: file, overrides: { $0.server.port = 0 }), source: source,
            simulator: Simulator(options: .init(fast: true)), logger: logger)
        #expect(source.sha256?.count == 64)
        try await application.test(.live) { client in
            let body = chatBody("deepseek-v4-flash", "[sim tokens=10 ttft_ms=0 tps=1000]")
            let first = try await post(client, body)
            #expect(first.status == .ok)
            #expect(first.headers["x-switchyard-deployment"] == "a")
            let firstCost = try #require(first.headers["x-switchyard-cost-usd"].flatMap { Decimal(string: $0) })

            // b's breaker opens (two failures) before the reload; it must stay open after it.
            let b = try #require(parts.live.pool.deployments.first { $0.name == "b" })
            for _ in 0..<2 {
                #expect(parts.live.pool.begin(b))
                parts.live.pool.end(b, .failure(.server, retryAfter: nil))
            }
            try Self.yaml(price: "3", deployments: ["b", "c"]).write(toFile: file, atomically: true, encoding: .utf8)
            guard case .reloaded(let reload, let newSource) = await parts.reloader.reload(trigger: "test") else {
                Issue.record("the valid file was not applied")
                return
            }
            #expect(reload.applied == ["models (deepseek-v4-flash)", "deployments (added c; removed a)"])
            #expect(parts.live.pool.health.map(\.deployment.name) == ["b", "c"])
            #expect(parts.live.pool.health[0].breaker == .open && parts.live.pool.health[0].failures == 2)
            #expect(parts.live.pool.health[1].breaker == .closed)
            #expect(reload.needsRestart.isEmpty)
            #expect(newSource.sha256 != source.sha256)
            #expect(parts.live.source == newSource)
            let second = try await post(client, body)
            // b's breaker is open: the new deployment c answers.
            #expect(second.headers["x-switchyard-deployment"] == "c")
            let secondCost = try #require(second.headers["x-switchyard-cost-usd"].flatMap { Decimal(string: $0) })
            #expect(firstCost == (try Self.tokens(first)) * 1 / 1_000_000)
            #expect(secondCost == (try Self.tokens(second)) * 3 / 1_000_000)

            // An invalid file: refused with its located error; the running config keeps serving.
            try "providers:\n  - name: x\n    family: nope\n".write(toFile: file, atomically: true, encoding: .utf8)
            guard case .refused(let error) = await parts.reloader.reload(trigger: "test") else {
                Issue.record("the invalid file was not refused")
                return
            }
            #expect(error.file == file && error.line == 3 && error.field == "providers[0].family")
            #expect(error.description.hasPrefix("\(file):3:"))
            #expect(error.description.contains("unknown family 'nope'"))
            #expect(parts.live.source == newSource)
            let third = try await post(client, body)
            #expect(third.headers["x-switchyard-deployment"] == "c")
            #expect(third.headers["x-switchyard-cost-usd"].flatMap { Decimal(string: $0) } == (try Self.tokens(third)) * 3 / 1_000_000)

            let health = try await client.execute(uri: "/admin/health", method: .get)
            // The admin API is off in this gateway (no admin key): the health page says so.
            #expect(health.status == .forbidden)
        }
        await parts.upstream.closeIdle()
    }

    /// Prompt plus completion tokens of a whole answer (every kind is billed at one flat price here).
    static func tokens(_ response: TestResponse) throws -> Decimal {
        let d = try json(response)
        let prompt = try #require(d.value(at: "usage", "prompt_tokens").flatMap(d.int))
        let completion = try #require(d.value(at: "usage", "completion_tokens").flatMap(d.int))
        return Decimal(prompt + completion)
    }

    @Test func theEmbeddedDefaultHasNothingToReload() async throws {
        try await withGateway { _, parts in
            guard case .noConfigFile = await parts.reloader.reload(trigger: "test") else {
                Issue.record("the embedded default claimed to reload")
                return
            }
            #expect(parts.live.source.path == nil)
        }
    }
}
