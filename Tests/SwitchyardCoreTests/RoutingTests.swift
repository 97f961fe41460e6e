import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct CircuitBreakerTests {
    let t0 = ContinuousClock.now

    @Test func opensAfterConsecutiveFailuresThenHalfOpensAndCloses() {
        var settings = CircuitBreaker.Settings()
        settings.consecutiveFailures = 3
        settings.openDuration = .seconds(10)
        var breaker = CircuitBreaker(settings: settings)
        for i in 0..<3 {
            let allowed = breaker.allowRequest(at: t0 + .seconds(i))
            #expect(allowed)
            breaker.recordFailure(at: t0 + .seconds(i))
        }
        #expect(breaker.state(at: t0 + .seconds(3)) == .open)
        let duringOpen = breaker.allowRequest(at: t0 + .seconds(5))
        #expect(!duringOpen)
        // After the open period: exactly one probe.
        let probe = breaker.allowRequest(at: t0 + .seconds(13))
        let second = breaker.allowRequest(at: t0 + .seconds(13))
        #expect(probe && !second)
        breaker.recordSuccess(at: t0 + .seconds(14))
        #expect(breaker.state(at: t0 + .seconds(14)) == .closed)
        #expect(breaker.timesOpened == 1)
    }

    @Test func failedProbeReopens() {
        var settings = CircuitBreaker.Settings()
        settings.consecutiveFailures = 1
        settings.openDuration = .seconds(1)
        var breaker = CircuitBreaker(settings: settings)
        breaker.recordFailure(at: t0)
        let probe = breaker.allowRequest(at: t0 + .seconds(2))
        #expect(probe)
        breaker.recordFailure(at: t0 + .seconds(2))
        #expect(breaker.state(at: t0 + .milliseconds(2500)) == .open)
        #expect(breaker.timesOpened == 2)
    }

    @Test func opensOnErrorRateOverTheWindow() {
        var settings = CircuitBreaker.Settings()
        settings.consecutiveFailures = 100
        settings.failureRate = 0.5
        settings.minimumRequests = 10
        var breaker = CircuitBreaker(settings: settings)
        for i in 0..<11 {
            let now = t0 + .milliseconds(i * 10)
            if i % 2 == 0 { breaker.recordFailure(at: now) } else { breaker.recordSuccess(at: now) }
        }
        #expect(breaker.state(at: t0 + .seconds(1)) == .open)
    }

    @Test func oldFailuresLeaveTheWindow() {
        var settings = CircuitBreaker.Settings()
        settings.consecutiveFailures = 100
        settings.minimumRequests = 4
        settings.window = .seconds(10)
        var breaker = CircuitBreaker(settings: settings)
        for i in 0..<3 { breaker.recordFailure(at: t0 + .milliseconds(i)) }
        for i in 0..<4 { breaker.recordSuccess(at: t0 + .seconds(20) + .milliseconds(i)) }
        breaker.recordFailure(at: t0 + .seconds(21))
        #expect(breaker.state(at: t0 + .seconds(21)) == .closed)
    }
}

@Suite struct DeploymentStrategyTests {
    let deployments = [
        DeploymentSnapshot(name: "a", region: "us", weight: 1, position: 0, inFlight: 5, latency: 0.9, price: 3),
        DeploymentSnapshot(name: "b", region: "eu", weight: 3, position: 1, inFlight: 0, latency: 0.1, price: 2),
        DeploymentSnapshot(name: "c", region: "cn", weight: 0, position: 2, inFlight: 2, latency: nil, price: nil),
    ]

    @Test func orderedAndCheapestAreDeterministic() {
        var rng = SystemRandomNumberGenerator()
        #expect(DeploymentStrategy.ordered.order(deployments, using: &rng).map(\.name) == ["a", "b", "c"])
        #expect(DeploymentStrategy.cheapest.order(deployments, using: &rng).map(\.name) == ["b", "a", "c"])
        #expect(DeploymentStrategy.leastBusy.order(deployments, using: &rng).map(\.name) == ["b", "c", "a"])
    }

