import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

/// The gateway in front of a real HTTP upstream (the simulator on a loopback port).
@Suite struct HTTPUpstreamTests {
    func echo(_ response: TestResponse) throws -> JSONDocument {
        let d = try json(response)
        let content = try #require(d.value(at: "choices").flatMap { d.firstElement(of: $0) }.flatMap { d.value(at: "message", "content", from: $0) }.flatMap(d.string))
        return try JSONDocument(bytes: Array(content.utf8))
    }

    @Test func passthroughRewritesOnlyTheModelAndNeverForwardsClientAuth() async throws {
        try await withSimulatorServer { port in
            try await withGateway(try httpConfig(port: port)) { client, _ in
                let extra = #","thinking":{"type":"enabled"},"enable_thinking":true,"my_custom_field":123,"response_format":{"type":"json_object"},"reasoning_effort":"high""#
                let r = try await post(client, chatBody("Qwen/Qwen3-32B", "[sim echo]", extra: extra),
                                       headers: [.authorization: "Bearer client-secret-key", .cookie: "a=b"])
                #expect(r.status == .ok)
                let e = try echo(r)
                #expect(e.value(at: "body", "model").flatMap(e.string) == "qwen3-32b")
                #expect(e.value(at: "body", "my_custom_field").flatMap(e.int) == 123)
                #expect(e.value(at: "body", "thinking", "type").flatMap(e.string) == "enabled")
                #expect(e.value(at: "body", "enable_thinking").flatMap(e.bool) == true)
                #expect(e.value(at: "body", "reasoning_effort").flatMap(e.string) == "high")
                #expect(e.value(at: "headers", "authorization").flatMap(e.string) == "Bearer sim-***", "the deployment's key, masked by the echo")
                #expect(e.value(at: "headers", "cookie") == nil)
                #expect(r.headers["set-cookie"] == nil)
                #expect(r.headers["x-ratelimit-remaining-requests"] == nil)
                #expect(r.headers["x-upstream-request-id"] != nil)
            }
        }
    }

    @Test func streamingThroughHTTPAsksUpstreamForUsage() async throws {
        try await withSimulatorServer { port in
            try await withGateway(try httpConfig(port: port)) { client, _ in
                let r = try await post(client, chatBody("glm-5", "hi [sim tokens=4]", stream: true))
                #expect(r.status == .ok)
                let text = String(buffer: r.body)
                #expect(text.hasSuffix("data: [DONE]\n\n"))
                #expect(text.contains("x-switchyard-cost-usd=0.0000"))
            }
        }
    }

    @Test func midStreamDropOverHTTP() async throws {
        try await withSimulatorServer { port in
            try await withGateway(try httpConfig(port: port)) { client, _ in
                let r = try await post(client, chatBody("glm-5", "x [sim fail=drop after=2]", stream: true))
                let text = String(buffer: r.body)
                #expect(text.contains("data: {\"error\":"))
                #expect(!text.contains("[DONE]"))
                let before = try await post(client, chatBody("glm-5", "x [sim fail=drop after=0]", stream: true))
                #expect(before.status == .badGateway)
                let nonStream = try await post(client, chatBody("glm-5", "x [sim fail=drop]"))
                #expect(nonStream.status == .badGateway)
            }
        }
    }

    @Test func unreachableUpstreamIs502() async throws {
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        try await withGateway(try httpConfig(port: 1)) { client, _ in
            let r = try await post(client, chatBody("glm-5", "hi"))
            #expect(r.status == .badGateway)
            #expect(try errorCode(r) == "upstream_unreachable")
        }
    }

    @Test func upstreamTimeoutOverHTTP() async throws {
        try await withSimulatorServer { port in
            try await withGateway(try httpConfig(port: port, totalTimeoutMs: 300)) { client, _ in
                let r = try await post(client, chatBody("glm-5", "x [sim fail=timeout]"))
                #expect(r.status == .gatewayTimeout)
            }
        }
    }
}
