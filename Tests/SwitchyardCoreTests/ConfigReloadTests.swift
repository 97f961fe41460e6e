import Foundation
import Testing
@testable import SwitchyardCore

/// `ConfigReload`: what a reloaded file changes for new calls, and what needs a restart.
@Suite struct ConfigReloadTests {
    let env = ["SIM_API_KEY": "sim-key-123", "OTHER_KEY": "other-key-456"]

    func parse(_ yaml: String) throws -> GatewayConfig {
        try GatewayConfig.parse(yaml: yaml, file: "reload.yaml", environment: env)
    }

    /// A config with two deployments; `extra` is added at the top level, `price` is
    /// deepseek-v4-flash's input/output price.
    func config(server: String = "{host: 127.0.0.1, port: 8080}", price: String = "0.25", deployments: [String] = ["a", "b"],
                keyEnv: String = "SIM_API_KEY", extra: String = "") throws -> GatewayConfig {
        let entries = deployments.map { name in
            "      - {name: \(name), base_url: \"http://127.0.0.1:9/v1\", api_key_env: \(keyEnv), models: {deepseek-v4-flash: }}"
        }.joined(separator: "\n")
        return try parse("""
            server: \(server)
            models:
              - id: deepseek-v4-flash
                pricing: {input: \(price), output: \(price)}
            providers:
              - name: deepseek
                family: deepseek
                deployments:
            \(entries)
            \(extra)
            """)
    }

    @Test func theSameFileChangesNothing() throws {
        let reload = ConfigReload(running: try config(), next: try config())
        #expect(reload.changedNothing)
        #expect(reload.applied.isEmpty && reload.needsRestart.isEmpty)
    }

    @Test func pricesModelsAndDeploymentsApplyLive() throws {
        let running = try config()
        let reload = ConfigReload(running: running, next: try config(price: "0.5", deployments: ["a", "c"]))
        #expect(reload.needsRestart.isEmpty)
        #expect(reload.applied.contains("models (deepseek-v4-flash)"))
        #expect(reload.applied.contains("deployments (added c; removed b)"))
        let flash = try #require(reload.config.catalog.model(named: "deepseek-v4-flash"))
        #expect(flash.pricing?.inputPer1M == Decimal(string: "0.5"))
        #expect(reload.config.deployments.map(\.name) == ["a", "c"])
    }

    @Test func aChangedKeyChangesTheDeployment() throws {
        let reload = ConfigReload(running: try config(), next: try config(keyEnv: "OTHER_KEY"))
        #expect(reload.applied == ["deployments (changed a, b)"])
        #expect(reload.config.deployments.first?.apiKey?.value == "other-key-456")
    }

    @Test func theListenAddressNeedsARestartAndKeepsItsRunningValue() throws {
        let reload = ConfigReload(running: try config(), next: try config(server: "{host: 0.0.0.0, port: 9090, backlog: 16, max_body_bytes: 2048}"))
        #expect(reload.needsRestart == [
            "server.host (127.0.0.1 kept, the file says 0.0.0.0)", "server.port (8080 kept, the file says 9090)",
            "server.backlog (4096 kept, the file says 16)",
        ])
        #expect(reload.applied == ["server.max_body_bytes"])
        #expect(reload.config.server.host == "127.0.0.1")
        #expect(reload.config.server.port == 8080)
        #expect(reload.config.server.backlog == 4096)
        #expect(reload.config.server.maxBodyBytes == 2048)
    }

    @Test func theStoreLedgerAccessLogAndConnectTimeoutNeedARestart() throws {
        let running = try config(extra: "store: {url: memory}")
        let next = try config(extra: """
            store: {url: "sqlite:/tmp/other.db", sync_ms: 500}
            ledger: {batch_size: 10}
            log: {access: json}
            timeouts: {connect_ms: 100, total_ms: 1000}
            auth: {required: false}
            """)
        let reload = ConfigReload(running: running, next: next)
        #expect(reload.needsRestart == [
            "timeouts.connect_ms (5000 ms kept, the file says 100 ms)", "auth.required (true kept, the file says false)",
            "store.url (memory kept, the file says sqlite:/tmp/other.db)", "store.sync_ms (1000 ms kept, the file says 500 ms)",
            "ledger.batch_size (5000 kept, the file says 10)", "log.access (off kept, the file says json)",
        ])
        #expect(reload.applied == ["timeouts"])
        #expect(reload.config.access == running.access)
        #expect(reload.config.accessLog == running.accessLog)
        #expect(reload.config.timeouts.connect == .seconds(5))
        #expect(reload.config.timeouts.total == .seconds(1))
    }

    @Test func routingAndLimitsApplyLive() throws {
        let next = try config(server: "{host: 127.0.0.1, port: 8080, header_timeout_ms: 500, public_health: true, max_connections: 5, shutdown_grace_s: 2}",
                              extra: "routing: {strategy: ordered, breaker: {consecutive_failures: 2}}")
        let reload = ConfigReload(running: try config(), next: next)
        #expect(reload.needsRestart.isEmpty)
        #expect(reload.applied == ["routing", "server.max_connections", "server.shutdown_grace_s", "server.header_timeout_ms", "server.public_health"])
        #expect(reload.config.server.maxConnections == 5)
        #expect(reload.config.server.shutdownGrace == .seconds(2))
        #expect(reload.config.routing.strategy == .ordered)
        #expect(reload.config.routing.breaker.consecutiveFailures == 2)
        #expect(reload.config.server.publicHealth)
    }

    @Test func aNewModelIsListed() throws {
        let next = try parse("""
            server: {host: 127.0.0.1, port: 8080}
            models:
              - id: deepseek-v4-flash
                pricing: {input: 0.25, output: 0.25}
              - {id: my-llama, family: openai, context_window: 8192, pricing: {input: 0, output: 0}}
            providers:
              - name: deepseek
                family: deepseek
                deployments:
                  - {name: a, base_url: "http://127.0.0.1:9/v1", api_key_env: SIM_API_KEY, models: {deepseek-v4-flash: }}
                  - {name: b, base_url: "http://127.0.0.1:9/v1", api_key_env: SIM_API_KEY, models: {deepseek-v4-flash: }}
            """)
        let reload = ConfigReload(running: try config(), next: next)
        #expect(reload.applied == ["models (my-llama)"])
    }
}