    @Test func weightedFollowsWeightsAndKeepsZeroWeightLast() {
        var counts: [String: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<4000 {
            let order = DeploymentStrategy.weighted.order(deployments, using: &rng)
            counts[order[0].name, default: 0] += 1
            #expect(order.last?.name == "c")
            #expect(order.count == 3)
        }
        // b has weight 3 of 4: about 3000 of 4000 first picks.
        #expect((2700...3300).contains(counts["b"] ?? 0))
    }

    @Test func leastLatencyPrefersTheFastAndIdle() {
        var rng = SystemRandomNumberGenerator()
        let two = Array(deployments.prefix(2))
        for _ in 0..<50 {
            #expect(DeploymentStrategy.leastLatency.order(two, using: &rng).first?.name == "b")
        }
    }

    @Test func preferredRegionComesFirst() {
        var rng = SystemRandomNumberGenerator()
        let order = DeploymentStrategy.cheapest.order(deployments, preferredRegion: "US", using: &rng)
        #expect(order.map(\.name) == ["a", "b", "c"])
    }

    @Test func peakEWMAJumpsUpAndDecaysSlowly() {
        let t0 = ContinuousClock.now
        var ewma = PeakEWMA(decay: .seconds(10))
        ewma.observe(.milliseconds(100), at: t0)
        ewma.observe(.milliseconds(900), at: t0 + .seconds(1))
        #expect(abs((ewma.value ?? 0) - 0.9) < 1e-9)
        ewma.observe(.milliseconds(100), at: t0 + .seconds(2))
        // One second of a ten-second decay: most of the peak remains.
        #expect((0.8...0.9).contains(ewma.value ?? 0))
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffIsJitteredExponentialAndCapped() {
        let policy = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(300))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            #expect(policy.backoff(beforeAttempt: 1, retryAfter: nil, sameDeployment: false, using: &rng) == .zero)
            #expect(policy.backoff(beforeAttempt: 2, retryAfter: nil, sameDeployment: false, using: &rng) <= .milliseconds(100))
            #expect(policy.backoff(beforeAttempt: 3, retryAfter: nil, sameDeployment: false, using: &rng) <= .milliseconds(200))
            #expect(policy.backoff(beforeAttempt: 9, retryAfter: nil, sameDeployment: false, using: &rng) <= .milliseconds(300))
        }
    }

    @Test func retryAfterIsHonouredOnTheSameDeploymentOnly() {
        let policy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(10))
        var rng = SystemRandomNumberGenerator()
        #expect(policy.backoff(beforeAttempt: 2, retryAfter: .seconds(2), sameDeployment: true, using: &rng) == .seconds(2))
        #expect(policy.backoff(beforeAttempt: 2, retryAfter: .seconds(2), sameDeployment: false, using: &rng) <= .milliseconds(10))
    }
}

@Suite struct RoutePolicyTests {
    func features(_ body: String, hint: String? = nil) throws -> RequestFeatures {
        RequestFeatures(request: try ChatRequest(body: Array(body.utf8)), hint: hint)
    }

    func decide(_ body: String, hint: String? = nil) throws -> RouteDecision {
        RoutePolicy.seedDefault.decide(try features(body, hint: hint), catalog: .builtIn, isServed: { _ in true })
    }

    func user(_ content: String, extra: String = "") -> String {
        "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\(content)}]\(extra)}"
    }

    /// The seed's routing table on example requests.
    @Test func seedTable() throws {
        #expect(try decide(user("\"Write a short reminder about the meeting.\"")).models.first == "deepseek-v4-flash")
        #expect(try decide(user("\"Fix this:\\n```swift\\nlet x = 1\\n```\"")).models.first == "Qwen/Qwen3-Coder-30B")
        #expect(try decide(user("\"请总结这份合同的主要条款。\"")).models.first == "glm-5")
        let image = "[{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAA\"}}]"
        #expect(try decide(user(image)).models == ["Qwen/Qwen3-VL-32B", "glm-4.6v"])
        let chineseImage = "[{\"type\":\"text\",\"text\":\"识别这张发票\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]"
        #expect(try decide(user(chineseImage)).models.first == "glm-4.6v")
        let audio = "[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAA\",\"format\":\"wav\"}}]"
        #expect(try decide(user(audio)).models == ["Qwen/Qwen3-Omni-30B"])
        #expect(try decide(user("\"Think hard.\"", extra: ",\"reasoning_effort\":\"high\"")).models == ["kimi-k2.5", "Qwen/Qwen3.5-397B", "deepseek-v4-pro"])
        #expect(try decide(user("\"Hi\""), hint: "reasoning").rule == "reasoning")
    }

