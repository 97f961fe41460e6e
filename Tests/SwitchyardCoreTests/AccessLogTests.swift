import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct AccessLogTests {
    let providers = """
        providers:
          - name: d
            family: deepseek
            deployments:
              - {name: d1, base_url: "http://127.0.0.1:1/v1", models: {deepseek-v4-flash: }}
        """

    func parse(_ log: String) throws(ConfigError) -> GatewayConfig {
        try GatewayConfig.parse(yaml: log + "\n" + providers, file: "t.yaml", environment: [:])
    }

    @Test func settingsFromConfig() throws {
        #expect(try parse("").accessLog == AccessLogSettings(enabled: false, file: nil))
        #expect(try parse("log: {access: json}").accessLog == AccessLogSettings(enabled: true, file: nil))
        #expect(try parse("log: {access_file: /var/log/sy.log}").accessLog == AccessLogSettings(enabled: true, file: "/var/log/sy.log"))
        #expect(try parse("log: {access: off, access_file: /x}").accessLog == AccessLogSettings(enabled: false, file: "/x"))
    }

    @Test func badSettingsNameTheirField() {
        for (yaml, field) in [("log: {access: yaml}", "log.access"), ("log: {acces: json}", "log.acces"), ("log: {access_file: \"\"}", "log.access_file")] {
            do {
                _ = try parse(yaml)
                Issue.record("accepted \(yaml)")
            } catch {
                #expect(error.file == "t.yaml" && error.line == 1 && error.field == field, "\(error)")
            }
        }
    }

    @Test func aLineIsOneJSONObjectWithExactCost() throws {
        var record = UsageRecord(
            time: Date(timeIntervalSince1970: 1_764_547_200), requestID: "req_1", keyID: "key_a", team: "t\"eam\n",
            requestedModel: "auto", servedModel: "glm-5", provider: "glm", deployment: "g1", region: "cn", route: "chinese",
            attempts: 2, usage: TokenUsage(promptTokens: 10, completionTokens: 5, cachedPromptTokens: 3, reasoningTokens: 1),
            costPicodollars: 3_500_000, latencyMicroseconds: 12_345, ttftMicroseconds: 7, status: 200, errorClass: nil, stream: true)
        record.usageSource = .upstream
        let line = AccessLogLine.json(record)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["team"] as? String == "t\"eam\n")
        #expect(object["cost_usd"] as? String == "0.0000035")
        #expect(object["latency_ms"] as? Double == 12.345)
        #expect(object["ttft_ms"] as? Double == 0.007)
        #expect(object["attempts"] as? Int == 2 && object["status"] as? Int == 200)
        #expect(object["cached_tokens"] as? Int == 3 && object["usage_source"] as? String == "upstream")
        #expect(object["error"] is NSNull && object["time"] as? String == "2025-12-01T00:00:00Z")
    }

    @Test func unknownCostAndTTFTAreNull() throws {
        let record = UsageRecord(
            time: Date(), requestID: "r", keyID: nil, team: nil, requestedModel: "x", servedModel: nil, provider: nil, deployment: nil,
            region: nil, route: nil, attempts: 0, usage: TokenUsage(), costPicodollars: nil, latencyMicroseconds: -5,
            ttftMicroseconds: nil, status: 404, errorClass: "model_not_found", stream: false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(AccessLogLine.json(record).utf8)) as? [String: Any])
        #expect(object["cost_usd"] is NSNull && object["ttft_ms"] is NSNull && object["key_id"] is NSNull)
        #expect(object["latency_ms"] as? Double == 0)
    }
}
