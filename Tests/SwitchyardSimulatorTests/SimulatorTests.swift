import Foundation
import SwitchyardCore
import Testing
@testable import SwitchyardSimulator

@Suite struct SimulatorTests {
    func request(_ model: String, _ content: String, stream: Bool = false, extra: String = "") -> [UInt8] {
        Array("{\"model\":\(JSONString.quoted(model)),\"stream\":\(stream),\"messages\":[{\"role\":\"user\",\"content\":\(JSONString.quoted(content))}]\(extra)}".utf8)
    }

    @Test func sameSeedSameAnswers() {
        let a = Simulator(options: .init(seed: 7, fast: true))
        let b = Simulator(options: .init(seed: 7, fast: true))
        let c = Simulator(options: .init(seed: 8, fast: true))
        for _ in 0..<5 {
            let ra = a.respond(body: request("glm-5", "hello")).body.bytesIgnoringTime
            let rb = b.respond(body: request("glm-5", "hello")).body.bytesIgnoringTime
            let rc = c.respond(body: request("glm-5", "hello")).body.bytesIgnoringTime
            #expect(ra == rb)
            #expect(ra != rc)
        }
    }

    @Test func usageAgreesWithText() throws {
        let sim = Simulator(options: .init(fast: true))
        for model in ["deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"] {
            // Open-source Qwen3 refuses non-streaming calls with thinking on (its default).
            let extra = model.hasPrefix("Qwen") ? ",\"enable_thinking\":false" : ""
            let bytes = sim.respond(body: request(model, "hi [sim tokens=17]", extra: extra)).body.bytesIgnoringTime
            let doc = try JSONDocument(bytes: Array(bytes.drop { $0 == 0x0A }))
            let usage = try #require(UsageReader.usage(in: doc, object: doc.root))
            let content = try #require(doc.value(at: "choices").flatMap { doc.firstElement(of: $0) }
                .flatMap { doc.value(at: "message", "content", from: $0) }.flatMap(doc.string))
            // GLM's usage has no completion_tokens_details: count the reasoning text instead.
            let choice = try #require(doc.value(at: "choices").flatMap { doc.firstElement(of: $0) })
            let reasoning = doc.value(at: "message", "reasoning_content", from: choice).flatMap(doc.string)
                .map { $0.split(separator: " ").count } ?? 0
            #expect(model.hasPrefix("glm") || usage.reasoningTokens == reasoning, "\(model)")
            #expect(content.split(separator: " ").count == 17, "\(model)")
            #expect(usage.completionTokens == 17 + reasoning, "\(model)")
        }
    }

    @Test func streamQuirksPerFamily() throws {
        let sim = Simulator(options: .init(fast: true))
        func events(_ model: String, includeUsage: Bool) throws -> [String] {
            let body = request(model, "[sim tokens=3]", stream: true, extra: includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
            var parser = SSEParser()
            return try parser.feed(sim.respond(body: body).body.bytesIgnoringTime).compactMap {
                if case .data(let d) = $0 { return String(decoding: d, as: UTF8.self) }
                return nil
            }
        }
        // Kimi: usage inside choices[0] on the finish chunk and again at top level.
        let kimi = try events("kimi-k2.5", includeUsage: true)
        #expect(kimi.filter { $0.contains("\"usage\"") }.count == 2)
        #expect(kimi.last == "[DONE]")
        // Qwen: no usage unless asked.
        #expect(try events("qwen3-32b", includeUsage: false).allSatisfy { !$0.contains("\"usage\"") })
        #expect(try events("qwen3-32b", includeUsage: true).contains { $0.contains("\"choices\":[],\"usage\"") })
        // GLM: usage on the finish chunk only, plus a top-level request_id.
        let glm = try events("glm-5", includeUsage: true)
        #expect(glm.filter { $0.contains("\"usage\"") }.count == 1)
        #expect(glm.allSatisfy { $0 == "[DONE]" || $0.contains("\"request_id\"") })
    }

    @Test func deepSeekSendsKeepAlivesWhileQueued() {
        let sim = Simulator(options: .init(fast: false))
        let body = sim.respond(body: request("deepseek-v4-flash", "[sim ttft_ms=350 tokens=1 tps=1000]", stream: true)).body.bytesIgnoringTime
        #expect(String(decoding: body, as: UTF8.self).hasPrefix(": keep-alive\n\n: keep-alive\n\n: keep-alive\n\n"))
    }

    @Test(arguments: [
        ("deepseek-v4-flash", "balance", 402), ("Qwen/Qwen3-32B", "content_filter", 400), ("kimi-k2.5", "overloaded", 429),
        ("glm-5", "balance", 429), ("glm-5", "rate_limit", 429), ("deepseek-v4-flash", "server", 500), ("deepseek-v4-flash", "auth", 401),
    ])
    func directivesForceFaults(model: String, fault: String, status: Int) {
        let sim = Simulator(options: .init(fast: true))
        let response = sim.respond(body: request(model, "x [sim fail=\(fault)]"))
        #expect(response.status == status)
    }

    @Test func faultRatesAreDeterministicAndNearTheirRate() {
        var profile = SimulationProfile()
        profile.faultRates = [.server: 0.3]
        let sim = Simulator(options: .init(seed: 1, fast: true, profiles: ["glm-5": profile]))
        let failures = (0..<1000).filter { _ in sim.respond(body: request("glm-5", "x")).status != 200 }.count
        #expect((250...350).contains(failures))
        let again = Simulator(options: .init(seed: 1, fast: true, profiles: ["glm-5": profile]))
        #expect((0..<1000).filter { _ in again.respond(body: request("glm-5", "x")).status != 200 }.count == failures)
    }

    @Test func directiveParsing() {
        let d = SimDirectives(text: "please [sim fail=mid_stream after=3 tokens=40 tps=100 ttft_ms=5 echo tool_call] thanks")
        #expect(d.fault == .midStream && d.faultAfter == 3 && d.tokens == 40 && d.tokensPerSecond == 100 && d.ttftMs == 5 && d.echo && d.toolCall)
        let junk = SimDirectives(text: "[sim fail=nonsense tokens=-5 tps=abc] [sim")
        #expect(junk.fault == nil && junk.tokens == 0 && junk.tokensPerSecond == nil)
    }

    @Test func unknownModelAndBadBody() {
        let sim = Simulator(options: .init(fast: true))
        #expect(sim.respond(body: request("nope", "x")).status == 404)
        #expect(sim.respond(body: Array("{".utf8)).status == 400)
    }

    @Test func inFlightCountsAbandonedStreams() async throws {
        let sim = Simulator(options: .init(fast: false))
        let response = sim.respond(body: request("glm-5", "[sim tokens=100 tps=10 ttft_ms=0]", stream: true))
        var iterator: SimulatedBody.AsyncIterator? = response.body.makeAsyncIterator()
        _ = try await iterator?.next()
        #expect(sim.stats.snapshot.inFlight == 1)
        iterator = nil
        _ = iterator
        _ = consume response
        #expect(sim.stats.snapshot.inFlight == 0)
        #expect(sim.stats.snapshot.cancelled == 1)
    }
}