    @Test func capabilityAndServedFilters() throws {
        let image = "[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]"
        let f = try features(user(image))
        // Without Qwen3-VL served, the vision rule falls to GLM-4.6V.
        let decision = RoutePolicy.seedDefault.decide(f, catalog: .builtIn, isServed: { $0 != "Qwen/Qwen3-VL-32B" })
        #expect(decision.models == ["glm-4.6v"])
        #expect(decision.notes.contains { $0.contains("skip Qwen/Qwen3-VL-32B: no deployment serves it") })
        // A text-only model never serves an image request, even by policy.
        let cheap = RoutePolicy(rules: [RouteRule(name: "cheap", target: .cheapestCapable(maxPricePer1M: nil))])
        let picked = cheap.decide(f, catalog: .builtIn, isServed: { _ in true })
        #expect(picked.models.allSatisfy { Catalog.builtIn.model(named: $0)!.capabilities.contains(.vision) })
    }

    @Test func cheapestAndFastestPolicies() throws {
        let f = try features(user("\"hello\""))
        let cheapest = RoutePolicy(rules: [RouteRule(name: "c", target: .cheapestCapable(maxPricePer1M: Decimal(string: "0.3")))])
        let models = cheapest.decide(f, catalog: .builtIn, isServed: { _ in true }).models
        #expect(models.prefix(2) == ["Qwen/Qwen3-8B", "glm-4-9b"])
        #expect(!models.contains("kimi-k2.5"))
        let fastest = RoutePolicy(rules: [RouteRule(name: "f", target: .fastestCapable(maxPricePer1M: nil))])
        #expect(fastest.decide(f, catalog: .builtIn, isServed: { _ in true }).models.first == "deepseek-v4-flash")
    }

    @Test func featureExtraction() throws {
        let f = try features(user("\"请用中文回答 hello\"", extra: ",\"max_tokens\":100,\"thinking\":{\"type\":\"enabled\"}"))
        #expect(f.chineseShare > 0.5)
        #expect(f.wantsReasoning)
        #expect(f.maxOutputTokens == 100)
        let tools = try features(user("\"weather?\"", extra: ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\"}}]"))
        #expect(tools.looksLikeCode)
        let plain = try features(user("\"The class met at the function hall.\""))
        #expect(!plain.looksLikeCode)
        #expect(plain.estimatedPromptTokens > 0)
    }

