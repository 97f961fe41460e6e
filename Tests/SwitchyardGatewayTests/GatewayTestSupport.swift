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

/// Runs `body` against a gateway built from `config` (the embedded default unless given),
/// over a real loopback connection: the production path (`ChatFrontHandler`), not the router.
func withGateway(
    _ config: GatewayConfig = .embedded(), simulator: Simulator = Simulator(options: .init(fast: true)),
    mode: TestingSetup = .live,
    _ body: @escaping @Sendable (any TestClientProtocol, Gateway.Parts) async throws -> Void
) async throws {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    let (application, parts) = Gateway.buildApplication(config: config, simulator: simulator, logger: logger)
    do {
        try await application.test(mode) { testClient in try await body(testClient, parts) }
    } catch {
        await parts.upstream.closeIdle()
        throw error
    }
    await parts.upstream.closeIdle()
}

/// Runs `body` with a standalone simulator serving HTTP on a free loopback port.
func withSimulatorServer(_ simulator: Simulator = Simulator(options: .init(fast: true)),
                         _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    var logger = Logger(label: "sim")
    logger.logLevel = .critical
    let app = SimulatorServer.buildApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: logger)
    try await app.test(.live) { client in try await body(client.port!) }
}

func chatBody(_ model: String, _ content: String, stream: Bool = false, extra: String = "") -> ByteBuffer {
    ByteBuffer(string: "{\"model\":\(JSONString.quoted(model)),\"stream\":\(stream),\"messages\":[{\"role\":\"user\",\"content\":\(JSONString.quoted(content))}]\(extra)}")
}

func post(_ client: some TestClientProtocol, _ body: ByteBuffer, headers: HTTPFields = [:]) async throws -> TestResponse {
    var fields = headers
    fields[.contentType] = "application/json"
    return try await client.execute(uri: "/v1/chat/completions", method: .post, headers: fields, body: body)
}

func json(_ response: TestResponse) throws -> JSONDocument {
    try JSONDocument(bytes: Array(buffer: response.body))
}

func errorCode(_ response: TestResponse) throws -> String? {
    let d = try json(response)
    return d.value(at: "error", "code").flatMap(d.string)
}

extension HTTPFields {
    subscript(_ name: String) -> String? { self[HTTPField.Name(name)!] }
}

/// A config with one HTTP deployment per family pointing at a simulator on `port`.
func httpConfig(port: Int, totalTimeoutMs: Int = 10_000, key: String? = "sim-key-123") throws -> GatewayConfig {
    let yaml = """
        timeouts: {total_ms: \(totalTimeoutMs), connect_ms: 1000}
        providers:
          - name: qwen-local
            family: qwen
            deployments:
              - name: qwen-sim
                region: local
                base_url: http://127.0.0.1:\(port)/v1
                \(key == nil ? "" : "api_key_env: SIM_API_KEY")
                models:
                  Qwen/Qwen3-32B: qwen3-32b
                  glm-5: glm-5
        """
    return try GatewayConfig.parse(yaml: yaml, file: "test.yaml", environment: ["SIM_API_KEY": key ?? ""])
}
