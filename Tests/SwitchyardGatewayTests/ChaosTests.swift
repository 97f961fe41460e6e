import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

/// The failure scenarios of the routing-and-resilience issue, against simulators on loopback
/// ports with fixed seeds. Each prints its figures (`CHAOS …` lines in the test output).
@Suite(.serialized) struct ChaosTests {
    /// (a) One of two regions drops every connection: success stays ≥ 99.9 % and p99 rises by
    /// no more than one timeout.
    @Test func regionDropsAllConnections() async throws {
        let regionA = Simulator(options: .init(seed: 1, fast: true, profiles: ["glm-5": quickProfile]))
        let regionB = Simulator(options: .init(seed: 2, fast: true, profiles: ["glm-5": quickProfile]))
        try await withSimulatorServers([regionA, regionB]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: """
                  strategy: weighted
                  retry: {max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 5}
                  breaker: {consecutive_failures: 5, open_s: 30}
                """)
            try await withGateway(config) { client, _ in
                func run(_ n: Int) async throws -> (ok: Int, latencies: [Duration]) {
                    var ok = 0
                    var latencies: [Duration] = []
                    for _ in 0..<n {
                        let start = ContinuousClock.now
                        let r = try await post(client, chatBody("glm-5", "hi"))
                        latencies.append(.now - start)
                        if r.status == .ok { ok += 1 }
                    }
                    return (ok, latencies)
                }
                let baseline = try await run(300)
                let callsBefore = regionA.stats.snapshot.requests
                regionA.setProfile(faultyProfile(.drop), for: "glm-5")
                let outage = try await run(1000)
                let outageCalls = regionA.stats.snapshot.requests - callsBefore
                let success = Double(outage.ok) / 1000
                let p99Base = percentileMs(baseline.latencies, 99)
                let p99Down = percentileMs(outage.latencies, 99)
                report("(a) region down: 1000 requests, success \(String(format: "%.2f", success * 100))%, p99 \(String(format: "%.2f", p99Base)) ms → \(String(format: "%.2f", p99Down)) ms (allowed: + 2000 ms first-token timeout); region A saw \(outageCalls) calls during the outage")
                #expect(baseline.ok == 300)
                #expect(success >= 0.999)
                #expect(p99Down <= p99Base + 2000)
                // The breaker took region A out: during the outage it saw only the calls before it
                // opened (5 consecutive failures; it stays open longer than the test runs).
                #expect(outageCalls <= 5)
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains("switchyard_deployment_breaker_state{deployment=\"d0\"} 2"))
                let health = String(buffer: try await client.execute(uri: "/admin/health", method: .get).body)
                #expect(health.contains("\"deployment\":\"d0\",\"provider\":\"glm\",\"region\":\"r0\",\"healthy\":false,\"breaker\":\"open\""))
            }
        }
    }

    /// (b) 30 % of upstream calls return 503: retries keep success ≥ 99.9 %.
    @Test func thirtyPercentServerErrors() async throws {
        let flaky = faultyProfile(.overloaded, rate: 0.3)
        let a = Simulator(options: .init(seed: 11, fast: true, profiles: ["glm-5": flaky]))
        let b = Simulator(options: .init(seed: 12, fast: true, profiles: ["glm-5": flaky]))
        try await withSimulatorServers([a, b]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: """
                  strategy: ordered
                  retry: {max_attempts: 6, initial_backoff_ms: 1, max_backoff_ms: 2}
                  breaker: {consecutive_failures: 50, failure_rate: 0.9, minimum_requests: 100}
                """)
            try await withGateway(config) { client, _ in
                var ok = 0
                var attempts = 0
                for _ in 0..<1000 {
                    let r = try await post(client, chatBody("glm-5", "hi"))
                    if r.status == .ok { ok += 1 }
                    attempts += Int(r.headers["x-switchyard-attempts"] ?? "0") ?? 0
                }
                let upstreamCalls = a.stats.snapshot.requests + b.stats.snapshot.requests
                report("(b) 30% upstream 503: 1000 requests, success \(String(format: "%.2f", Double(ok) / 10))%, \(upstreamCalls) upstream calls, \(String(format: "%.2f", Double(attempts) / 1000)) attempts per request")
                #expect(ok >= 999)
                #expect(upstreamCalls == attempts)
            }
        }
    }

    /// (c) A latency spike on one family: traffic moves to the fallback family within seconds,
    /// and back after recovery.
    @Test func latencySpikeMovesTrafficToAnotherFamilyAndBack() async throws {
        let kimi = Simulator(options: .init(seed: 3, fast: false, profiles: ["kimi-k2.5": quickProfile]))
        let qwen = Simulator(options: .init(seed: 4, fast: false, profiles: ["Qwen/Qwen3.5-397B": quickProfile]))
        try await withSimulatorServers([kimi, qwen]) { ports in
            let config = try twoFamilyConfig(first: ("kimi", ports[0], "kimi-k2.5"), second: ("qwen", ports[1], "Qwen/Qwen3.5-397B"), routing: """
                  retry: {max_attempts: 2, initial_backoff_ms: 1, max_backoff_ms: 2}
                  breaker: {consecutive_failures: 3, open_s: 1}
                  models:
                    kimi-k2.5: {fallbacks: [Qwen/Qwen3.5-397B], timeouts: {first_token_ms: 200}}
                """)
            try await withGateway(config) { client, _ in
                func ask() async throws -> (model: String?, ok: Bool, latency: Duration) {
                    let start = ContinuousClock.now
                    let r = try await post(client, chatBody("kimi-k2.5", "hi", stream: true))
                    return (r.headers["x-switchyard-model"], r.status == .ok && String(buffer: r.body).hasSuffix("[DONE]\n\n"), .now - start)
                }
                for _ in 0..<10 { #expect(try await ask().model == "kimi-k2.5") }

                var spike = quickProfile
                spike.ttftMs = 5000
                kimi.setProfile(spike, for: "kimi-k2.5")
                let kimiCallsBefore = kimi.stats.snapshot.requests
                let spikeStart = ContinuousClock.now
                var moved: Duration?
                var spikeResults: [(model: String?, ok: Bool, latency: Duration)] = []
                for _ in 0..<20 {
                    let result = try await ask()
                    spikeResults.append(result)
                    if moved == nil, result.model == "Qwen/Qwen3.5-397B" { moved = .now - spikeStart }
                }
                let spikeTime = ContinuousClock.now - spikeStart
                let kimiCalls = kimi.stats.snapshot.requests - kimiCallsBefore
                #expect(spikeResults.allSatisfy { $0.ok && $0.model == "Qwen/Qwen3.5-397B" })
                // Once the breaker is open, requests no longer wait for the slow family: kimi sees
                // the three calls that open the breaker, then one half-open probe per second the
                // breaker stays open (`open_s: 1`), however slow this machine runs the 20 calls.
                let probesAllowed = Int(spikeTime.seconds.rounded(.up))
                #expect(kimiCalls <= 3 + probesAllowed, "kimi saw \(kimiCalls) calls in \(spikeTime)")
                // And a call that did not go to kimi did not wait for its first-token timeout.
                let waited = spikeResults.filter { $0.latency >= .milliseconds(200) }.count
                #expect(waited <= kimiCalls, "\(waited) calls waited 200 ms or more; kimi saw \(kimiCalls)")
                let late = spikeResults.suffix(10).map(\.latency)

                kimi.setProfile(nil, for: "kimi-k2.5")
                let recoveryStart = ContinuousClock.now
                var back: Duration?
                while back == nil, ContinuousClock.now - recoveryStart < .seconds(10) {
                    if try await ask().model == "kimi-k2.5" { back = .now - recoveryStart }
                    try await Task.sleep(for: .milliseconds(50))
                }
                report("(c) latency spike on kimi: moved to qwen after \(String(format: "%.0f", (moved ?? .zero).seconds * 1000)) ms; spike-time p99 \(String(format: "%.1f", percentileMs(spikeResults.map(\.latency), 99))) ms, last 10 max \(String(format: "%.1f", (late.max() ?? .zero).seconds * 1000)) ms, kimi called \(kimiCalls) times in \(String(format: "%.0f", spikeTime.seconds * 1000)) ms; back on kimi \(String(format: "%.0f", (back ?? .zero).seconds * 1000)) ms after recovery")
                #expect(moved != nil && moved! < .seconds(2))
                #expect(back != nil)
                for _ in 0..<5 { #expect(try await ask().model == "kimi-k2.5") }
            }
        }
    }

    /// (d) A deployment out of balance is taken out at once: no retry storm.
    @Test func balanceExhaustedDeploymentIsTakenOut() async throws {
        let broke = Simulator(options: .init(seed: 5, fast: true, profiles: ["glm-5": faultyProfile(.balance)]))
        let healthy = Simulator(options: .init(seed: 6, fast: true, profiles: ["glm-5": quickProfile]))
        try await withSimulatorServers([broke, healthy]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: """
                  strategy: ordered
                  balance_cooldown_s: 300
                """)
            try await withGateway(config) { client, _ in
                var ok = 0
                for _ in 0..<100 where try await post(client, chatBody("glm-5", "hi")).status == .ok { ok += 1 }
                let health = String(buffer: try await client.execute(uri: "/admin/health", method: .get).body)
                report("(d) balance exhausted: 100 requests, \(ok) succeeded, broke deployment called \(broke.stats.snapshot.requests) time(s)")
                #expect(ok == 100)
                #expect(broke.stats.snapshot.requests == 1)
                #expect(health.contains("\"cooling_reason\":\"balance\""))
            }
        }
    }

    /// (e) A stream that fails before its first content chunk fails over transparently; one that
    /// fails after content ends with an error event and is counted.
    @Test func midStreamFailureBeforeAndAfterFirstContent() async throws {
        var failing = quickProfile
        failing.faultRates = [.midStream: 1]
        let a = Simulator(options: .init(seed: 7, fast: true, profiles: ["glm-5": failing]))
        let b = Simulator(options: .init(seed: 8, fast: true, profiles: ["glm-5": quickProfile]))
        try await withSimulatorServers([a, b]) { ports in
            let config = try resilienceConfig(family: "glm", ports: ports, models: ["glm-5"], routing: """
                  strategy: ordered
                  breaker: {consecutive_failures: 1000}
                """)
            try await withGateway(config) { client, _ in
                let before = try await post(client, chatBody("glm-5", "hi", stream: true))
                let text = String(buffer: before.body)
                #expect(before.status == .ok)
                #expect(before.headers["x-switchyard-deployment"] == "d1")
                #expect(before.headers["x-switchyard-attempts"] == "2")
                #expect(text.hasSuffix("data: [DONE]\n\n") && !text.contains("\"error\""))

                let after = try await post(client, chatBody("glm-5", "hi [sim fail=mid_stream after=3 tokens=8]", stream: true))
                let afterText = String(buffer: after.body)
                #expect(after.status == .ok)
                #expect(afterText.contains("data: {\"error\":") && !afterText.contains("[DONE]"))
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains("switchyard_stream_failures_total{model=\"glm-5\",phase=\"after_first_chunk\"} 1"))
                report("(e) mid-stream: before first content → served by \(before.headers["x-switchyard-deployment"] ?? "?") after \(before.headers["x-switchyard-attempts"] ?? "?") attempts, complete; after content → error event, counted")
            }
        }
    }
}
