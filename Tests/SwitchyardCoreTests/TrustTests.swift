import Foundation
import Testing
@testable import SwitchyardCore

/// The pure pieces behind the trust issue: strict JSON, saturating money, usage plausibility,
/// budget reservations, secret scrubbing.
@Suite struct StrictJSONTests {
    func strict(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONDocument { try JSONDocument(bytes: bytes, strict: true) }
    func strict(_ text: String) throws(JSONSyntaxError) -> JSONDocument { try strict(Array(text.utf8)) }

    @Test(arguments: [
        #"{"model":"a","model":"b"}"#,
        #"{"model":"a","mo\u0064el":"b"}"#,
        #"{"messages":[{"role":"user","content":"x","content":"y"}]}"#,
        #"{"a":{"b":{"c":1,"c":2}}}"#,
    ])
    func duplicateKeysAreRefusedAtAnyDepth(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try strict(text) }
        // Without `strict`, the document parses (upstream responses are read leniently).
        #expect((try? JSONDocument(bytes: Array(text.utf8))) != nil)
    }

    @Test func theErrorNamesTheKeyAndItsOffset() {
        do {
            _ = try strict(#"{"model":"a","model":"b"}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.offset == 13)
            #expect(error.description.contains("duplicate key \"model\""))
        }
    }

    @Test func largeObjectsAreCheckedToo() {
        var members = (0..<100).map { "\"k\($0)\":\($0)" }
        #expect((try? strict("{" + members.joined(separator: ",") + "}")) != nil)
        members.append("\"k7\":0")
        #expect(throws: JSONSyntaxError.self) { try strict("{" + members.joined(separator: ",") + "}") }
    }

    @Test(arguments: [
        [0xFF], [0xC0, 0x80],  // not UTF-8; an overlong NUL
        [0xE0, 0x80, 0x80],  // overlong
        [0xED, 0xA0, 0x80],  // an encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
        [0xE2, 0x82],  // cut short
    ] as [[UInt8]])
    func invalidUTF8IsRefused(_ sequence: [UInt8]) {
        let bytes = Array(#"{"model":"a","x"#.utf8) + sequence + Array(#"":1}"#.utf8)
        #expect(throws: JSONSyntaxError.self) { try strict(bytes) }
        #expect((try? JSONDocument(bytes: bytes)) != nil)
    }

    @Test func validUTF8IsAccepted() throws {
        _ = try strict(#"{"text":"é ü 中文 😀 \u00e9","model":"x"}"#)
    }
}

@Suite struct SaturatingMoneyTests {
    @Test func sumsSaturateAtTheCeilingInsteadOfTrapping() {
        #expect(Picodollars.add(.max, .max) == Picodollars.ceiling)
        #expect(Picodollars.add(Picodollars.ceiling, 1) == Picodollars.ceiling)
        #expect(Picodollars.subtract(.min, .max) == -Picodollars.ceiling)
        #expect(Picodollars.add(2, 3) == 5)
        #expect(Picodollars.from(Decimal(string: "1e30")!) == Picodollars.ceiling)
        #expect(Picodollars.fromStored(9.3e30) == Picodollars.ceiling)
        #expect(Picodollars.fromStored(.nan) == 0)
        #expect(Picodollars.repaired(-5) == (0, true))
        #expect(Picodollars.repaired(42) == (42, false))
    }

    @Test func aCostBeyondTheCeilingIsTheCeiling() throws {
        let pricing = Pricing.flat(Decimal(1_000_000), source: "test")
        let usage = TokenUsage(promptTokens: 100_000_000, completionTokens: 100_000_000)
        #expect(Cost.of(usage, at: pricing).picodollars == Picodollars.ceiling)
    }

    @Test func implausibleUsageIsNamed() {
        #expect(TokenUsage(promptTokens: 10, completionTokens: 10).implausibility(contextWindow: 1000) == nil)
        #expect(TokenUsage(promptTokens: -1).implausibility(contextWindow: nil)?.contains("negative") == true)
        #expect(TokenUsage(completionTokens: 1 << 40).implausibility(contextWindow: nil)?.contains("above") == true)
        #expect(TokenUsage(promptTokens: 3000, completionTokens: 1001).implausibility(contextWindow: 1000)?.contains("context window") == true)
        #expect(TokenUsage(promptTokens: 3000, completionTokens: 1000).implausibility(contextWindow: 1000) == nil)
    }

    @Test func usageThatIsNotAnIntegerReadsAsImplausible() throws {
        let document = try JSONDocument(bytes: Array(#"{"prompt_tokens":1.5,"completion_tokens":"7","total_tokens":9}"#.utf8))
        let usage = UsageReader.read(document.root, in: document)
        #expect(usage.promptTokens == 1 << 40)
        #expect(usage.implausibility(contextWindow: nil) != nil)
    }
}

@Suite struct ReservationTests {
    @Test func reservationsKeepConcurrentCallsWithinTheBudget() {
        let budget = Budget(amount: Decimal(string: "0.000010")!, period: .total)
        var spend = SpendCounter()
        let worstCase: Int64 = 3_000_000  // $0.000003 a call at worst
        var admitted = 0
        for _ in 0..<20 where spend.admits(worstCase, budget: budget) {
            spend.reserve(worstCase)
            admitted += 1
        }
        #expect(admitted == 3)  // 3 × $0.000003 ≤ $0.00001 < 4 × $0.000003
        // A call settles for less than its worst case: room for one more.
        spend.release(worstCase)
        spend.spend(1_000_000)
        #expect(spend.admits(worstCase, budget: budget))
        #expect(spend.committed(in: .total) == 7_000_000)
    }

    @Test func releasingMoreThanReservedNeverGoesNegative() {
        var spend = SpendCounter()
        spend.reserve(5)
        spend.release(.max)
        #expect(spend.reserved == 0)
        spend.spend(.max)
        spend.written(.max)
        #expect(spend.spent(in: .day) == Picodollars.ceiling)
    }
}

@Suite struct SecretScrubberTests {
    @Test func aSecretIsScrubbedInEveryFormAnEchoTakes() {
        let scrubber = SecretScrubber()
        let key = "bce-v3/ALTAK-abc+Qz="
        scrubber.register(key)
        let base64 = Data(key.utf8).base64EncodedString()
        for echo in [key, "bce-v3%2FALTAK-abc%2BQz%3D", "bce-v3%2fALTAK-abc%2bQz%3d", base64, "bce-v3\\/ALTAK-abc+Qz="] {
            let text = scrubber.scrub("invalid key '\(echo)' given")
            #expect(!text.contains(echo), "\(echo) survived: \(text)")
            #expect(text.contains(SecretScrubber.mask))
        }
        #expect(scrubber.scrub("nothing secret here") == "nothing secret here")
    }

    @Test func shortValuesAreNotRegistered() {
        let scrubber = SecretScrubber()
        scrubber.register("abc")
        #expect(scrubber.scrub("abc abc") == "abc abc")
    }

    @Test(arguments: [
        ("http://user:pa55word@127.0.0.1:1/v1?token=abc", "http://[redacted]@127.0.0.1:1/v1?[redacted]"),
        ("https://api.deepseek.com/v1", "https://api.deepseek.com/v1"),
        ("ftp://x@y/z#frag", "ftp://[redacted]@y/z?[redacted]"),
    ])
    func urlsLoseUserInfoAndQuery(_ url: String, _ shown: String) {
        #expect(URLRedaction.safe(url) == shown)
    }
}

@Suite struct AdminInputTests {
    func spec(_ json: String) throws(OpenAIError) -> KeySpec {
        try KeySpec(json: Array(json.utf8), catalog: .builtIn, now: Date(timeIntervalSince1970: 1_780_000_000))
    }

    @Test(arguments: ["0.0000000000001", "0.0000000000015"])
    func budgetsFinerThanAPicodollarAreRefused(_ amount: String) {
        #expect(throws: OpenAIError.self) { try spec(#"{"name":"x","budget_usd":"\#(amount)"}"#) }
    }

    @Test func aBudgetOfWholePicodollarsIsKept() throws {
        #expect(try spec(#"{"name":"x","budget_usd":"0.000000000002"}"#).budget?.amountPicodollars == 2)
    }

    @Test func daysThatDoNotExistAreRefused() {
        #expect(ISO8601.parse("2026-02-30") == nil)
        #expect(ISO8601.parse("2027-02-29T00:00:00Z") == nil)
        #expect(ISO8601.parse("2028-02-29") != nil)
        #expect(ISO8601.parse("2026-12-31T23:59:59Z") != nil)
        #expect(throws: OpenAIError.self) { try spec(#"{"name":"x","expires_at":"2030-02-30T00:00:00Z"}"#) }
    }

    @Test func aNullExpiresInDaysIsAbsent() throws {
        #expect(try spec(#"{"name":"x","expires_at":"2030-01-01T00:00:00Z","expires_in_days":null}"#).expiresAt != nil)
    }
}

@Suite struct TrustConfigTests {
    let provider = """
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - {name: d, base_url: "http://127.0.0.1:1/v1", models: {deepseek-v4-flash: }}
        """

    func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> GatewayConfig {
        try GatewayConfig.parse(yaml: yaml, file: "t.yaml", environment: environment)
    }

    @Test func theServerLimitsAreReadWithTheirDefaults() throws {
        let defaults = try parse(provider).server
        #expect(defaults.headerTimeout == .seconds(10) && defaults.bodyTimeout == .seconds(10) && defaults.idleTimeout == .seconds(60))
        #expect(defaults.maxConnections == 10_000 && defaults.shutdownGrace == .seconds(30) && defaults.clientStall == .seconds(30))
        #expect(!defaults.publicHealth)
        let set = try parse("""
            server: {header_timeout_ms: 500, body_timeout_ms: 600, idle_timeout_ms: 700, max_connections: 5, shutdown_grace_s: 0,
                     client_stall_ms: 800, public_health: true}
            """ + "\n" + provider).server
        #expect(set.headerTimeout == .milliseconds(500) && set.bodyTimeout == .milliseconds(600) && set.idleTimeout == .milliseconds(700))
        #expect(set.maxConnections == 5 && set.shutdownGrace == .zero && set.clientStall == .milliseconds(800) && set.publicHealth)
    }

    @Test(arguments: ["header_timeout_ms: 0", "body_timeout_ms: -1", "idle_timeout_ms: soon", "max_connections: 0",
                      "shutdown_grace_s: 100000", "client_stall_ms: 1.5", "public_health: maybe", "read_timeout_ms: 5"])
    func badServerLimitsNameTheField(_ field: String) {
        do {
            _ = try parse("server: {\(field)}\n" + provider)
            Issue.record("accepted \(field)")
        } catch {
            #expect(error.line == 1, "\(error)")
            #expect(error.description.contains(String(field.prefix { $0 != ":" })), "\(error)")
        }
    }

    @Test func aMetricsTokenMustBeSetAndLong() throws {
        let yaml = "metrics: {bearer_token_env: METRICS_TOKEN}\n" + provider
        #expect(throws: ConfigError.self) { try parse(yaml) }
        #expect(throws: ConfigError.self) { try parse(yaml, environment: ["METRICS_TOKEN": "short"]) }
        let config = try parse(yaml, environment: ["METRICS_TOKEN": "a-long-enough-metrics-token"])
        #expect(config.metricsBearerToken?.value == "a-long-enough-metrics-token")
    }

    @Test func aBadBaseURLIsShownWithoutItsCredentials() {
        do {
            _ = try parse("""
                providers:
                  - name: deepseek
                    family: deepseek
                    deployments:
                      - {name: d, base_url: "ftp://user:pa55word@host/v1?token=abc", models: {deepseek-v4-flash: }}
                """)
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("pa55word") && !error.description.contains("token=abc"), "\(error)")
        }
    }

    @Test func maxOutputTokensIsReadAndHasADefault() throws {
        let config = try parse("models:\n  - {id: deepseek-v4-flash, max_output_tokens: 2048}\n" + provider)
        #expect(config.catalog.model(named: "deepseek-v4-flash")?.maxOutputTokens == 2048)
        #expect(CatalogModel.defaultMaxOutputTokens(contextWindow: 131_072) == 8192)
        #expect(CatalogModel.defaultMaxOutputTokens(contextWindow: 8192) == 2048)
        #expect(throws: ConfigError.self) { try parse("models:\n  - {id: deepseek-v4-flash, max_output_tokens: 0}\n" + provider) }
    }
}

@Suite struct PromptEstimateTests {
    func estimate(_ body: String) throws -> Int {
        RequestFeatures(request: try ChatRequest(body: Array(body.utf8))).estimatedPromptTokens
    }

    @Test func everythingThatBecomesPromptTokensIsCounted() throws {
        let plain = try estimate(#"{"model":"m","messages":[{"role":"user","content":"What is the weather in Paris today?"}]}"#)
        let tool = #"{"type":"function","function":{"name":"get_weather","description":"The weather in a city, now.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}"#
        let withTools = try estimate(#"{"model":"m","tools":[\#(tool)],"messages":[{"role":"user","content":"What is the weather in Paris today?"}]}"#)
        #expect(withTools >= plain + tool.utf8.count / 4)
        let withCall = try estimate(#"{"model":"m","messages":[{"role":"user","content":"What is the weather in Paris today?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18 degrees and sunny"}]}"#)
        #expect(withCall > plain + 20)
        let withImage = try estimate(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is the weather in Paris today?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}"#)
        #expect(withImage >= plain + 765)
    }
}
