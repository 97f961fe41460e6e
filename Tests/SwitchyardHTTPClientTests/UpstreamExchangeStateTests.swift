import NIOCore
import Testing
@testable import SwitchyardHTTPClient

/// Every transition of an upstream request's life, the impossible ones included.
@Suite struct UpstreamExchangeStateTests {
    let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func sent(reused: Bool) -> UpstreamExchangeState {
        var state = UpstreamExchangeState()
        #expect(state.sent(reused: reused, now: t0) == .none)
        return state
    }

    func receiving(keepAlive: Bool = true) -> UpstreamExchangeState {
        var state = sent(reused: false)
        #expect(state.receivedHead(keepAlive: keepAlive) == .deliverHead)
        return state
    }

    // MARK: The normal life

    @Test func aResponseIsDeliveredAndItsConnectionReused() {
        var state = receiving(keepAlive: true)
        #expect(state.receivedBody() == .deliverBody)
        #expect(state.receivedBody() == .deliverBody)
        #expect(state.receivedEnd() == .finish(reusable: true))
        #expect(state.isOver && state.hasEnded && state.failure == nil)
    }

    @Test func aConnectionThatSaidCloseIsNotReused() {
        var state = receiving(keepAlive: false)
        #expect(state.receivedEnd() == .finish(reusable: false))
    }

    // MARK: The resend rule

    @Test func aReusedConnectionLostBeforeAnyAnswerWithinTheWindowResendsOnce() {
        var state = sent(reused: true)
        #expect(state.connectionLost(.broken("closed"), now: t0 + .milliseconds(10)) == .resendOnFreshConnection)
        #expect(state.phase == .connecting(resent: true))
        // The resend goes out on a fresh connection and is lost too: that is a failure.
        #expect(state.sent(reused: false, now: t0 + .milliseconds(20)) == .none)
        #expect(state.connectionLost(.broken("closed again"), now: t0 + .milliseconds(30)) == .fail(.broken("closed again"), headPending: true))
    }

    @Test func aRequestIsResentAtMostOnceEvenOnAnotherReusedConnection() {
        var state = sent(reused: true)
        #expect(state.connectionLost(.broken("closed"), now: t0) == .resendOnFreshConnection)
        #expect(state.sent(reused: true, now: t0) == .none)
        #expect(state.connectionLost(.broken("closed"), now: t0) == .fail(.broken("closed"), headPending: true))
    }

    @Test func aFreshConnectionLostIsAFailure() {
        var state = sent(reused: false)
        #expect(state.connectionLost(.broken("reset"), now: t0) == .fail(.broken("reset"), headPending: true))
    }

    @Test func aReusedConnectionLostAfterTheWindowIsAFailure() {
        var state = sent(reused: true)
        let late = t0 + UpstreamExchangeState.resendWindow
        #expect(state.connectionLost(.broken("closed"), now: late) == .fail(.broken("closed"), headPending: true))
    }

    @Test func aReusedConnectionLostAfterAnyByteOfAnswerIsAFailure() {
        var state = sent(reused: true)
        #expect(state.answerStarted() == .none)
        #expect(state.connectionLost(.broken("closed"), now: t0) == .fail(.broken("closed"), headPending: true))
    }

    @Test func aConnectionLostMidBodyIsAFailureWithTheHeadAlreadyDelivered() {
        var state = receiving()
        #expect(state.connectionLost(.broken("cut"), now: t0) == .fail(.broken("cut"), headPending: false))
        #expect(state.failure == .broken("cut"))
    }

    // MARK: Failures

    @Test func theFirstFailureWins() {
        var state = sent(reused: false)
        #expect(state.fail(.timeout) == .fail(.timeout, headPending: true))
        #expect(state.fail(.cancelled) == .none)
        #expect(state.connectionLost(.broken("x"), now: t0) == .none)
        #expect(state.failure == .timeout)
    }

    @Test func failingWhileConnectingFailsTheHead() {
        var state = UpstreamExchangeState()
        #expect(state.fail(.connect("refused")) == .fail(.connect("refused"), headPending: true))
    }

    @Test func anEndBeforeTheHeadIsAFailure() {
        var state = sent(reused: false)
        #expect(state.receivedEnd() == .fail(.broken("the upstream ended the response before its head"), headPending: true))
    }

    @Test func nothingChangesAfterTheEnd() {
        var state = receiving()
        #expect(state.receivedEnd() == .finish(reusable: true))
        #expect(state.fail(.cancelled) == .none)
        #expect(state.connectionLost(.broken("closed"), now: t0) == .none)
        #expect(state.receivedBody() == .none)
        #expect(state.receivedEnd() == .none)
        #expect(state.receivedHead(keepAlive: true) == .none)
        #expect(state.hasEnded)
    }

    // MARK: Impossible events are ignored, never acted on

    @Test func bodyBeforeHeadIsNotDelivered() {
        var state = sent(reused: false)
        #expect(state.receivedBody() == .none)
        var connecting = UpstreamExchangeState()
        #expect(connecting.receivedBody() == .none)
    }

    @Test func aSecondHeadIsIgnored() {
        var state = receiving()
        #expect(state.receivedHead(keepAlive: false) == .none)
        #expect(state.receivedEnd() == .finish(reusable: true))
    }

    @Test func aHeadWhileStillConnectingIsIgnored() {
        var state = UpstreamExchangeState()
        #expect(state.receivedHead(keepAlive: true) == .none)
        #expect(!state.isOver)
    }

    @Test func sendingTwiceWithoutAResendIsIgnored() {
        var state = sent(reused: false)
        #expect(state.sent(reused: true, now: t0) == .none)
        // Still the first send's phase: a fresh connection, so no resend is possible.
        #expect(state.connectionLost(.broken("closed"), now: t0) == .fail(.broken("closed"), headPending: true))
    }

    @Test func afterAFailureNothingIsDelivered() {
        var state = receiving()
        #expect(state.fail(.timeout) == .fail(.timeout, headPending: false))
        #expect(state.receivedBody() == .none)
        #expect(state.receivedEnd() == .none)
        #expect(state.answerStarted() == .none)
        #expect(state.sent(reused: true, now: t0) == .none)
    }
}
