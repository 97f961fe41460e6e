import Foundation

/// Latency targets: `--slo ttft=500,tpot=50,e2e=2000,p99=800` (milliseconds).
///
/// `ttft`, `tpot` and `e2e` apply to each request (attainment and goodput count the requests
/// meeting all of them, errors counting as misses). `p99` applies to a whole load level: its p99
/// end-to-end latency. A level *meets the SLO* when its p99 E2E ≤ `p99`, its p99 TTFT ≤ `ttft`,
/// its p99 TPOT ≤ `tpot` (those given), and at most 1 % of its requests failed.
package struct SLO: Sendable, Hashable {
    package var ttftMs: Double?
    package var tpotMs: Double?
    package var e2eMs: Double?
    package var p99Ms: Double?

    package init(ttftMs: Double? = nil, tpotMs: Double? = nil, e2eMs: Double? = nil, p99Ms: Double? = nil) {
        self.ttftMs = ttftMs
        self.tpotMs = tpotMs
        self.e2eMs = e2eMs
        self.p99Ms = p99Ms
    }

    package struct Invalid: Error, CustomStringConvertible {
        package var description: String
    }

    package init(parsing text: String) throws(Invalid) {
        self.init()
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Double(pair[1].replacingOccurrences(of: "ms", with: "")), value > 0, value.isFinite else {
                throw Invalid(description: "'\(part)' is not key=milliseconds (e.g. p99=800)")
            }
            switch pair[0].lowercased() {
            case "ttft": ttftMs = value
            case "tpot": tpotMs = value
            case "e2e", "latency": e2eMs = value
            case "p99": p99Ms = value
            default: throw Invalid(description: "unknown SLO '\(pair[0])' (expected ttft, tpot, e2e, p99)")
            }
        }
        guard ttftMs != nil || tpotMs != nil || e2eMs != nil || p99Ms != nil else { throw Invalid(description: "the SLO is empty") }
    }

    /// Whether one request met every per-request target (a failed request never does).
    package func met(by r: RequestTimeline) -> Bool {
        guard r.succeeded else { return false }
        if let ttftMs, (r.ttft ?? r.e2e).seconds * 1000 > ttftMs { return false }
        if let tpotMs, let tpot = r.tpot, tpot.seconds * 1000 > tpotMs { return false }
        if let e2eMs, r.e2e.seconds * 1000 > e2eMs { return false }
        return true
    }

    package var description: String {
        [ttftMs.map { "ttft≤\(Int($0))ms" }, tpotMs.map { "tpot≤\(Int($0))ms" }, e2eMs.map { "e2e≤\(Int($0))ms" }, p99Ms.map { "p99≤\(Int($0))ms" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
