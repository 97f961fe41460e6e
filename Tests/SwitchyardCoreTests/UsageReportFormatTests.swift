import Foundation
import Testing
@testable import SwitchyardCore

/// The report's hand-written number formatting and its sort write what `%.Nf` and a plain
/// `Decimal` comparison would.
@Suite struct UsageReportFormatTests {
    @Test func numbersAreWrittenAsPrintfWritesThem() {
        // Latencies: whole microseconds in ms, 3 decimals (what the stores produce).
        for micros in [0, 1, 5, 499, 500, 999, 1_000, 1_234, 12_345, 999_999, 1_000_000, 123_456_789, 3_600_000_000] {
            let ms = Double(micros) / 1000
            #expect(UsageReport.number(ms, digits: 3) == String(format: "%.3f", ms), "\(micros) µs")
        }
        // Error rates: errors / requests, 4 decimals.
        for (errors, requests) in [(0, 1), (1, 3), (2, 3), (1, 7), (5, 8), (1, 10_000), (3, 20_000), (9_999, 10_000), (1, 1)] {
            let rate = Double(errors) / Double(requests)
            #expect(UsageReport.number(rate, digits: 4) == String(format: "%.4f", rate), "\(errors)/\(requests)")
        }
        #expect(UsageReport.number(-2.5, digits: 1) == "-2.5")
        #expect(UsageReport.number(-0.00001, digits: 3) == "0.000")
        #expect(UsageReport.number(7, digits: 0) == "7")
        #expect(UsageReport.number(.nan, digits: 3) == "0" && UsageReport.number(.infinity, digits: 3) == "0")
        #expect(UsageReport.number(1e300, digits: 3) == String(format: "%.3f", 1e300))
    }

    @Test func groupsAreSortedByCostThenRequestsThenName() {
        func group(_ name: String, _ cost: String, _ requests: Int) -> UsageGroup {
            UsageGroup(group: name, requests: requests, errors: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0,
                       cost: Decimal(string: cost)!, unpricedRequests: 0, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0)
        }
        let groups = [group("a", "0.000000000001", 1), group("b", "0.000000000002", 1), group("c", "12.5", 3), group("d", "12.5", 4),
                      group("e", "12.5", 4), group("f", "9000000.000000000001", 1), group("g", "9500000", 1), group("h", "0", 9)]
        let report = UsageReport(query: UsageQuery(from: Date(timeIntervalSince1970: 0), to: Date(), groupBy: .key), groups: groups.shuffled(),
                                 monthToDate: 0, now: Date())
        let expected = groups.sorted { ($0.cost, $0.requests, $0.group) > ($1.cost, $1.requests, $1.group) }.map(\.group)
        #expect(report.groups.map(\.group) == expected)
        #expect(expected == ["g", "f", "e", "d", "c", "b", "a", "h"])
    }
}
