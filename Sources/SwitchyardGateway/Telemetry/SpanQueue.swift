import Synchronization
import SwitchyardCore

/// Ended spans waiting for export: a bounded buffer behind one lock. Ending a span appends it
/// (no task, no allocation beyond the span itself); when the buffer is full the span is dropped
/// and counted. The exporter takes whole batches, woken when a batch is full or its delay
/// passed.
final class SpanQueue: Sendable {
    private struct State {
        var spans: [[UInt8]] = []
        /// Spans refused because the queue was full, not yet reported.
        var dropped = 0
        /// The exporter, waiting for a full batch.
        var waiter: CheckedContinuation<Void, Never>?
        /// The exporter's wait timed out (set by its timer, cleared by its next wait).
        var timerFired = false
        var closed = false
    }

    let capacity: Int
    let batchSize: Int
    private let state: Mutex<State>

    init(capacity: Int, batchSize: Int) {
        self.capacity = max(1, capacity)
        self.batchSize = max(1, min(batchSize, capacity))
        var initial = State()
        initial.spans.reserveCapacity(self.capacity)
        state = Mutex(initial)
    }

    /// Queues an ended span (its encoded `Span` message), or drops it when the queue is full.
    func submit(_ span: [UInt8]) {
        let wake: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.spans.count < capacity else {
                state.dropped += 1
                return nil
            }
            state.spans.append(span)
            guard state.spans.count >= batchSize, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        wake?.resume()
    }

    /// Up to one batch of the oldest spans, and the spans dropped since the last call.
    func take() -> (spans: [[UInt8]], dropped: Int) {
        state.withLock { state in
            let count = min(batchSize, state.spans.count)
            let batch = Array(state.spans.prefix(count))
            state.spans.removeFirst(count)
            defer { state.dropped = 0 }
            return (batch, state.dropped)
        }
    }

    var count: Int { state.withLock { $0.spans.count } }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Returns when a batch is full, `delay` has passed or the queue was closed.
    func waitForBatch(delay: Duration) async {
        state.withLock { $0.timerFired = false }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: delay)
                guard !Task.isCancelled else { return }
                self.wake(timer: true)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.spans.count >= batchSize || state.closed || state.timerFired { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            group.cancelAll()
        }
    }

    /// No more waiting: the exporter drains what is queued and stops (shutdown).
    func close() {
        state.withLock { $0.closed = true }
        wake(timer: false)
    }

    private func wake(timer: Bool) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if timer { state.timerFired = true }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
