import Foundation
import SwitchyardCore

/// Runs the load levels a bench command asks for and assembles the report: one level, a
/// concurrency sweep, a knee search, or "p99 at N× my peak".
package struct BenchPlan: Sendable {
    package enum Levels: Sendable {
        case single(LoadRunner.Mode)
        /// Closed loop at 1, 2, 4, … up to `max`.
        case sweep(max: Int)
        /// Doubling then bisecting to the highest concurrency meeting the SLO.
        case knee(max: Int)
    }

    package var runner: LoadRunner
    package var levels: Levels
    package var slo: SLO?
    package var command: String
    package var targetNames: [String]
    package var log: @Sendable (String) -> Void

    package init(runner: LoadRunner, levels: Levels, slo: SLO?, command: String, targetNames: [String], log: @escaping @Sendable (String) -> Void) {
        self.runner = runner
        self.levels = levels
        self.slo = slo
        self.command = command
        self.targetNames = targetNames
        self.log = log
    }

    package func run() async -> BenchReport {
        var results: [LoadRunner.Result] = []
        var knee: Int?
        switch levels {
        case .single(let mode):
            results.append(await runner.run(mode))
        case .sweep(let max):
            var c = 1
            while c <= max {
                results.append(await runner.run(.closed(concurrency: c)))
                log(summary(results.last!).line)
                c *= 2
            }
        case .knee(let max):
            var search = KneeSearch(cap: max)
            while let c = search.next {
                let result = await runner.run(.closed(concurrency: c))
                results.append(result)
                let s = summary(result)
                log(s.line + " → " + ((s.meetsSLO ?? false) ? "meets the SLO" : "misses the SLO"))
                search.record(passed: s.meetsSLO ?? false)
            }
            knee = search.knee
            results.sort { ($0.mode.concurrency ?? 0) < ($1.mode.concurrency ?? 0) }
        }
        let levelSummaries = results.map(summary)
        let all = results.flatMap(\.records)
        let pooledDuration = results.reduce(Duration.zero) { $0 + $1.duration }
        let modelNames = Array(Set(all.map(\.model))).sorted()
        let models = modelNames.map { name in
            BenchSummary.compute(all.filter { $0.model == name }, duration: pooledDuration, label: name, slo: slo)
        }
        var targets: [BenchSummary] = []
        if targetNames.count == 2 {
            targets = (0..<2).map { t in
                BenchSummary.compute(all.filter { $0.target == t }, duration: pooledDuration, label: t == 0 ? "A" : "B", slo: slo)
            }
        }
        return BenchReport(command: command, levels: levelSummaries, models: models, targets: targets, targetNames: targetNames, slo: slo,
                           knee: knee, records: results.flatMap { r in r.records.map { (r.mode.label, $0) } })
    }

    private func summary(_ result: LoadRunner.Result) -> BenchSummary {
        var offered: Double?
        if case .open(let rate, _) = result.mode { offered = rate }
        return BenchSummary.compute(result.records, duration: result.duration, label: result.mode.label, offeredRate: offered, slo: slo)
    }
}

extension LoadRunner.Mode {
    var concurrency: Int? {
        if case .closed(let c) = self { return c }
        return nil
    }
}

extension BenchSummary {
    /// One line for logs: requests, errors, p50/p99 E2E.
    var line: String {
        "\(label): \(requests) requests, \(requests - succeeded) errors, E2E p50 \(String(format: "%.1f", e2e?.p50 ?? 0)) ms, p99 \(String(format: "%.1f", e2e?.p99 ?? 0)) ms, \(String(format: "%.1f", achievedRate)) req/s"
    }
}
