import Foundation
import SwitchyardCore
import Testing

@Suite struct AdmissionMathTests {
    @Test func aLoneReplicaMayUseTheWholeLimit() {
        var counter = WindowCounter(minute: 100, limit: 5, replicas: 1)
        var admitted = 0
        for _ in 0..<10 where counter.fits(1) { counter.add(1); admitted += 1 }
        #expect(admitted == 5)
        counter.roll(to: 101, limit: 5, replicas: 1)
        #expect(counter.fits(5) && !counter.fits(6))
    }

    /// N replicas share a limit through claims in a (simulated) store, syncing one after the
    /// other; traffic reaches them unevenly (or only one of them). The cluster never admits more
    /// than the limit, and at most one unit per quiet replica stays unused.
    @Test(arguments: [(2, 20, 1), (2, 20, 3), (3, 100, 7), (5, 7, 2), (4, 1000, 50), (3, 10, 0)])
    func replicasTogetherNeverExceedTheLimit(replicas: Int, limit: Int, burst: Int) {
        var counters = (0..<replicas).map { _ in WindowCounter(minute: 1, limit: limit, replicas: replicas) }
        var stored: [Int: Int] = [:]  // replica → claim written in the store
        var admitted = 0
        for round in 0..<(limit + 20) {
            for r in 0..<replicas {
                // Replica 0 gets most of the traffic; the others a little, or none when burst is 0.
                let arrivals = r == 0 ? max(1, burst) * 2 : (round % 2 == 0 ? burst : 0)
                for _ in 0..<arrivals {
                    if counters[r].fits(1) {
                        counters[r].add(1)
                        admitted += 1
                    } else {
                        counters[r].noteDemand(1)
                    }
                }
                let others = stored.filter { $0.key != r }
                let grant = WindowCounter.claim(limit: limit, used: counters[r].used, demand: counters[r].demand, othersClaimed: others.values.reduce(0, +),
                                                othersNotSynced: replicas - 1 - others.count, replicas: replicas)
                stored[r] = grant.claim
                counters[r].granted(grant, minute: 1)
                #expect(stored.values.reduce(0, +) + (replicas - stored.count) * WindowCounter.openingClaim(limit: limit, replicas: replicas) <= limit)
            }
        }
        #expect(admitted <= limit)
        #expect(admitted >= limit - (replicas - 1))
    }

    @Test func spendCountsUnwrittenCallsUntilTheLedgerWritesThem() {
        var spend = SpendCounter()
        let budget = Budget(amount: Decimal(string: "0.000002")!, period: .day)  // 2,000,000 picodollars
        spend.stored = [.day: 1_500_000, .month: 1_500_000, .total: 1_500_000]
        #expect(!spend.isExhausted(budget))
        spend.spend(600_000)
        #expect(spend.isExhausted(budget))
        spend.written(600_000)
        #expect(spend.spent(in: .day) == 2_100_000)
        #expect(spend.isExhausted(budget))
    }

    @Test func picodollarsRoundLikeTheCostHeader() {
        let cost = Decimal(string: "0.0000082500004")!
        let pico = Picodollars.from(cost)
        #expect(pico == 8_250_000)
        #expect(Picodollars.usd(pico).plainString(scale: 12) == Cost.usd(cost).headerValue)
        #expect(Picodollars.usd(Int128(9_000_000_000_000_000_000) * 10) == Decimal(string: "90000000")!)
    }

    @Test func rateLimitHeadersUseOpenAIDurations() {
        #expect(RateLimitStatus.duration(milliseconds: 250) == "250ms")
        #expect(RateLimitStatus.duration(milliseconds: 16_200) == "17s")
        #expect(RateLimitStatus.duration(milliseconds: 60_000) == "1m0s")
        let status = RateLimitStatus(limitRequests: 60, remainingRequests: -2, limitTokens: nil, remainingTokens: 0, resetMilliseconds: 1)
        #expect(status.headers.map(\.0) == ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"])
        #expect(status.headers[1].1 == "0")
        #expect(status.retryAfterSeconds == 1)
    }

    @Test func budgetPeriodsAreUTCCalendarPeriods() throws {
        let date = try #require(ISO8601.parse("2026-11-29T23:59:59Z"))
        #expect(ISO8601.format(BudgetPeriod.day.start(containing: date)) == "2026-11-29T00:00:00Z")
        #expect(ISO8601.format(BudgetPeriod.month.start(containing: date)) == "2026-11-01T00:00:00Z")
        #expect(ISO8601.format(BudgetPeriod.month.end(containing: date)!) == "2026-12-01T00:00:00Z")
        #expect(BudgetPeriod.total.end(containing: date) == nil)
    }

    @Test func theMonthsProjectionScalesMonthToDateSpend() throws {
        // 10 of November's 30 days gone, $100 spent: $300 projected.
        let now = try #require(ISO8601.parse("2026-11-11T00:00:00Z"))
        let query = UsageQuery(from: now.addingTimeInterval(-60), to: now, groupBy: .model)
        let report = UsageReport(query: query, groups: [], monthToDate: 100, now: now)
        #expect(report.projectedMonth == 300)
    }

