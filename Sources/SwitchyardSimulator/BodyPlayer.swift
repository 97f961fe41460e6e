import Synchronization

/// Plays a simulated body to one reader whose every read has a deadline, as a socket would:
/// a pause longer than the time left ends the read with `.timedOut` (the rest of the pause is
/// kept for the next read). The script is known in advance, so no task runs ahead of the reader
/// and no timer races it: a read sleeps for exactly the shorter of its pause and its deadline.
package final class BodyPlayer: Sendable {
    package enum Failure: Error, Sendable, Hashable {
        /// The deadline passed before the next bytes.
        case timedOut
        /// The simulated connection broke.
        case dropped
        /// The reading task was cancelled; the simulated request counts as abandoned.
        case cancelled
    }

    private struct State: Sendable {
        var steps: [SimulatedBody.Step]
        var position = 0
        /// What remains of a pause a timed-out read interrupted.
        var pauseLeft: Duration?
    }

    private let state: Mutex<State>
    private let ticket: InFlightTicket?

    init(_ body: SimulatedBody) {
        state = Mutex(State(steps: body.steps))
        ticket = body.ticket
    }

    /// The next bytes, nil at the end. Reads are made one at a time.
    package func next(deadline: ContinuousClock.Instant) async throws(Failure) -> [UInt8]? {
        while true {
            let (step, pauseLeft) = state.withLock { state -> (SimulatedBody.Step?, Duration?) in
                if let left = state.pauseLeft { return (nil, left) }
                guard state.position < state.steps.count else { return (nil, nil) }
                defer { state.position += 1 }
                return (state.steps[state.position], nil)
            }
            let pause: Duration
            switch (step, pauseLeft) {
            case (_, let left?): pause = left
            case (nil, nil):
                ticket?.finish()
                return nil
            case (.bytes(let bytes)?, nil): return bytes
            case (.wait(let duration)?, nil): pause = duration
            case (.hang?, nil): pause = .seconds(86_400)
            case (.drop?, nil):
                ticket?.finish()
                throw .dropped
            }
            let now = ContinuousClock.now
            let until = now.advanced(by: pause)
            do {
                try await Task.sleep(until: min(until, deadline), clock: .continuous)
            } catch {
                ticket?.cancel()
                throw .cancelled
            }
            if until > deadline {
                let left = until - max(ContinuousClock.now, deadline)
                state.withLock { $0.pauseLeft = left }
                throw .timedOut
            }
            state.withLock { $0.pauseLeft = nil }
        }
    }
}

extension SimulatedBody {
    /// A deadline-aware reader of this body (the gateway's in-process upstream).
    package func player() -> BodyPlayer { BodyPlayer(self) }
}
