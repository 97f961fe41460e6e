import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import SwitchyardBench
import SwitchyardCore
import SwitchyardHTTPClient
import SwitchyardSimulator
import Testing

/// The load generator against the simulator on a loopback port.
@Suite(.serialized) struct LoadTests {
    func withSim(_ simulator: Simulator, _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        var logger = Logger(label: "sim")
        logger.logLevel = .critical
        let app = SimulatorServer.buildApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)/v1") }
    }

    func runner(_ urls: [String], client: UpstreamConnections, models: [String] = ["glm-5"], requests: Int?, duration: Duration? = nil) -> LoadRunner {
        LoadRunner(client: BenchClient(connections: client, timeout: .seconds(60)), targets: urls.map { .init(baseURL: $0, apiKey: nil) },
                   workload: BenchWorkload(models: models, stream: true, maxTokens: 8, promptTokens: 20, promptSpread: 5),
                   duration: duration, requests: requests, warmup: 0)
    }

    /// Whether to run the tests that measure real time (`SWITCHYARD_TIMING_TESTS=1`): their
    /// outcome depends on how busy the machine is, so they are not part of the default run (the
    /// knee arithmetic itself is checked without a clock in MetricsTests).
    static let timing = ProcessInfo.processInfo.environment["SWITCHYARD_TIMING_TESTS"] == "1"

    /// A model whose latency grows past 40 requests in flight: the knee search must find ~40.
    @Test(.enabled(if: LoadTests.timing, "measures real latency: SWITCHYARD_TIMING_TESTS=1"))
    func kneeSearchFindsTheCapacity() async throws {
        var profile = SimulationProfile(ttftMs: 50, ttftJitter: 0, tokensPerSecond: 1000, outputTokens: 5...5)
        profile.concurrencyKnee = 40
        profile.overloadMsPerRequest = 200
        let sim = Simulator(options: .init(seed: 1, fast: false, profiles: ["glm-5": profile]))
        try await withSim(sim) { url in
            let client = UpstreamConnections(settings: .init(connectTimeout: .seconds(5)))
            var load = runner([url], client: client, requests: nil)
            load.requests = nil
            // A first connection made while every other suite starts up can take most of a
            // second; at c=1 with 10 requests that one request is the p99. Warm-up requests
            // (not measured) take that cost, as `switchyard bench` does by default.
            load.warmup = 5
            let plan = BenchPlan(runner: RequestsPerLevel(base: load).runner, levels: .knee(max: 128), slo: try SLO(parsing: "p99=800"),
                                 command: "test", targetNames: [], log: { print($0) })
            let report = await plan.run()
            await client.closeIdle()
            print("knee found: \(report.knee.map(String.init) ?? "none") (simulator capacity 40, +200 ms per request beyond)")
            let knee = try #require(report.knee)
            #expect((38...46).contains(knee))
            #expect(report.levels.first?.label == "c=1")
        }
    }

    @Test(.enabled(if: LoadTests.timing, "measures a real rate: SWITCHYARD_TIMING_TESTS=1"))
    func openLoopReportsOfferedAndAchievedRates() async throws {
        let sim = Simulator(options: .init(seed: 2, fast: true))
        try await withSim(sim) { url in
            let client = UpstreamConnections(settings: .init(connectTimeout: .seconds(5)))
            let result = await runner([url], client: client, requests: 100).run(.open(rate: 200, poisson: true))
            await client.closeIdle()
            let summary = BenchSummary.compute(result.records, duration: result.duration, label: "open", offeredRate: 200)
            #expect(summary.requests == 100)
            #expect(summary.succeeded == 100)
            #expect(result.records.allSatisfy { $0.scheduled != nil })
            #expect(summary.offeredRate == 200)
            #expect(summary.achievedRate > 50)
            #expect(result.records.allSatisfy { ($0.outputTokens ?? 0) > 0 })
        }
    }

    /// The open loop's arrivals are dealt over one lane per event loop: every arrival is sent
    /// once, at its place in the one seeded schedule, whatever lane sends it. The schedule
    /// spans about 60 µs, so whether an arrival waits for its time or is already late changes
    /// nothing that is checked.
    @Test func openLoopLanesSendEveryArrivalOfTheScheduleOnce() async throws {
        let sim = Simulator(options: .init(seed: 6, fast: true))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let total = 60
        try await withSim(sim) { url in
            // The pool ends before its loops do (its sweeper runs on them).
            let client = UpstreamConnections(group: group, settings: .init(connectTimeout: .seconds(5)))
            let result = await runner([url], client: client, requests: total).run(.open(rate: 1_000_000, poisson: true))
            await client.closeIdle()
            #expect(result.records.count == total)
            #expect(result.records.filter { !$0.succeeded }.isEmpty)
            // The schedule a single sender walks: the same seeded Poisson gaps.
            var rng = SeededRandom(seed: BenchWorkload(models: ["glm-5"], stream: true, maxTokens: 8, promptTokens: 20, promptSpread: 5).seed)
            var at: Duration = .zero
            var expected: [Duration] = []
            for n in 0..<total {
                if n > 0 { at += .nanoseconds(Int64(-Foundation.log(max(1e-12, rng.unit())) / 1_000_000 * 1e9)) }
                expected.append(at)
            }
            #expect(result.records.compactMap(\.scheduled).sorted() == expected)
            #expect(sim.stats.snapshot.requests == total)
        }
        try await group.shutdownGracefully()
    }

    @Test func compareRunsTheSameScheduleAgainstBothTargets() async throws {
        let a = Simulator(options: .init(seed: 3, fast: true))
        let b = Simulator(options: .init(seed: 4, fast: true))
        try await withSim(a) { urlA in
            try await withSim(b) { urlB in
                let client = UpstreamConnections(settings: .init(connectTimeout: .seconds(5)))
                let plan = BenchPlan(runner: runner([urlA, urlB], client: client, models: ["glm-5", "deepseek-v4-flash"], requests: 40),
                                     levels: .single(.closed(concurrency: 4)), slo: nil, command: "test", targetNames: [urlA, urlB], log: { _ in })
                let report = await plan.run()
                await client.closeIdle()
                #expect(report.targets.map(\.requests) == [20, 20])
                #expect(report.models.map(\.label) == ["deepseek-v4-flash", "glm-5"])
                #expect(report.table().contains("B − A per percentile"))
                #expect(a.stats.snapshot.requests == 20 && b.stats.snapshot.requests == 20)
            }
        }
    }

    @Test func errorsAreCountedByClass() async throws {
        var profile = SimulationProfile(ttftMs: 0, ttftJitter: 0, tokensPerSecond: 1000, outputTokens: 3...3)
        profile.faultRates = [.server: 0.5]
        let sim = Simulator(options: .init(seed: 5, fast: true, profiles: ["glm-5": profile]))
        try await withSim(sim) { url in
            let client = UpstreamConnections(settings: .init(connectTimeout: .seconds(5)))
            let result = await runner([url], client: client, requests: 100).run(.closed(concurrency: 1))
            await client.closeIdle()
            let summary = BenchSummary.compute(result.records, duration: result.duration, label: "c=1")
            #expect(summary.requests == 100)
            #expect((summary.errors["http_500"] ?? 0) == 100 - summary.succeeded)
            #expect((30...70).contains(summary.succeeded))
        }
    }
}

/// Knee levels sized by concurrency: each level sends as many requests as it has workers (at
/// least 10), so that every level sees its full concurrency at once.
struct RequestsPerLevel {
    let base: LoadRunner
    var runner: LoadRunner {
        var r = base
        r.requestsPerWorker = 1
        r.minimumRequests = 10
        return r
    }
}