    @Test func plannerBuildsFallbackChains() throws {
        var routing = RoutingSettings()
        routing.models["kimi-k2.5"] = ModelRouting(fallbacks: ["Qwen/Qwen3.5-397B", "deepseek-v4-pro"])
        let planner = RoutePlanner(catalog: .builtIn, routing: routing, isServed: { _ in true })
        let chat = try ChatRequest(body: Array(#"{"model":"kimi-k2.5","models":["glm-5"],"messages":[{"role":"user","content":"x"}]}"#.utf8))
        let plan = try planner.plan(chat, features: RequestFeatures(request: chat))
        #expect(plan.models.map(\.id) == ["kimi-k2.5", "glm-5", "Qwen/Qwen3.5-397B", "deepseek-v4-pro"])
        // The extension field never reaches the upstream.
        let body = String(decoding: chat.upstreamBody(model: "kimi-k2.5"), as: UTF8.self)
        #expect(body == #"{"model":"kimi-k2.5","messages":[{"role":"user","content":"x"}]}"#)
    }

    @Test func plannerRejectsBadFallbacksAndTooLongRequests() throws {
        let planner = RoutePlanner(catalog: .builtIn, routing: RoutingSettings(), isServed: { _ in true })
        let bad = try ChatRequest(body: Array(#"{"model":"glm-5","models":["nope"],"messages":[{"role":"user","content":"x"}]}"#.utf8))
        #expect(throws: OpenAIError.self) { try planner.plan(bad, features: RequestFeatures(request: bad)) }
        let long = try ChatRequest(body: Array(("{\"model\":\"glm-5\",\"max_tokens\":200000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}").utf8))
        do {
            _ = try planner.plan(long, features: RequestFeatures(request: long))
            Issue.record("expected context_length_exceeded")
        } catch {
            #expect(error.code == "context_length_exceeded")
        }
        #expect(throws: OpenAIError.self) {
            try ChatRequest(body: Array(#"{"model":"glm-5","models":"glm-4-9b","messages":[{"role":"user","content":"x"}]}"#.utf8))
        }
    }
}

@Suite struct RoutingConfigTests {
    let base = """
        providers:
          - name: p
            family: qwen
            deployments:
              - {name: a, region: sg, simulated: true, models: {Qwen/Qwen3-32B: qwen3-32b, Qwen/Qwen3.5-397B: }}
              - name: b
                region: cn
                base_url: http://127.0.0.1:1/v1
                models:
                  Qwen/Qwen3-32B: {id: qwen3-32b, pricing: {input: 0.1, output: 0.2}}
        """

    @Test func fullRoutingSection() throws {
        let yaml = base + """

            routing:
              strategy: cheapest
              retry: {max_attempts: 5, initial_backoff_ms: 10, max_backoff_ms: 100}
              breaker: {consecutive_failures: 3, failure_rate: 0.4, minimum_requests: 8, window_s: 10, open_s: 2.5}
              balance_cooldown_s: 60
              hedge: {enabled: true, delay_ms: 300, budget_percent: 5}
              models:
                Qwen/Qwen3-32B: {strategy: least-latency, fallbacks: [qwen3.5-397b], timeouts: {first_token_ms: 1500}}
              rules:
                - {name: reasoning, when: {reasoning: true}, models: [Qwen/Qwen3.5-397B]}
                - {name: rest, policy: cheapest-capable, max_price_per_1m: 1}
            """
        let config = try GatewayConfig.parse(yaml: yaml, file: "r.yaml", environment: [:])
        let r = config.routing
        #expect(r.strategy == .cheapest && r.retry.maxAttempts == 5 && r.breaker.consecutiveFailures == 3)
        #expect(r.breaker.openDuration == .milliseconds(2500) && r.balanceCooldown == .seconds(60))
        #expect(r.hedge.enabled && r.hedge.delay == .milliseconds(300) && abs(r.hedge.budget - 0.05) < 1e-9)
        #expect(r.strategy(for: "Qwen/Qwen3-32B") == .leastLatency)
        #expect(r.fallbacks(for: "Qwen/Qwen3-32B") == ["Qwen/Qwen3.5-397B"])
        #expect(r.models["Qwen/Qwen3-32B"]?.timeouts?.firstToken == .milliseconds(1500))
        #expect(r.policy.rules.count == 2)
        #expect(config.deployments[0].endpoint == .simulator)
        #expect(config.deployments[1].prices["Qwen/Qwen3-32B"]?.outputPer1M == Decimal(string: "0.2"))
    }

    @Test func routingErrorsAreLocated() {
        func error(_ routing: String) -> ConfigError? {
            do { _ = try GatewayConfig.parse(yaml: base + "\nrouting:\n" + routing, file: "r.yaml", environment: [:]); return nil } catch { return error }
        }
        #expect(error("  strategy: random\n")?.field == "routing.strategy")
        #expect(error("  models:\n    glm-5: {strategy: ordered}\n")?.message.contains("no deployment serves") == true)
        #expect(error("  models:\n    Qwen/Qwen3-32B: {fallbacks: [Qwen/Qwen3-32B]}\n")?.message.contains("own fallback") == true)
        #expect(error("  retry: {max_attempts: 0}\n")?.field == "routing.retry.max_attempts")
        #expect(error("  models:\n    Qwen/Qwen3-32B: {timeouts: {connect_ms: 5}}\n")?.field == "routing.models.Qwen/Qwen3-32B.timeouts.connect_ms")
        #expect(error("  rules:\n    - {name: x}\n")?.message.contains("models") == true)
        #expect(error("  rules:\n    - {name: x, policy: best}\n")?.field == "routing.rules[0].policy")
        let located = error("  hedge: {enabled: maybe}\n")
        #expect(located?.line == 12 && located?.field == "routing.hedge.enabled")
    }
}
