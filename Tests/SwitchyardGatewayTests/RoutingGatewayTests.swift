import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

@Suite struct RoutingGatewayTests {
    @Test func autoRoutingSaysWhy() async throws {
        try await withGateway { client, _ in
            let image = #"{"model":"auto","messages":[{"role":"user","content":[{"type":"text","text":"what is this"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAA"}}]}]}"#
            let r = try await post(client, ByteBuffer(string: image))
            #expect(r.status == .ok)
            #expect(r.headers["x-switchyard-route"] == "vision; model=Qwen/Qwen3-VL-32B")
            #expect(r.headers["x-switchyard-attempts"] == "1")
            let chinese = try await post(client, chatBody("auto", "请用中文写一段产品介绍。"))
            #expect(chinese.headers["x-switchyard-model"] == "glm-5")
            let hinted = try await post(client, chatBody("auto", "hello"), headers: [.init("x-switchyard-hint")!: "reasoning"])
            #expect(hinted.headers["x-switchyard-route"] == "reasoning; model=kimi-k2.5")
            let explicit = try await post(client, chatBody("glm-5", "hello"))
            #expect(explicit.headers["x-switchyard-route"] == "explicit; model=glm-5")
        }
    }

    @Test func requestFallbackListAcrossFamilies() async throws {
        let broken = Simulator(options: .init(seed: 1, fast: true, profiles: ["kimi-k2.5": faultyProfile(.server)]))
        let fine = Simulator(options: .init(seed: 2, fast: true))
        try await withSimulatorServers([broken, fine]) { ports in
            let config = try twoFamilyConfig(first: ("kimi", ports[0], "kimi-k2.5"), second: ("qwen", ports[1], "Qwen/Qwen3.5-397B"),
                                             routing: "  retry: {max_attempts: 2, initial_backoff_ms: 1}")
            try await withGateway(config) { client, _ in
                let body = chatBody("kimi-k2.5", "[sim echo]", extra: #","models":["Qwen/Qwen3.5-397B"]"#)
                let r = try await post(client, body)
                #expect(r.status == .ok)
                #expect(r.headers["x-switchyard-model"] == "Qwen/Qwen3.5-397B")
                #expect(r.headers["x-switchyard-attempts"] == "2")
                // The extension field is not sent upstream.
                #expect(!String(buffer: r.body).contains("\\\"models\\\""))
                // Without a fallback, the failure comes back after the attempts.
                let alone = try await post(client, chatBody("kimi-k2.5", "hi"))
                #expect(alone.status == .badGateway)
                #expect(alone.headers["x-switchyard-attempts"] == "2")
            }
        }
    }

    @Test func contentFilterIsNotRetried() async throws {
        let a = Simulator(options: .init(seed: 1, fast: true))
        let b = Simulator(options: .init(seed: 2, fast: true))
        try await withSimulatorServers([a, b]) { ports in
            let config = try resilienceConfig(family: "qwen", ports: ports, models: ["Qwen/Qwen3-32B"], routing: "  strategy: ordered\n")
            try await withGateway(config) { client, _ in
                let r = try await post(client, chatBody("Qwen/Qwen3-32B", "x [sim fail=content_filter]"))
                #expect(r.status == .badRequest)
                #expect(r.headers["x-switchyard-attempts"] == "1")
                #expect(a.stats.snapshot.requests + b.stats.snapshot.requests == 1)
            }
        }
    }

    @Test func regionPreferenceHeader() async throws {
        let a = Simulator(options: .init(seed: 1, fast: true))
        let b = Simulator(options: .init(seed: 2, fast: true))
        try await withSimulatorServers([a, b]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: "  strategy: ordered\n")
            try await withGateway(config) { client, _ in
                for _ in 0..<5 {
                    let r = try await post(client, chatBody("glm-5", "hi"), headers: [.init("x-switchyard-region")!: "r1"])
                    #expect(r.headers["x-switchyard-region"] == "r1")
                }
                let plain = try await post(client, chatBody("glm-5", "hi"))
                #expect(plain.headers["x-switchyard-deployment"] == "d0")
            }
        }
    }

    @Test func hedgeWinsOverASlowDeployment() async throws {
        // The first deployment would take a minute (past the call's 20 s): only the hedge can
        // answer, however slow the machine running the test.
        var slow = quickProfile
        slow.ttftMs = 60_000
        let a = Simulator(options: .init(seed: 1, fast: false, profiles: ["glm-5": slow]))
        let b = Simulator(options: .init(seed: 2, fast: false, profiles: ["glm-5": quickProfile]))
        try await withSimulatorServers([a, b]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: """
                  strategy: ordered
                  hedge: {enabled: true, delay_ms: 100, budget_percent: 100}
                """, timeouts: "{connect_ms: 500, first_token_ms: 10000, total_ms: 20000}")
            try await withGateway(config) { client, _ in
                let r = try await post(client, chatBody("glm-5", "hi"))
                #expect(r.status == .ok)
                #expect(r.headers["x-switchyard-deployment"] == "d1")
                #expect(r.headers["x-switchyard-attempts"] == "2")
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains("switchyard_hedges_total{outcome=\"won\"} 1"))
            }
        }
    }

    @Test func noHealthyDeploymentIs503() async throws {
        let a = Simulator(options: .init(seed: 1, fast: true, profiles: ["glm-5": faultyProfile(.balance)]))
        try await withSimulatorServers([a]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: "  balance_cooldown_s: 60\n")
            try await withGateway(config) { client, _ in
                let first = try await post(client, chatBody("glm-5", "hi"))
                #expect(first.status == .tooManyRequests)
                #expect(try errorCode(first) == "insufficient_quota")
                let second = try await post(client, chatBody("glm-5", "hi"))
                #expect(second.status == .serviceUnavailable)
                #expect(try errorCode(second) == "no_healthy_deployment")
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
                #expect(a.stats.snapshot.requests == 1)
            }
        }
    }
}
