import NIOCore

/// The life of one upstream request as a value: events in, actions out. `UpstreamExchange`
/// feeds it what the connection and the consumer report and executes what it answers; every
/// decision — above all whether a request may be sent a second time, i.e. perhaps billed
/// twice — is made here and nowhere else.
///
///     connecting ──sent──▶ awaitingHead ──head──▶ receiving ──end──▶ ended
///         ▲                    │  │                   │
///         └──── resend ────────┘  └──── any failure ──┴──────────────▶ failed
///
/// A request may go out again only when all of these hold: it went out on a *reused*
/// connection, that connection was lost within `resendWindow` of sending, and not one byte of
/// answer arrived. That is the race of an upstream closing an idle connection just as it is
/// reused; anything else means the upstream may have started work on the request. A request
/// is resent at most once.
struct UpstreamExchangeState: Sendable {
    enum Phase: Sendable, Equatable {
        /// Waiting for a connection to send on.
        case connecting(resent: Bool)
        /// The request is out; no response head yet.
        case awaitingHead(reused: Bool, resent: Bool, sentAt: NIODeadline, answerStarted: Bool)
        /// The head arrived; the body is arriving.
        case receiving(keepAlive: Bool)
        /// The response arrived whole.
        case ended
        case failed(UpstreamTransportError)
    }

    enum Action: Sendable, Equatable {
        case none
        /// Complete the head promise and stop the head deadline.
        case deliverHead
        /// Hand body bytes to the consumer (or queue them).
        case deliverBody
        /// The response ended: wake a waiting reader with the end; give the connection back to
        /// the pool when `reusable`, else close it.
        case finish(reusable: Bool)
        /// Close the connection and send the request again on a fresh one.
        case resendOnFreshConnection
        /// Fail the head promise (when `headPending`) and any waiting reader with `error`;
        /// close the connection.
        case fail(UpstreamTransportError, headPending: Bool)
    }

    static let resendWindow = TimeAmount.milliseconds(500)

    private(set) var phase: Phase = .connecting(resent: false)

    var isOver: Bool {
        switch phase {
        case .ended, .failed: return true
        case .connecting, .awaitingHead, .receiving: return false
        }
    }

    var failure: UpstreamTransportError? {
        if case .failed(let error) = phase { return error }
        return nil
    }

    var hasEnded: Bool { phase == .ended }

    /// The request went out on a connection (`reused`: one taken from the idle pool).
    mutating func sent(reused: Bool, now: NIODeadline) -> Action {
        guard case .connecting(let resent) = phase else { return .none }
        phase = .awaitingHead(reused: reused, resent: resent, sentAt: now, answerStarted: false)
        return .none
    }

    /// Some byte of an answer arrived (even a part of a head that is not yet parsed).
    mutating func answerStarted() -> Action {
        guard case .awaitingHead(let reused, let resent, let sentAt, _) = phase else { return .none }
        phase = .awaitingHead(reused: reused, resent: resent, sentAt: sentAt, answerStarted: true)
        return .none
    }

    mutating func receivedHead(keepAlive: Bool) -> Action {
        guard case .awaitingHead = phase else { return .none }
        phase = .receiving(keepAlive: keepAlive)
        return .deliverHead
    }

    mutating func receivedBody() -> Action {
        guard case .receiving = phase else { return .none }
        return .deliverBody
    }

    mutating func receivedEnd() -> Action {
        switch phase {
        case .receiving(let keepAlive):
            phase = .ended
            return .finish(reusable: keepAlive)
        case .connecting, .awaitingHead:
            return fail(.broken("the upstream ended the response before its head"))
        case .ended, .failed:
            return .none
        }
    }

    /// The connection the request is on broke or closed.
    mutating func connectionLost(_ error: UpstreamTransportError, now: NIODeadline) -> Action {
        if case .awaitingHead(reused: true, resent: false, let sentAt, answerStarted: false) = phase, now - sentAt < Self.resendWindow {
            phase = .connecting(resent: true)
            return .resendOnFreshConnection
        }
        return fail(error)
    }

    /// A deadline passed, the consumer gave up, the answer was malformed, or no connection
    /// could be had. The first failure wins; after the end, nothing changes.
    mutating func fail(_ error: UpstreamTransportError) -> Action {
        switch phase {
        case .connecting, .awaitingHead:
            phase = .failed(error)
            return .fail(error, headPending: true)
        case .receiving:
            phase = .failed(error)
            return .fail(error, headPending: false)
        case .ended, .failed:
            return .none
        }
    }
}

extension UpstreamTransportError: Equatable {
    package static func == (a: UpstreamTransportError, b: UpstreamTransportError) -> Bool {
        switch (a, b) {
        case (.connect(let x), .connect(let y)), (.broken(let x), .broken(let y)): return x == y
        case (.timeout, .timeout), (.cancelled, .cancelled): return true
        default: return false
        }
    }
}
