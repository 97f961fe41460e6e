import Foundation

/// The numbers of one load level (or one model, or one target) of a bench run.
package struct BenchSummary: Sendable {
    package var label: String
    package var requests: Int
    package var succeeded: Int
    package var errors: [String: Int]
    /// The measurement window (warm-up excluded).
    package var duration: Duration
    /// Open loop: the rate asked for. Closed loop: nil.
    package var offeredRate: Double?
    /// Successful requests per second.
    package var achievedRate: Double
    /// Open loop: requests sent more than 10 ms after their scheduled time.
    package var lateSends: Int
    package var maxSendLagMs: Double
    /// Milliseconds.
    package var ttft: Statistics?
    package var ttftAnyToken: Statistics?
    package var tpot: Statistics?
    package var interChunk: Statistics?
    package var e2e: Statistics?
    /// Per request, output tokens / E2E.
    package var requestTokensPerSecond: Statistics?
    /// Σ output tokens of successes / duration.
    package var outputTokensPerSecond: Double
    package var sloAttainment: Double?
    /// Requests meeting every per-request SLO, per second.
    package var goodput: Double?
    package var meetsSLO: Bool?

    package var errorRate: Double { requests == 0 ? 0 : Double(requests - succeeded) / Double(requests) }

    package static func compute(_ records: [RequestTimeline], duration: Duration, label: String,
                               offeredRate: Double? = nil, slo: SLO? = nil) -> BenchSummary {
        let ok = records.filter(\.succeeded)
        func ms(_ values: [Duration]) -> Statistics? { Statistics(values.map { $0.seconds * 1000 }) }
        var errors: [String: Int] = [:]
        for r in records where !r.succeeded { errors[r.errorClass ?? "error", default: 0] += 1 }
        let seconds = max(duration.seconds, 1e-9)
        let lags = records.compactMap(\.sendLag)
        var summary = BenchSummary(
            label: label, requests: records.count, succeeded: ok.count, errors: errors, duration: duration, offeredRate: offeredRate,
            achievedRate: Double(ok.count) / seconds,
            lateSends: lags.filter { $0 > .milliseconds(10) }.count,
            maxSendLagMs: (lags.max() ?? .zero).seconds * 1000,
            ttft: ms(ok.compactMap(\.ttft)), ttftAnyToken: ms(ok.compactMap(\.ttftAnyToken)), tpot: ms(ok.compactMap(\.tpot)),
            interChunk: ms(ok.flatMap(\.interChunkLatencies)), e2e: ms(ok.map(\.e2e)),
            requestTokensPerSecond: Statistics(ok.compactMap(\.outputTokensPerSecond)),
            outputTokensPerSecond: Double(ok.compactMap(\.outputTokens).reduce(0, +)) / seconds)
        if let slo {
            let met = records.filter { slo.met(by: $0) }.count
            summary.sloAttainment = records.isEmpty ? 0 : Double(met) / Double(records.count)
            summary.goodput = Double(met) / seconds
            summary.meetsSLO = summary.meets(slo)
        }
        return summary
    }

    /// See `SLO`: p99 targets and at most 1 % errors.
    package func meets(_ slo: SLO) -> Bool {
        guard requests > 0, errorRate <= 0.01 else { return false }
        if let p99 = slo.p99Ms, (e2e?.p99 ?? .infinity) > p99 { return false }
        if let t = slo.ttftMs, let s = ttft ?? e2e, s.p99 > t { return false }
        if let t = slo.tpotMs, let s = tpot, s.p99 > t { return false }
        if let t = slo.e2eMs, (e2e?.p99 ?? .infinity) > t { return false }
        return true
    }

    /// The formulas behind the numbers, printed with them.
    package static let formulas = [
        "TTFT = first chunk with content − send (keep-alives, role-only and reasoning-only chunks skipped); TTFT(any) counts reasoning too",
        "TPOT = (E2E − TTFT) / (output tokens − 1), requests with more than one output token",
        "ITL = gap between consecutive content chunks, pooled over requests",
        "E2E = last byte − send",
        "tok/s per request = output tokens (server usage) / E2E; aggregate = Σ output tokens of successes / duration",
        "throughput = successful requests / duration; goodput = requests meeting every per-request SLO / duration (errors never do)",
        "percentiles: linear interpolation between closest ranks (numpy default)",
    ]
}

/// Finds the highest load level that meets an SLO: double from 1 until a level fails (or the
/// cap), then bisect between the last pass and the first failure. A pure state machine: the
/// caller runs each level it asks for and reports whether it met the SLO.
package struct KneeSearch: Sendable {
    package let cap: Int
    private var lastPass: Int?
    private var firstFail: Int?
    private var doubling = true
    package private(set) var next: Int?

    package init(cap: Int, start: Int = 1) {
        self.cap = max(1, cap)
        next = min(max(1, start), self.cap)
    }

    /// Report the outcome of the level `next` asked for; afterwards `next` is the following
    /// level, or nil when the search is over.
    package mutating func record(passed: Bool) {
        guard let level = next else { return }
        if passed { lastPass = level } else { firstFail = level }
        if doubling {
            if passed && level < cap {
                next = min(level * 2, cap)
                return
            }
            doubling = false
        }
        let low = lastPass ?? 0
        let high = firstFail ?? (cap + 1)
        next = high - low > 1 ? (low + high) / 2 : nil
    }

    /// The answer: the highest level that met the SLO (nil if even 1 failed).
    package var knee: Int? { lastPass }
}
