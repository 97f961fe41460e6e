import Testing
@testable import SwitchyardGateway

/// Every transition of the read-deadline state machine, impossible orders included.
@Suite struct ReadDeadlineTests {
    let limits = ReadDeadline.Limits(header: .seconds(10), body: .seconds(5), idle: .seconds(60))

    @Test func aNewConnectionHasTheHeaderDeadlineFromTheStart() {
        var deadline = ReadDeadline(limits: limits)
        #expect(deadline.initialAction == .arm(.seconds(10)))
        #expect(deadline.expired() == .headTimeout)
        // Bytes of the first head do not restart the clock: the whole head is due in time.
        #expect(deadline.bytesArrived() == .keep)
        #expect(deadline.expired() == .headTimeout)
    }

    @Test func aRequestRunsHeadBodyAnswerIdle() {
        var deadline = ReadDeadline(limits: limits)
        #expect(deadline.headReceived() == .arm(.seconds(5)))
        #expect(deadline.expired() == .bodyTimeout)
        // Every read of the body restarts the gap.
        #expect(deadline.bytesArrived() == .arm(.seconds(5)))
        #expect(deadline.requestEnded() == .cancel)
        #expect(deadline.expired() == .none)
        #expect(deadline.bytesArrived() == .keep)  // pipelined bytes while answering
        #expect(deadline.headReceived() == .arm(.seconds(5)))  // …were a whole head
        #expect(deadline.requestEnded() == .cancel)
        #expect(deadline.answerEnded() == .arm(.seconds(60)))
        #expect(deadline.expired() == .idleTimeout)
        // The next request's first byte starts its header deadline.
        #expect(deadline.bytesArrived() == .arm(.seconds(10)))
        #expect(deadline.expired() == .headTimeout)
        #expect(deadline.bytesArrived() == .keep)
    }

    @Test func partOfANextHeadDuringAnAnswerGetsTheHeaderDeadlineAfterIt() {
        var deadline = ReadDeadline(limits: limits)
        _ = deadline.headReceived()
        _ = deadline.requestEnded()
        #expect(deadline.bytesArrived() == .keep)
        #expect(deadline.answerEnded() == .arm(.seconds(10)))
        #expect(deadline.expired() == .headTimeout)
    }

    @Test func anAnswerEndingOutsideAnAnswerChangesNothing() {
        var deadline = ReadDeadline(limits: limits)
        #expect(deadline.answerEnded() == .keep)
        #expect(deadline.phase == .connected)
        _ = deadline.headReceived()
        #expect(deadline.answerEnded() == .keep)
        #expect(deadline.phase == .readingBody)
    }
}
