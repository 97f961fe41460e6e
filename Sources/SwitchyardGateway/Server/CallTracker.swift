import Synchronization

/// Every chat call in flight, each a task of its own. Shutdown waits for them (`waitUntilIdle`)
/// and, when the grace period is over, cancels them (`cancelAll`): a cancelled call still ends
/// through its own `finish`, so its ledger row is written (error class `shutdown`) before the
/// ledger is flushed.
package final class CallTracker: Sendable {
    private struct State {
        var nextID = 0
        /// nil until the task is created (it may end before that).
        var running: [Int: Task<Void, Never>?] = [:]
        var cancelling = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Runs `body` as a tracked task.
    func start(_ body: @escaping @Sendable () async -> Void) {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.running[state.nextID] = .some(nil)
            return state.nextID
        }
        let task = Task {
            await body()
            self.ended(id)
        }
        let cancelNow = state.withLock { state -> Bool in
            guard state.running[id] != nil else { return false }  // Already over.
            state.running[id] = task
            return state.cancelling
        }
        if cancelNow { task.cancel() }
    }

    package var count: Int { state.withLock { $0.running.count } }

    /// Cancels every call in flight, and every call started from now on.
    package func cancelAll() {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.cancelling = true
            return state.running.values.compactMap { $0 }
        }
        for task in tasks { task.cancel() }
    }

    /// Returns when no call is in flight.
    package func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if state.running.isEmpty { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func ended(_ id: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running[id] = nil
            guard state.running.isEmpty else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
