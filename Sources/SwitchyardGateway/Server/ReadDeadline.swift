/// Which read deadline an HTTP/1 connection is under, as a pure state machine: the front
/// handler reports what happened and arms the one timer this returns. Timeouts are events too:
/// the handler asks `expired()` what the timer that fired means.
///
/// - A new connection must send a whole request head within `header` of connecting; a later
///   request within `header` of its first byte.
/// - A request body must not pause longer than `body` between two reads.
/// - Between requests, a keep-alive connection may stay silent for `idle`.
/// - While the gateway works on a request or writes its answer, no read deadline runs (the
///   answer has deadlines of its own).
struct ReadDeadline: Sendable, Equatable {
    struct Limits: Sendable, Equatable {
        var header: Duration
        var body: Duration
        var idle: Duration
    }

    enum Phase: Sendable, Equatable {
        /// Connected, no byte yet: the header deadline counts from the connection.
        case connected
        /// Between requests.
        case idle
        /// Bytes of a request head have arrived.
        case readingHead
        /// A head has arrived; its body is being read.
        case readingBody
        /// The request is complete; the gateway is working on it or writing its answer.
        case answering
    }

    enum Action: Sendable, Equatable {
        case arm(Duration)
        case cancel
        case keep
    }

    /// What an expired timer means.
    enum Expiry: Sendable, Equatable {
        /// The head did not arrive in time: answer 408 and close.
        case headTimeout
        /// The body paused too long: answer 408 (when nothing was written) and close.
        case bodyTimeout
        /// A keep-alive connection stayed silent: close without a word.
        case idleTimeout
        /// A timer of an earlier phase (cancelled too late): ignore.
        case none
    }

    let limits: Limits
    private(set) var phase = Phase.connected
    /// Bytes arrived while answering that did not (yet) make a whole head: a request started.
    private(set) var bytesSinceHead = false

    init(limits: Limits) { self.limits = limits }

    /// The timer to arm when the connection opens.
    var initialAction: Action { .arm(limits.header) }

    /// Raw bytes were read from the socket.
    mutating func bytesArrived() -> Action {
        switch phase {
        case .connected, .readingHead:
            phase = phase == .connected ? .connected : .readingHead
            return .keep
        case .idle:
            phase = .readingHead
            return .arm(limits.header)
        case .readingBody:
            return .arm(limits.body)
        case .answering:
            bytesSinceHead = true
            return .keep
        }
    }

    /// A request head was decoded.
    mutating func headReceived() -> Action {
        phase = .readingBody
        bytesSinceHead = false
        return .arm(limits.body)
    }

    /// The request's body is complete.
    mutating func requestEnded() -> Action {
        phase = .answering
        return .cancel
    }

    /// The answer has been written and the connection is kept alive.
    mutating func answerEnded() -> Action {
        guard phase == .answering else { return .keep }
        if bytesSinceHead {
            // Part of a next request is already here: its head has the header deadline.
            phase = .readingHead
            bytesSinceHead = false
            return .arm(limits.header)
        }
        phase = .idle
        return .arm(limits.idle)
    }

    /// The armed timer fired.
    func expired() -> Expiry {
        switch phase {
        case .connected, .readingHead: return .headTimeout
        case .readingBody: return .bodyTimeout
        case .idle: return .idleTimeout
        case .answering: return .none
        }
    }
}
