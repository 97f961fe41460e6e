import ArgumentParser
import Foundation
import NIOCore
import SwitchyardBench
import SwitchyardHTTPClient
import SwitchyardCore

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test any OpenAI-compatible endpoint: latency percentiles, TTFT, TPOT, throughput, SLO attainment and the concurrency knee.",
        discussion: """
            Closed loop (--concurrency N, or --sweep MAX for 1, 2, 4, … MAX) or open loop (--rate R, \
            evenly spaced or --poisson). --find-knee --slo p99=800 finds the highest concurrency whose p99 \
            end-to-end latency stays under 800 ms (doubling, then bisecting); --peak R --multiplier 10 \
            answers "what is p99 at 10x my peak". --compare URL_A URL_B runs the same schedule against \
            both, interleaved, and prints the difference per percentile (gateway overhead).

            Examples against the embedded default (`switchyard serve`):
              switchyard bench --model deepseek-v4-flash --model glm-5 --concurrency 8 --requests 200
              switchyard bench --find-knee --slo p99=800 --max-concurrency 128 --duration 5s
            """)

    @Option(help: "Base URL of the OpenAI-compatible API (the part before /chat/completions).")
    var url: String = "http://127.0.0.1:8080/v1"

    @Option(help: "Environment variable holding the API key to send (never pass keys on the command line).")
    var apiKeyEnv: String?

    @Option(help: "Model to load (repeatable: requests alternate between models and are also summarised per model).")
    var model: [String] = []

    @Flag(inversion: .prefixedNo, help: "Stream responses (TTFT, TPOT and ITL need streaming).")
    var stream = true

    @Option(help: "Closed loop: requests in flight at once.")
    var concurrency: Int?

    @Option(help: "Closed loop sweep: 1, 2, 4, … up to this concurrency.")
    var sweep: Int?

    @Option(help: "Open loop: requests per second.")
    var rate: Double?

    @Flag(help: "Open loop: Poisson arrivals instead of evenly spaced.")
    var poisson = false

    @Flag(help: "Find the highest concurrency meeting --slo (doubling, then bisecting).")
    var findKnee = false

    @Option(help: "Upper bound of --find-knee.")
    var maxConcurrency: Int = 256

    @Option(help: "Your peak load in requests per second (with --multiplier).")
    var peak: Double?

    @Option(help: "Run open loop at peak × this.")
    var multiplier: Double = 10

    @Option(help: "SLO targets in ms, e.g. ttft=500,tpot=50,e2e=2000,p99=800.")
    var slo: String?

    @Option(help: "How long each load level runs (e.g. 10s, 500ms, 2m).")
    var duration: String?

    @Option(help: "Requests per load level (with --duration, whichever ends first).")
    var requests: Int?

    @Option(help: "Requests sent before measuring, per level (default: the concurrency, or 5).")
    var warmup: Int?

    @Option(help: "Mean prompt length in tokens for generated prompts.")
    var promptTokens: Int = 200

    @Option(help: "Prompt length spread (uniform ± this many tokens).")
    var promptSpread: Int = 100

    @Option(help: "max_tokens of generated requests.")
    var maxTokens: Int?

    @Option(help: "JSONL file of chat request bodies to send instead of generated prompts.")
    var requestsFile: String?

    @Option(parsing: .upToNextOption, help: "Compare two base URLs: the same schedule against both, interleaved.")
    var compare: [String] = []

    @Option(help: "Per-request timeout (e.g. 60s).")
    var timeout: String = "120s"

    @Option(help: "Seed of generated prompts and Poisson arrivals.")
    var seed: UInt64 = 1

    @Option(help: "Write the summary and every request as JSON.")
    var json: String?

    @Option(help: "Write every request as CSV (the summary goes to FILE with .summary.csv).")
    var csv: String?

    @Option(help: "Write a self-contained HTML report with plots.")
    var html: String?

    func validate() throws {
        let modes = [concurrency != nil, sweep != nil, rate != nil, findKnee, peak != nil].filter { $0 }.count
        guard modes <= 1 else { throw ValidationError("choose one of --concurrency, --sweep, --rate, --find-knee, --peak") }
        if findKnee && slo == nil { throw ValidationError("--find-knee needs --slo (e.g. --slo p99=800)") }
        for (name, value) in [("--concurrency", concurrency), ("--sweep", sweep), ("--requests", requests), ("--max-concurrency", maxConcurrency)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be between 0 and 1000000") }
        if let peak, !(peak > 0) { throw ValidationError("--peak must be positive") }
        if !(multiplier > 0) { throw ValidationError("--multiplier must be positive") }
        if !compare.isEmpty && compare.count != 2 { throw ValidationError("--compare takes exactly two URLs") }
        if let duration, Self.parseDuration(duration) == nil { throw ValidationError("--duration must look like 10s, 500ms or 2m") }
        if Self.parseDuration(timeout) == nil { throw ValidationError("--timeout must look like 60s") }
        if let slo { do { _ = try SLO(parsing: slo) } catch { throw ValidationError("--slo: \(error)") } }
    }

    static func parseDuration(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, factor) in [("ms", 0.001), ("s", 1.0), ("m", 60.0)] where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0, v.isFinite { return .milliseconds(Int64(v * factor * 1000)) }
        }
        return nil
    }

    func run() async throws {
        var key: Secret?
        if let apiKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[apiKeyEnv], !value.isEmpty else {
                throw ValidationError("the environment variable \(apiKeyEnv) is not set")
            }
            key = Secret(value)
        }
        let urls = compare.isEmpty ? [url] : compare
        for u in urls {
            guard let parsed = URL(string: u), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ValidationError("'\(u)' is not an http(s) URL")
            }
        }
        let targets = urls.map { BenchClient.Target(baseURL: $0, apiKey: key) }
        var workload = BenchWorkload(models: model.isEmpty ? ["deepseek-v4-flash"] : model, stream: stream, maxTokens: maxTokens,
                                     promptTokens: promptTokens, promptSpread: promptSpread, seed: seed)
        if let requestsFile {
            do { workload.bodies = try BenchWorkload.loadBodies(path: requestsFile) } catch { throw ValidationError("\(error)") }
            if model.isEmpty { workload.models = [] }
        }
        let sloValue = try slo.map { try SLO(parsing: $0) }
        var levelDuration = duration.flatMap(Self.parseDuration)
        if levelDuration == nil && requests == nil { levelDuration = findKnee || sweep != nil ? .seconds(5) : .seconds(10) }
        let levels: BenchPlan.Levels
        if findKnee {
            levels = .knee(max: maxConcurrency)
        } else if let sweep {
            levels = .sweep(max: sweep)
        } else if let rate {
            levels = .single(.open(rate: rate, poisson: poisson))
        } else if let peak {
            levels = .single(.open(rate: peak * multiplier, poisson: true))
        } else {
            levels = .single(.closed(concurrency: concurrency ?? 1))
        }
        let requestTimeout = Self.parseDuration(timeout)!
        let connections = UpstreamConnections(settings: .init(connectTimeout: min(requestTimeout, .seconds(10))))
        var runner = LoadRunner(client: BenchClient(connections: connections, timeout: requestTimeout), targets: targets, workload: workload,
                                duration: levelDuration, requests: requests, warmup: warmup ?? min(concurrency ?? 5, 50))
        let tty = isatty(STDERR_FILENO) != 0
        if tty {
            runner.progress = { p in
                let p99 = p.recentP99Ms.map { String(format: "%.1f ms", $0) } ?? "-"
                FileHandle.standardError.write(Data(String(format: "\r%6d done  %7.1f req/s  p99 %@  %d errors   ", p.done,
                                                           Double(p.done) / max(p.elapsed.seconds, 0.001), p99, p.errors).utf8))
            }
        }
        let command = "switchyard " + CommandLine.arguments.dropFirst().joined(separator: " ")
        let plan = BenchPlan(runner: runner, levels: levels, slo: sloValue, command: command, targetNames: compare,
                             log: { line in FileHandle.standardError.write(Data(((tty ? "\r" : "") + line + "\n").utf8)) })
        let report = await plan.run()
        await connections.closeIdle()
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if let peak {
            print("p99 at \(multiplier.formatted())× a peak of \(peak.formatted()) req/s (open loop, Poisson, \((peak * multiplier).formatted()) req/s):")
        }
        print(report.table())
        try write(report.json(), to: json)
        try write(report.csv(), to: csv)
        if let csv { try write(report.summaryCSV(), to: csv.replacingOccurrences(of: ".csv", with: "") + ".summary.csv") }
        try write(report.html(), to: html)
    }

    private func write(_ text: String, to path: String?) throws {
        guard let path else { return }
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
    }
}