    @Test func usageQueriesDefaultToThisMonthByModel() throws {
        let now = try #require(ISO8601.parse("2026-11-29T12:00:00Z"))
        let query = try UsageQuery(parameters: [:], now: now)
        #expect(ISO8601.format(query.from) == "2026-11-01T00:00:00Z" && query.to == now && query.groupBy == .model)
        #expect(throws: OpenAIError.self) { try UsageQuery(parameters: ["group_by": "color"], now: now) }
        #expect(throws: OpenAIError.self) { try UsageQuery(parameters: ["from": "2026-12-01"], now: now) }
    }

    @Test func keySpecsParseExactBudgets() throws {
        let body = #"{"name":" checkout ","team":"payments","models":["Qwen/Qwen3-32B","glm"],"rpm":600,"tpm":200000,"budget_usd":12.345678901,"budget_period":"day","expires_in_days":30}"#
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let spec = try KeySpec(json: Array(body.utf8), catalog: .builtIn, now: now)
        #expect(spec.name == "checkout")
        #expect(spec.allowedModels == ["Qwen/Qwen3-32B", "glm"])
        #expect(spec.budget == Budget(amount: Decimal(string: "12.345678901")!, period: .day))
        #expect(spec.limits == RateLimits(requestsPerMinute: 600, tokensPerMinute: 200_000))
        #expect(spec.expiresAt == now.addingTimeInterval(30 * 86_400))
    }
}

@Suite struct LedgerProjectionTests {
    @Test func aDayOfRecordedUsageIsScaledToThirtyDaysWithItsOwnMix() throws {
        let to = try #require(ISO8601.parse("2026-11-29T00:00:00Z"))
        let from = to.addingTimeInterval(-86_400)
        let groups = [
            UsageGroup(group: "a", requests: 3, errors: 0, promptTokens: 600, completionTokens: 200, cachedTokens: 150, reasoningTokens: 0,
                       cost: Decimal(string: "0.0002")!, unpricedRequests: 0, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0),
            UsageGroup(group: "b", requests: 1, errors: 0, promptTokens: 200, completionTokens: 0, cachedTokens: 50, reasoningTokens: 0,
                       cost: Decimal(string: "0.0001")!, unpricedRequests: 0, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0),
        ]
        let projection = try #require(LedgerProjection(groups: groups, from: from, to: to))
        #expect(projection.recordedTokens == 1000)
        #expect(projection.workload.tokens == 30_000)
        #expect(projection.workload.inputShare == Decimal(string: "0.8")!)
        #expect(projection.workload.cachedShare == Decimal(string: "0.25")!)
        #expect(projection.recordedCost == Decimal(string: "0.0003")!)
        #expect(LedgerProjection(groups: [], from: from, to: to) == nil)
    }
}

@Suite struct ClaimDemandTests {
    /// A request bigger than a replica's fair share is served once the cluster has room.
    @Test func aRequestLargerThanAShareGetsItsClaimAtTheNextSync() {
        var counter = WindowCounter(minute: 1, limit: 100, replicas: 2)
        #expect(!counter.fits(80))
        counter.noteDemand(80)
        let grant = WindowCounter.claim(limit: 100, used: counter.used, demand: counter.demand, othersClaimed: 0, othersNotSynced: 0, replicas: 2)
        counter.granted(grant, minute: 1)
        #expect(counter.fits(80))
        // Never more than is free.
        let tight = WindowCounter.claim(limit: 100, used: 0, demand: 80, othersClaimed: 50, othersNotSynced: 0, replicas: 2)
        #expect(tight.claim == 50)
    }
}

@Suite struct OutcomeWindowTests {
    /// The breaker's failure-rate window slides in tenths and forgets what is older than the window.
    @Test func countsOnlyTheLastWindow() {
        var breaker = CircuitBreaker(settings: {
            var s = CircuitBreaker.Settings()
            s.consecutiveFailures = 1000
            s.minimumRequests = 10
            s.failureRate = 0.5
            s.window = .seconds(10)
            return s
        }())
        let start = ContinuousClock.now
        // 9 failures long ago, then successes: the old failures must not count.
        for i in 0..<9 { breaker.recordFailure(at: start + .milliseconds(i)) }
        for i in 0..<20 { breaker.recordSuccess(at: start + .seconds(11) + .milliseconds(i)) }
        for i in 0..<9 { breaker.recordFailure(at: start + .seconds(12) + .milliseconds(i)) }
        #expect(breaker.state(at: start + .seconds(12)) == .closed)  // 9 of 29 in the window
        for i in 0..<12 { breaker.recordFailure(at: start + .seconds(13) + .milliseconds(i)) }
        #expect(breaker.state(at: start + .seconds(13)) == .open)    // 21 of 41
    }
}
