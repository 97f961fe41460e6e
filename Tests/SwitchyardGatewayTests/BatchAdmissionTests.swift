import Foundation
import SwitchyardCore
@testable import SwitchyardGateway
import Testing

/// `batch.max_share`: a key's batch lines take at most that share of its RPM and TPM in a
/// minute; its live calls keep the rest.
@Suite struct BatchAdmissionTests {
    static func key(rpm: Int? = nil, tpm: Int? = nil) -> VirtualKey {
        VirtualKey(id: "key_batch", name: "b", hash: "h", hint: "sy-…", limits: RateLimits(requestsPerMinute: rpm, tokensPerMinute: tpm),
                   createdAt: Date())
    }

    static let minute = Date(timeIntervalSince1970: 1_764_000_000 - 1_764_000_000.truncatingRemainder(dividingBy: 60) + 5)

    @Test func batchLinesTakeTheirShareOfTheRPMAndLiveCallsTheRest() {
        let admission = Admission()
        let key = Self.key(rpm: 10)
        var batchAdmitted = 0
        for _ in 0..<8 {
            if case .admitted = admission.admit(key, estimatedTokens: 10, worstCase: 0, now: Self.minute, batchShare: 0.5) { batchAdmitted += 1 }
        }
        #expect(batchAdmitted == 5)
        guard case .refused(let error, _) = admission.admit(key, estimatedTokens: 10, worstCase: 0, now: Self.minute, batchShare: 0.5) else {
            Issue.record("the batch's share is used up")
            return
        }
        #expect(error.status == 429 && error.shouldRetry == true && error.message.contains("batch.max_share 0.5") && (error.retryAfterSeconds ?? 0) >= 1)
        var live = 0
        for _ in 0..<8 {
            if case .admitted = admission.admit(key, estimatedTokens: 10, worstCase: 0, now: Self.minute) { live += 1 }
        }
        #expect(live == 5)
        // The next minute, the batch gets its share again.
        let next = Self.minute.addingTimeInterval(60)
        guard case .admitted = admission.admit(key, estimatedTokens: 10, worstCase: 0, now: next, batchShare: 0.5) else {
            Issue.record("a new minute, a new share")
            return
        }
    }

    @Test func batchTokensAreCorrectedWithTheRealCountAtSettle() {
        let admission = Admission()
        let key = Self.key(tpm: 1_000)
        guard case .admitted(let ticket, _) = admission.admit(key, estimatedTokens: 400, worstCase: 0, now: Self.minute, batchShare: 0.5) else {
            Issue.record("fits")
            return
        }
        #expect(ticket.batch)
        // 400 of 500 used: a second 400 does not fit until the first settles at its real 50.
        guard case .refused(let error, _) = admission.admit(key, estimatedTokens: 400, worstCase: 0, now: Self.minute, batchShare: 0.5) else {
            Issue.record("over the share")
            return
        }
        #expect(error.type == "tokens" && error.shouldRetry == true)
        admission.settle(ticket, tokens: 50, costPicodollars: nil)
        guard case .admitted = admission.admit(key, estimatedTokens: 400, worstCase: 0, now: Self.minute, batchShare: 0.5) else {
            Issue.record("fits after the settle")
            return
        }
        // A line larger than the whole share can never run: an error for the line, not a wait.
        guard case .refused(let tooBig, _) = admission.admit(key, estimatedTokens: 600, worstCase: 0, now: Self.minute.addingTimeInterval(60), batchShare: 0.5) else {
            Issue.record("larger than the share")
            return
        }
        #expect(tooBig.shouldRetry == false)
    }

    @Test func aBatchCostLimitStopsBeforeItIsExceeded() {
        let limit = BatchCostLimit(limit: 1_000, spent: 600)
        #expect(limit.reserve(300) == nil)
        let refusal = limit.reserve(200)
        #expect(refusal?.code == BatchError.maxCostReached)
        limit.settle(reserved: 300, cost: 100)
        #expect(limit.reserve(300) == nil)
        #expect(limit.reserve(1) != nil)
    }
}
