import Synchronization

/// What the simulator answers: a status, headers and a scripted body.
package struct SimulatedResponse: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: SimulatedBody
}

/// A response body played back step by step: bytes, pauses, and possibly a dropped connection.
/// Iterating it takes as long as the simulated upstream would; cancelling the consuming task
/// stops it at once.
package struct SimulatedBody: AsyncSequence, Sendable {
    package typealias Element = [UInt8]

    package enum Step: Sendable, Hashable {
        case bytes([UInt8])
        case wait(Duration)
        /// The connection breaks here.
        case drop
        /// Nothing more ever arrives.
        case hang
    }

    /// The connection broke (a simulated `drop`).
    package struct ConnectionDropped: Error, Sendable {}

    let steps: [Step]
    let ticket: InFlightTicket?

    package struct AsyncIterator: AsyncIteratorProtocol {
        var steps: IndexingIterator<[Step]>
        let ticket: InFlightTicket?

        package mutating func next() async throws -> [UInt8]? {
            while let step = steps.next() {
                switch step {
                case .bytes(let bytes): return bytes
                case .wait(let duration):
                    do { try await Task.sleep(for: duration) } catch { ticket?.cancel(); throw error }
                case .drop:
                    ticket?.finish()
                    throw ConnectionDropped()
                case .hang:
                    do { try await Task.sleep(for: .seconds(86_400)) } catch { ticket?.cancel(); throw error }
                }
            }
            ticket?.finish()
            return nil
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(steps: steps.makeIterator(), ticket: ticket)
    }

    /// The whole body at once, ignoring pauses (for tests).
    package var bytesIgnoringTime: [UInt8] {
        steps.reduce(into: []) { out, step in if case .bytes(let b) = step { out += b } }
    }
}

/// Counts a request as in flight until its body has been played to the end, dropped or
/// abandoned by the client. `/sim/stats` reports these counters.
package final class InFlightTicket: Sendable {
    private let state = Mutex(false)
    private let stats: SimulatorStats
    private let model: String

    init(stats: SimulatorStats, model: String) {
        self.stats = stats
        self.model = model
        stats.started(model: model)
    }

    func finish() { end(cancelled: false) }
    func cancel() { end(cancelled: true) }

    private func end(cancelled: Bool) {
        let first = state.withLock { done in
            defer { done = true }
            return !done
        }
        if first { stats.ended(model: model, cancelled: cancelled) }
    }

    deinit { end(cancelled: true) }
}

/// Request counters of one simulator.
package final class SimulatorStats: Sendable {
    package struct Snapshot: Sendable, Hashable {
        package var requests: Int
        package var inFlight: Int
        package var cancelled: Int
    }

    private struct State {
        var totals = Snapshot(requests: 0, inFlight: 0, cancelled: 0)
        var inFlightByModel: [String: Int] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package var snapshot: Snapshot { state.withLock { $0.totals } }

    func inFlight(model: String) -> Int { state.withLock { $0.inFlightByModel[model, default: 0] } }

    func started(model: String) {
        state.withLock {
            $0.totals.requests += 1
            $0.totals.inFlight += 1
            $0.inFlightByModel[model, default: 0] += 1
        }
    }

    func ended(model: String, cancelled: Bool) {
        state.withLock {
            $0.totals.inFlight -= 1
            $0.inFlightByModel[model, default: 0] -= 1
            if cancelled { $0.totals.cancelled += 1 }
        }
    }
}
