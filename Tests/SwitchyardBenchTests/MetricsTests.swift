import Foundation
import SwitchyardCore
import Testing

@Suite struct BenchMetricsTests {
    /// A synthetic stream: sent at 0, first byte 40 ms, reasoning 50 ms, content at 100, 120,
    /// 150, 200 ms, end at 210 ms, 4 output tokens.
    let timeline = RequestTimeline(
        model: "m", sent: .zero, firstByte: .milliseconds(40), firstContent: .milliseconds(100), firstToken: .milliseconds(50),
        end: .milliseconds(210), contentChunks: [.milliseconds(100), .milliseconds(120), .milliseconds(150), .milliseconds(200)],
        outputTokens: 4, promptTokens: 10, status: 200)

    @Test func formulasOnAKnownTimeline() {
        #expect(timeline.ttft == .milliseconds(100))
        #expect(timeline.ttftAnyToken == .milliseconds(50))
        #expect(timeline.e2e == .milliseconds(210))
        // (210 − 100) / (4 − 1)
        #expect(abs((timeline.tpot?.seconds ?? 0) - 0.11 / 3) < 1e-12)
        #expect(timeline.interChunkLatencies == [.milliseconds(20), .milliseconds(30), .milliseconds(50)])
        #expect(abs((timeline.outputTokensPerSecond ?? 0) - 4 / 0.21) < 1e-9)
        var single = timeline
        single.outputTokens = 1
        #expect(single.tpot == nil)
    }

    @Test func percentilesInterpolateLikeNumpy() throws {
        let s = try #require(Statistics([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
        #expect(s.p50 == 5.5)
        #expect(abs(s.p90 - 9.1) < 1e-9)
        #expect(abs(s.p99 - 9.91) < 1e-9)
        #expect(s.mean == 5.5 && s.min == 1 && s.max == 10)
        #expect(abs(s.std - 2.8722813232690143) < 1e-12)
        #expect(Statistics([]) == nil)
        #expect(Statistics([7])?.p99 == 7)
    }

    @Test func summaryCountsErrorsAttainmentAndGoodput() throws {
        var slow = timeline
        slow.end = .milliseconds(900)
        slow.contentChunks = [.milliseconds(100), .milliseconds(900)]
        let failed = RequestTimeline(model: "m", sent: .zero, end: .milliseconds(5), status: 503, errorClass: "http_503")
        let slo = try SLO(parsing: "ttft=150,e2e=500,p99=800")
        let summary = BenchSummary.compute([timeline, slow, failed, timeline], duration: .seconds(2), label: "c=2", slo: slo)
        #expect(summary.requests == 4 && summary.succeeded == 3)
        #expect(summary.errors == ["http_503": 1])
        #expect(summary.errorRate == 0.25)
        #expect(summary.sloAttainment == 0.5)
        #expect(summary.goodput == 1)
        #expect(summary.achievedRate == 1.5)
        #expect(summary.outputTokensPerSecond == 6)
        #expect(summary.meetsSLO == false)
        #expect(BenchSummary.compute([timeline, timeline], duration: .seconds(1), label: "ok", slo: slo).meetsSLO == true)
    }

    @Test func sloParsing() throws {
        let slo = try SLO(parsing: "ttft=500ms, tpot=50,p99=800")
        #expect(slo.ttftMs == 500 && slo.tpotMs == 50 && slo.p99Ms == 800 && slo.e2eMs == nil)
        #expect(throws: SLO.Invalid.self) { try SLO(parsing: "p42=1") }
        #expect(throws: SLO.Invalid.self) { try SLO(parsing: "p99=-1") }
        #expect(throws: SLO.Invalid.self) { try SLO(parsing: "") }
    }

    @Test func kneeSearchDoublesThenBisects() {
        func search(capacity: Int, cap: Int = 256) -> (knee: Int?, levels: [Int]) {
            var s = KneeSearch(cap: cap)
            var levels: [Int] = []
            while let level = s.next {
                levels.append(level)
                s.record(passed: level <= capacity)
            }
            return (s.knee, levels)
        }
        let forty = search(capacity: 40)
        #expect(forty.knee == 40)
        #expect(forty.levels == [1, 2, 4, 8, 16, 32, 64, 48, 40, 44, 42, 41])
        #expect(search(capacity: 0).knee == nil)
        #expect(search(capacity: 1000, cap: 100).knee == 100)
        #expect(search(capacity: 1).knee == 1)
    }

    @Test func reportRenderings() throws {
        let slo = try SLO(parsing: "p99=800")
        let level = BenchSummary.compute([timeline, timeline], duration: .seconds(1), label: "c=1", slo: slo)
        let report = BenchReport(command: "switchyard bench", levels: [level, level], models: [level], slo: slo, knee: 1,
                                 records: [("c=1", timeline), ("c=1", timeline)])
        let json = try JSONDocument(bytes: Array(report.json().utf8))
        #expect(json.member("knee", of: json.root).flatMap(json.int) == 1)
        #expect(json.value(at: "requests").map { json.elements(of: $0).count } == 2)
        #expect(json.value(at: "models", "c=1", "p99_ms") != nil)
        #expect(report.csv().split(separator: "\n").count == 3)
        let html = report.html()
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(html.contains("<polyline"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(report.table().contains("Highest concurrency meeting it: 1."))
    }
}
