import Synchronization
import SwitchyardCore

/// The bounded queue between requests and the ledger writer. A request's record is handed
/// over without waiting on the database; when the queue is full (the database is slow or
/// away), the request waits for room: back-pressure, never a dropped record.
final class LedgerQueue: Sendable {
    private struct State {
        var records: [UsageRecord] = []
        var producers: [CheckedContinuation<Void, Never>] = []
        /// Writers waiting for `atLeast` records.
        var consumers: [(atLeast: Int, continuation: CheckedContinuation<Void, Never>)] = []

        /// Removes and returns the waiting writers the records now satisfy: the first of them
        /// (`all` false) or every one.
        mutating func readyConsumers(all: Bool) -> [CheckedContinuation<Void, Never>] {
            let count = records.count
            guard all else {
                guard let first = consumers.firstIndex(where: { $0.atLeast <= count }) else { return [] }
                return [consumers.remove(at: first).continuation]
            }
            let ready = consumers.filter { $0.atLeast <= count }.map(\.continuation)
            consumers.removeAll { $0.atLeast <= count }
            return ready
        }
        var closing = false
        var accepted = 0
        var written = 0
        /// The writer has stopped: a record arriving now cannot be written.
        var finished = false
        var late = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds a record, waiting while the queue is full.
    func enqueue(_ record: UsageRecord) async {
        while true {
            let (added, ready) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                guard state.records.count < capacity else { return (false, []) }
                if state.finished {
                    state.late += 1
                    return (true, [])
                }
                state.records.append(record)
                state.accepted += 1
                // One waiting writer is enough; the others wake for later records.
                return (true, state.readyConsumers(all: false))
            }
            if added {
                for consumer in ready { consumer.resume() }
                return
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { state -> Bool in
                    guard state.records.count >= capacity else { return false }
                    state.producers.append(continuation)
                    return true
                }
                if !wait { continuation.resume() }
            }
        }
    }

    /// Waits until there are at least `atLeast` records (one by default) or the queue is
    /// closing. Several writers may wait at once.
    func waitForRecords(atLeast: Int = 1) async {
        let atLeast = max(1, atLeast)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.records.count >= atLeast || state.closing { return true }
                state.consumers.append((atLeast, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Takes up to `limit` records (at least one when there is one), oldest first, and lets
    /// waiting producers in.
    func take(_ limit: Int) -> [UsageRecord] {
        let limit = max(1, limit)
        let (batch, producers) = state.withLock { state -> ([UsageRecord], [CheckedContinuation<Void, Never>]) in
            let batch: [UsageRecord]
            if state.records.count <= limit {
                // The usual case: the writer takes everything. The array changes hands, nothing is copied.
                batch = state.records
                state.records = []
                state.records.reserveCapacity(min(batch.count, capacity))
            } else {
                batch = Array(state.records.prefix(limit))
                state.records.removeFirst(limit)
            }
            let producers = state.producers
            state.producers = []
            return (batch, producers)
        }
        for producer in producers { producer.resume() }
        return batch
    }

    /// Puts a batch that could not be written back at the front, and wakes the writers now
    /// waiting for no more records than there are (no record may arrive to wake them: the
    /// producers may be waiting for room).
    func putBack(_ batch: [UsageRecord]) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.records.insert(contentsOf: batch, at: 0)
            return state.readyConsumers(all: true)
        }
        for consumer in ready { consumer.resume() }
    }

    /// The writer should drain what is left and stop.
    func close() {
        let consumers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closing = true
            defer { state.consumers = [] }
            return state.consumers.map(\.continuation)
        }
        for consumer in consumers { consumer.resume() }
    }

    /// Records of `batch` reached the store.
    func wrote(_ records: Int) {
        state.withLock { $0.written += records }
    }

    /// The writer has stopped for good; returns the records it leaves unwritten.
    func finish() -> Int {
        state.withLock { state in
            state.finished = true
            return state.records.count
        }
    }

    var count: Int { state.withLock { $0.records.count } }
    var isClosing: Bool { state.withLock { $0.closing } }
    /// Records accepted since start.
    var accepted: Int { state.withLock { $0.accepted } }
    /// Records written to the store since start.
    var written: Int { state.withLock { $0.written } }
    /// Records that arrived after the writer had stopped (never written: a shutdown-order bug).
    var late: Int { state.withLock { $0.late } }
}