@Suite struct SimulatorHostileInputTests {
    @Test func malformedDirectivesAndNegativeLimitsDoNotCrash() {
        let sim = Simulator(options: .init(fast: true))
        let body = Array(#"{"model":"glm-5","max_tokens":5,"messages":[{"role":"user","content":"[sim =] [sim ==x] [sim after=] [sim tokens=99999999999999999999]"}]}"#.utf8)
        #expect(sim.respond(body: body).status == 200)
        // A negative limit is refused in the family's dialect, not clamped.
        let negative = sim.respond(body: Array(#"{"model":"glm-5","max_tokens":-5,"messages":[{"role":"user","content":"x"}]}"#.utf8))
        #expect(negative.status == 400)
        #expect(String(decoding: negative.body.bytesIgnoringTime, as: UTF8.self).contains("\"code\":\"1210\""))
    }

    @Test func echoMasksCredentials() throws {
        let sim = Simulator(options: .init(fast: true))
        let body = Array(#"{"model":"glm-5","messages":[{"role":"user","content":"[sim echo]"}]}"#.utf8)
        let text = String(decoding: sim.respond(body: body, headers: [("Authorization", "Bearer sk-live-abcdef123456"), ("x-api-key", "secret-value-1")]).body.bytesIgnoringTime, as: UTF8.self)
        #expect(!text.contains("abcdef123456") && !text.contains("secret-value-1"))
        #expect(text.contains("Bearer sk-l***"))
    }
}

@Suite struct SimulationProfileFileTests {
    func load(_ yaml: String) throws(ConfigError) -> Simulator.Options {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).yaml").path
        FileManager.default.createFile(atPath: path, contents: Data(yaml.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = Simulator.Options()
        try Simulator.Options.load(profilePath: path, catalog: .builtIn, into: &options)
        return options
    }

    @Test func validProfile() throws {
        let options = try load("""
            seed: 9
            defaults: {ttft_ms: 100}
            models:
              deepseek-v4-flash: {tokens_per_second: 80, concurrency_knee: 40, overload_ms_per_request: 25, faults: {rate_limit: 0.1}}
            """)
        #expect(options.seed == 9)
        let flash = try #require(options.profiles["deepseek-v4-flash"])
        #expect(flash.ttftMs == 100 && flash.tokensPerSecond == 80 && flash.concurrencyKnee == 40 && flash.faultRates[.rateLimit] == 0.1)
        #expect(options.profiles["glm-5"]?.ttftMs == 100)
    }

    @Test func badProfilesNameLineAndField() {
        func error(_ yaml: String) -> ConfigError? {
            do { _ = try load(yaml); return nil } catch { return error }
        }
        #expect(error("models:\n  gpt-9: {ttft_ms: 1}\n")?.field == "models.gpt-9")
        let unknownFault = error("models:\n  glm-5:\n    faults: {meteor: 0.5}\n")
        #expect(unknownFault?.line == 3 && unknownFault?.message.contains("unknown fault") == true)
        #expect(error("defaults: {faults: {server: 0.7, rate_limit: 0.6}}\n")?.message.contains("more than 1") == true)
        #expect(error("defaults: {output_tokens: [50, 10]}\n")?.field == "defaults.output_tokens[1]")
        #expect(error("defaults: {tokens_per_second: -3}\n")?.field == "defaults.tokens_per_second")
    }
}
