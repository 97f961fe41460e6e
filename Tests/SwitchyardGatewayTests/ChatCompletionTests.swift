import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

@Suite struct ChatCompletionTests {
    @Test(arguments: ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"])
    func nonStreamingHasUsageCostAndTracingHeaders(model: String) async throws {
        try await withGateway { client, _ in
            let response = try await post(client, chatBody(model, "hello [sim tokens=12]"), headers: [.init("x-request-id")!: "my-trace-1"])
            #expect(response.status == .ok)
            #expect(response.headers["x-request-id"] == "my-trace-1")
            #expect(response.headers["x-switchyard-model"] == Catalog.builtIn.model(named: model)?.id)
            #expect(response.headers["x-switchyard-deployment"]?.hasPrefix("sim-") == true)
            #expect(response.headers["x-switchyard-provider"] != nil)
            let d = try json(response)
            let usage = try #require(UsageReader.usage(in: d, object: d.root))
            let price = try #require(Catalog.builtIn.model(named: model)?.pricing?.outputPer1M)
            let expected = Decimal(usage.promptTokens + usage.completionTokens) * price / 1_000_000
            #expect(response.headers["x-switchyard-cost-usd"] == expected.plainString(scale: 12))
            #expect(response.headers["set-cookie"] == nil)
            #expect(response.headers["x-ratelimit-remaining-requests"] == nil)
        }
    }

    @Test func unpricedModelCostIsUnknown() async throws {
        try await withGateway { client, _ in
            let response = try await post(client, chatBody("glm-4.6v", "hi"))
            #expect(response.status == .ok)
            #expect(response.headers["x-switchyard-cost-usd"] == "unknown")
        }
    }

    @Test func aliasIsResolved() async throws {
        try await withGateway { client, _ in
            let response = try await post(client, chatBody("qwen3-32b", "hi [sim echo]"))
            #expect(response.headers["x-switchyard-model"] == "Qwen/Qwen3-32B")
            let d = try json(response)
            let content = try #require(d.value(at: "choices").flatMap { d.firstElement(of: $0) }.flatMap { d.value(at: "message", "content", from: $0) }.flatMap(d.string))
            let echoed = try JSONDocument(bytes: Array(content.utf8))
            #expect(echoed.value(at: "body", "model").flatMap(echoed.string) == "Qwen/Qwen3-32B")
        }
    }

    @Test func badRequests() async throws {
        var config = GatewayConfig.embedded()
        config.server.maxBodyBytes = 4096
        try await withGateway(config) { client, _ in
            var r = try await post(client, ByteBuffer(string: "{not json"))
            #expect(r.status == .badRequest)
            #expect(try errorCode(r) == "invalid_json")
            r = try await post(client, ByteBuffer(string: #"{"messages":[{"role":"user","content":"x"}]}"#))
            #expect(r.status == .badRequest)
            let d = try json(r)
            #expect(d.value(at: "error", "param").flatMap(d.string) == "model")
            #expect(d.value(at: "error", "type").flatMap(d.string) == "invalid_request_error")
            r = try await post(client, ByteBuffer(string: #"{"model":"glm-5"}"#))
            #expect(r.status == .badRequest)
            r = try await post(client, chatBody("gpt-17", "x"))
            #expect(r.status == .notFound)
            #expect(try errorCode(r) == "model_not_found")
            r = try await post(client, chatBody("glm-5", String(repeating: "x", count: 8000)))
            #expect(r.status == .contentTooLarge)
            #expect(try errorCode(r) == "request_too_large")
            r = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(r.status == .notFound)
            #expect(try errorCode(r) == "unknown_url")
        }
    }

    @Test(arguments: [
        ("rate_limit", 429, "rate_limit_exceeded"), ("balance", 429, "insufficient_quota"), ("content_filter", 400, "content_filter"),
        ("overloaded", 503, "upstream_overloaded"), ("server", 502, "upstream_error"), ("auth", 502, "upstream_authentication_failed"),
    ])
    func upstreamErrorsAreMapped(fault: String, status: Int, code: String) async throws {
        try await withGateway { client, _ in
            for model in ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"] {
                let r = try await post(client, chatBody(model, "x [sim fail=\(fault)]"))
                #expect(Int(r.status.code) == status, "\(model) \(fault)")
                #expect(try errorCode(r) == code, "\(model) \(fault)")
                if fault == "balance" { #expect(r.headers["x-should-retry"] == "false") }
                if fault == "rate_limit" { #expect(r.headers["retry-after"] != nil) }
                #expect(r.headers["x-switchyard-deployment"] != nil)
            }
        }
    }

    @Test func upstreamTimeoutIs504() async throws {
        var config = GatewayConfig.embedded()
        config.timeouts.total = .milliseconds(200)
        try await withGateway(config) { client, _ in
            let r = try await post(client, chatBody("glm-5", "x [sim fail=timeout]"))
            #expect(r.status == .gatewayTimeout)
            #expect(try errorCode(r) == "upstream_timeout")
            let s = try await post(client, chatBody("glm-5", "x [sim fail=timeout]", stream: true))
            #expect(s.status == .gatewayTimeout)
        }
    }

    @Test func modelsEndpoints() async throws {
        try await withGateway { client, _ in
            let list = try await client.execute(uri: "/v1/models", method: .get)
            let d = try json(list)
            let data = try #require(d.member("data", of: d.root))
            #expect(d.elements(of: data).count == 16)  // the 15 chat models and text-embedding-v4
            let one = try await client.execute(uri: "/v1/models/Qwen/Qwen3-32B", method: .get)
            #expect(one.status == .ok)
            let m = try json(one)
            #expect(m.member("family", of: m.root).flatMap(m.string) == "qwen")
            #expect(m.value(at: "pricing", "input").flatMap(m.string) == "0.28")
            #expect(m.member("context_window", of: m.root).flatMap(m.int) == 131_072)
            let unpriced = try json(try await client.execute(uri: "/v1/models/glm-4.6v", method: .get))
            #expect(unpriced.member("pricing", of: unpriced.root)?.kind == .null)
            let missing = try await client.execute(uri: "/v1/models/nope", method: .get)
            #expect(missing.status == .notFound)
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await withGateway { client, _ in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            _ = try await post(client, chatBody("glm-5", "hi"))
            _ = try await post(client, chatBody("glm-5", "x [sim fail=server]"))
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("switchyard_requests_total"))
            #expect(metrics.contains("status=\"200\""))
            #expect(metrics.contains("switchyard_upstream_errors_total"))
            #expect(metrics.contains("switchyard_tokens_total"))
            #expect(metrics.contains("switchyard_cost_microusd_total"))
            #expect(metrics.contains("switchyard_request_duration_seconds"))
        }
    }
}
