import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct DashboardCoreTests {
    @Test func interpolatedTextIsEscapedMarkupIsNot() {
        let name = "<script>alert('x')</script> & \"quoted\""
        let html: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(html.rendered == "<td title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;\">"
            + "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;</td>")
        let inner: HTML = "<b>\(name)</b>"
        let outer: HTML = "<p>\(inner)\(42)\(nil as String?)</p>"
        #expect(outer.rendered.hasPrefix("<p><b>&lt;script") && outer.rendered.hasSuffix("</b>42</p>"))
        #expect([HTML("a"), HTML("b")].joined(separator: ", ").rendered == "a, b")
    }

    @Test func chartsAreSVGWithEscapedLabels() {
        let points = (0..<24).map { TimeChart.Point(label: "<\($0)>", value: Double($0), overlay: $0 % 5 == 0 ? 1 : nil) }
        let bars = TimeChart.bars("Requests", points, overlayName: "errors", format: DashboardFormat.compact).rendered
        #expect(bars.hasPrefix("<svg class=\"chart\"") && bars.hasSuffix("</svg>"))
        #expect(bars.components(separatedBy: "class=\"bar\"").count - 1 == 24)
        #expect(bars.components(separatedBy: "class=\"bar-alt\"").count - 1 == 5)  // 0, 5, 10, 15, 20
        #expect(!bars.contains("<0>") && bars.contains("&lt;0&gt;"))
        let line = TimeChart.line("Latency", [.init(label: "a", value: 1), .init(label: "b", value: -1), .init(label: "c", value: 3),
                                              .init(label: "d", value: 4)], format: DashboardFormat.compact).rendered
        #expect(line.contains("<circle class=\"line-dot\"") && line.contains("<polyline class=\"line\""))
        #expect(TimeChart.r(12.34) == "12.3" && TimeChart.r(-3.26) == "-3.3" && TimeChart.r(200) == "200.0" && TimeChart.r(-0.26) == "-0.3")
        #expect(TimeChart.niceMax(0) == 0 && TimeChart.niceMax(7) == 10 && TimeChart.niceMax(130) == 200 && TimeChart.niceMax(0.03) == 0.05)
    }

    @Test func fiveWrongKeysInAMinuteBlockForAMinute() {
        var throttle = LoginThrottle()
        var blocked: [Bool] = []
        for i in 0..<4 { blocked.append(throttle.failed("a", now: Double(i))) }
        #expect(blocked == [false, false, false, false])
        let before = throttle.retryAfter("a", now: 4)
        #expect(before == nil)
        let fifth = throttle.failed("a", now: 5)
        #expect(fifth)
        let waits = [throttle.retryAfter("a", now: 5), throttle.retryAfter("a", now: 64.5), throttle.retryAfter("b", now: 6),
                     throttle.retryAfter("a", now: 65)]
        #expect(waits == [60, 1, nil, nil])  // per address; over after a minute
        // Failures older than the window do not count; a right key forgets them.
        var slow = LoginThrottle()
        var slowBlocked: [Bool] = []
        for i in 0..<8 { slowBlocked.append(slow.failed("c", now: Double(i) * 20)) }
        #expect(!slowBlocked.contains(true))
        for i in 0..<4 { slow.failed("d", now: Double(i)) }
        slow.succeeded("d")
        let afterSuccess = slow.failed("d", now: 5)
        #expect(afterSuccess == false)
    }

    @Test func keyUpdateChangesOnlyTheFieldsGivenAndClearsNulls() throws {
        let now = Date(timeIntervalSince1970: 1_764_633_600)
        let key = VirtualKey(id: "key_1", name: "n", team: "t", hash: "h", hint: "abcd", allowedModels: ["qwen"], region: "eu",
                             limits: RateLimits(requestsPerMinute: 5, tokensPerMinute: 100), budget: Budget(amount: 3, period: .month),
                             expiresAt: now.addingTimeInterval(86_400), createdAt: now)
        let change = try KeyUpdate(json: Array(#"{"rpm": 50, "team": null, "budget_usd": "7.25", "budget_period": "day", "models": null}"#.utf8),
                                   catalog: .builtIn, now: now)
        let updated = change.applied(to: key)
        #expect(updated.limits.requestsPerMinute == 50 && updated.limits.tokensPerMinute == 100)
        #expect(updated.team == nil && updated.allowedModels.isEmpty && updated.region == "eu" && updated.name == "n")
        #expect(updated.budget == Budget(amount: Decimal(string: "7.25")!, period: .day))
        #expect(updated.expiresAt == key.expiresAt && updated.hash == key.hash && updated.id == key.id)
        let expiry = try KeyUpdate(json: Array(#"{"expires_in_days": 2, "name": "renamed"}"#.utf8), catalog: .builtIn, now: now).applied(to: key)
        #expect(expiry.expiresAt == now.addingTimeInterval(2 * 86_400) && expiry.name == "renamed")
        #expect(try KeyUpdate(json: Array(#"{"expires_at": null, "budget_usd": null}"#.utf8), catalog: .builtIn, now: now).applied(to: key).budget == nil)
        for (body, param) in [(#"{}"#, nil), (#"{"name": null}"#, "name"), (#"{"rpm": 0}"#, "rpm"), (#"{"colour": 1}"#, "colour"),
                              (#"{"budget_period": "day"}"#, "budget_period"), (#"{"models": ["nope"]}"#, "models"),
                              (#"{"expires_at": "2020-01-01T00:00:00Z"}"#, "expires_at"),
                              (#"{"expires_at": "2030-01-01", "expires_in_days": 3}"#, "expires_at")] as [(String, String?)] {
            #expect(throws: OpenAIError.self, "\(body)") { try KeyUpdate(json: Array(body.utf8), catalog: .builtIn, now: now) }
            do {
                _ = try KeyUpdate(json: Array(body.utf8), catalog: .builtIn, now: now)
            } catch {
                #expect(error.param == param, "\(body): \(error.message)")
            }
        }
    }

    @Test func usageQueryReadsHourAllAndFilters() throws {
        let now = Date(timeIntervalSince1970: 1_764_633_600)
        let query = try UsageQuery(parameters: ["group_by": "hour", "key": "key_1", "team": "a b", "model": "glm-5", "format": "csv"], now: now)
        #expect(query.groupBy == .hour && query.filters.columns.map(\.column) == ["key_id", "team", "served_model"])
        #expect(try UsageQuery(parameters: ["group_by": "all"], now: now).groupBy == .all)
        #expect(throws: OpenAIError.self) { try UsageQuery(parameters: ["format": "xml"], now: now) }
        #expect(throws: OpenAIError.self) { try UsageQuery(parameters: ["team": "a\u{1}"], now: now) }
        #expect(throws: OpenAIError.self) { try UsageQuery(parameters: ["colour": "red"], now: now) }
    }

    @Test func csvHasTheReportsFiguresAndNeverAFormula() {
        let now = Date(timeIntervalSince1970: 1_764_633_600)
        var group = UsageGroup(group: "=cmd,\"x\"", requests: 3, errors: 1, promptTokens: 10, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0,
                               cost: Decimal(string: "0.0000035")!, unpricedRequests: 0, latencyP50Ms: 12.5, latencyP95Ms: 20, latencyP99Ms: 21)
        group.ttftP50Ms = 1.25
        let report = UsageReport(query: UsageQuery(from: now.addingTimeInterval(-60), to: now, groupBy: .team), groups: [group], monthToDate: 0, now: now)
        let lines = report.csv.components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("team,requests,errors,error_rate,prompt_tokens"))
        #expect(lines[1] == "\"'=cmd,\"\"x\"\"\",3,1,0.3333,10,20,0,0,0.0000035,0,0,0,12.500,20.000,21.000,1.250,0.000,0.000")
        #expect(lines.count == 3 && lines[2].isEmpty)
    }

    @Test func moneyAndNumbersForPeople() {
        #expect(DashboardFormat.usd(0) == "$0")
        #expect(DashboardFormat.usd(Decimal(string: "0.0000035")!) == "$0.0000035")
        #expect(DashboardFormat.usd(Decimal(string: "0.123456789")!) == "$0.123456")
        #expect(DashboardFormat.usd(Decimal(string: "12.5")!) == "$12.50")
        #expect(DashboardFormat.usd(Decimal(string: "1234567.891")!) == "$1,234,567.89")
        #expect(DashboardFormat.integer(1_234_567) == "1,234,567" && DashboardFormat.integer(-1000) == "-1,000")
        #expect(DashboardFormat.milliseconds(nil) == "–" && DashboardFormat.milliseconds(12.34) == "12.3 ms" && DashboardFormat.milliseconds(2500) == "2.50 s")
        #expect(DashboardFormat.time(Date(timeIntervalSince1970: 1_764_633_600)) == "2025-12-02 00:00:00")
    }
}

@Suite struct UsageRollupTests {
    /// A batch is added up per combination of the entries' names, then into the entries: the
    /// same entries and totals as adding every row to every entry it counts in.
    @Test func combiningABatchFirstGivesTheSameEntriesAsRowByRow() {
        var generator = SplitMix(seed: 7)
        func pick<T>(_ values: [T]) -> T { values[Int(generator.next() % UInt64(values.count))] }
        let start: Int64 = 1_764_000_000_000 - 3 * 3_600_000 - 17  // crosses hours and a day, not at a boundary
        let records = (0..<2_000).map { i in
            var record = UsageRecord(
                time: Date(timeIntervalSince1970: Double(start + Int64(generator.next() % (30 * 3_600_000))) / 1000), requestID: "r\(i)",
                keyID: pick(["k1", "k2", nil]), team: pick(["t1", nil]), requestedModel: "auto", servedModel: pick(["m1", "m2", nil]),
                provider: pick(["p1", "p2"]), deployment: pick(["d1", "d2", "d3"]), region: nil, route: nil, attempts: 1,
                usage: TokenUsage(promptTokens: Int(generator.next() % 1000), completionTokens: Int(generator.next() % 500),
                                  cachedPromptTokens: Int(generator.next() % 10), reasoningTokens: Int(generator.next() % 7)),
                costPicodollars: pick([nil, 1_234_567, 99]), latencyMicroseconds: Int64(generator.next() % 5_000_000),
                ttftMicroseconds: pick([nil, 20_000, 350_000]), status: pick([200, 200, 429, 503]), errorClass: nil, stream: pick([true, false]))
            record.front = pick(UsageRecord.Front.allCases)
            record.cacheHit = pick([false, false, true])
            record.costSavedPicodollars = record.cacheHit ? 5 : nil
            return record
        }
        var expected: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var expectedPairs: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
        for record in records {
            for key in UsageRollup.keys(for: record) { expected[key, default: .init()].add(record) }
            for key in UsageRollup.pairKeys(for: record) { expectedPairs[key, default: .init()].add(record) }
        }
        var totals: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var pairs: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
        UsageRollup.aggregate(records, into: &totals)
        UsageRollup.aggregatePairs(records, into: &pairs)
        #expect(totals == expected)
        #expect(pairs == expectedPairs)
        #expect(totals.count > 50 && pairs.count > 50)
        // The writer's form: one pass for both kinds of entry.
        var together: [UsageRollup.Key: UsageRollup.Totals] = [:]
        var togetherPairs: [UsageRollup.PairKey: UsageRollup.Totals] = [:]
        UsageRollup.aggregate(records, into: &together, pairs: &togetherPairs)
        #expect(together == expected)
        #expect(togetherPairs == expectedPairs)
        // Entries already holding totals are added to, not replaced.
        UsageRollup.aggregate(records.prefix(10), into: &totals)
        #expect(totals[UsageRollup.keys(for: records[0])[0]]!.requests > expected[UsageRollup.keys(for: records[0])[0]]!.requests)
    }

    @Test func bucketsAreWithinAPercent() {
        var previous = -1
        for value: Int64 in [0, 1, 63, 64, 65, 127, 128, 999, 1000, 1009, 12_345, 712_345, 9_999_999, 3_600_000_000, Int64.max / 2] {
            let bucket = UsageRollup.Histogram.bucket(value)
            let middle = UsageRollup.Histogram.value(of: bucket)
            #expect(abs(middle - Double(value)) <= max(0.5, Double(value) * 0.008), "\(value) → \(middle)")
            #expect(bucket > previous || value == 0)  // buckets grow with the value
            previous = bucket
        }
        var h = UsageRollup.Histogram()
        for ms in 1...100 { h.add(Int64(ms) * 1000) }
        #expect(abs(h.percentileMs(0.5) - 50) <= 50 * 0.005)
        #expect(abs(h.percentileMs(0.99) - 99) < 0.5)
        #expect(h.percentilesMs([0.99, 0.5]) == [h.percentileMs(0.99), h.percentileMs(0.5)])
    }

    @Test func onlyWholePeriodsAreReadFromTheRollup() {
        let now = Date(timeIntervalSince1970: 1_764_633_600 + 5_000)  // 2025-12-02 01:23:20 UTC
        let midnight = Date(timeIntervalSince1970: 1_764_633_600), hour = Date(timeIntervalSince1970: 1_764_633_600 + 3_600)
        func plan(_ from: Date, _ to: Date, _ grouping: UsageQuery.Grouping, _ filters: UsageQuery.Filters = .init()) -> String? {
            UsageRollup.plan(UsageQuery(from: from, to: to, groupBy: grouping, filters: filters), now: now).map { "\($0.dimension.rawValue):\($0.value ?? "-")" }
        }
        #expect(plan(hour, now, .hour) == "all:-")
        #expect(plan(hour, now, .model) == nil)  // keys, models, … are kept per day
        #expect(plan(midnight, now, .model) == "model:-")
        #expect(plan(midnight, now.addingTimeInterval(-10), .model) == nil)  // `to` cuts today
        #expect(plan(midnight, hour, .all) == "all:-")  // an hour cut from today: the hourly entries
        #expect(plan(hour, now, .all) == "all:-")
        #expect(plan(midnight, now, .day) == "all-days:-")  // whole days up to now: the daily entries
        #expect(plan(midnight, now, .day, .init(team: "t")) == "team:t")
        #expect(plan(midnight, now, .hour, .init(team: "t")) == nil)
        #expect(plan(midnight, now, .model, .init(team: "t")) == nil)
        #expect(plan(midnight, now, .all, .init(team: "t", model: "m")) == nil)
        #expect(plan(midnight.addingTimeInterval(1), now, .all) == nil)
    }
}

/// A small seeded generator (SplitMix64): the same numbers on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
