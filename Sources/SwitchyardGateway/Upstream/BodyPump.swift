import NIOCore
import Synchronization

/// Reads an upstream body ahead of its consumer in one producer task (at most `readAhead`
/// chunks ahead), and enforces each read's deadline with one timer task per body, instead of
/// racing two new tasks against every chunk. The timer sleeps until the earliest deadline it
/// must watch and only wakes again when that passes, so a stream costs a timer wake-up per
/// idle timeout, not per chunk.
///
/// Dropping the reader cancels the producer, and with it the upstream call.
final class BodyPump: Sendable {
    static let readAhead = 16

    private enum End: Sendable {
        case finished
        case failed(UpstreamTransportError)
    }

    private struct State {
        var chunks: [ByteBuffer] = []
        var end: End?
        var reader: CheckedContinuation<Result<ByteBuffer?, UpstreamTransportError>, Never>?
        var readerDeadline: ContinuousClock.Instant?
        var readerCancelled = false
        var producerWaiting: CheckedContinuation<Void, Never>?
        var timer: Task<Void, Never>?
        var timerTarget: ContinuousClock.Instant?
        /// Which timer is current: a replaced timer that wakes anyway does nothing.
        var timerGeneration = 0
        var producer: Task<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    /// A reader over `body`; `chunk` turns an element into bytes, `classify` an error into a
    /// transport error.
    static func reader<Body: AsyncSequence & Sendable>(
        for body: Body, chunk: @escaping @Sendable (Body.Element) -> ByteBuffer,
        classify: @escaping @Sendable (any Error) -> UpstreamTransportError
    ) -> UpstreamBody.Reader {
        let pump = BodyPump()
        let task = Task {
            var iterator = body.makeAsyncIterator()
            do {
                while let element = try await iterator.next() {
                    guard await pump.push(chunk(element)) else { return }
                }
                pump.finish(.finished)
            } catch {
                pump.finish(.failed(classify(error)))
            }
        }
        pump.state.withLock { $0.producer = task }
        let owner = Owner(pump)
        return { (deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> ByteBuffer? in
            try await owner.pump.read(deadline)
        }
    }

    /// Closes the pump when the last reader reference goes away.
    private final class Owner: Sendable {
        let pump: BodyPump
        init(_ pump: BodyPump) { self.pump = pump }
        deinit { pump.close() }
    }

    // MARK: Producer side

    /// Queues a chunk, waiting while `readAhead` chunks are unread; false once closed.
    private func push(_ chunk: ByteBuffer) async -> Bool {
        while true {
            enum Step { case delivered(CheckedContinuation<Result<ByteBuffer?, UpstreamTransportError>, Never>?), full, closed }
            let step = state.withLock { state -> Step in
                if state.closed { return .closed }
                if let reader = state.reader {
                    state.reader = nil
                    state.readerDeadline = nil
                    return .delivered(reader)
                }
                guard state.chunks.count < Self.readAhead else { return .full }
                state.chunks.append(chunk)
                return .delivered(nil)
            }
            switch step {
            case .closed: return false
            case .delivered(let reader):
                reader?.resume(returning: .success(chunk))
                return true
            case .full:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wait = state.withLock { state -> Bool in
                        guard !state.closed, state.chunks.count >= Self.readAhead else { return false }
                        state.producerWaiting = continuation
                        return true
                    }
                    if !wait { continuation.resume() }
                }
            }
        }
    }

    private func finish(_ end: End) {
        let reader = state.withLock { state -> CheckedContinuation<Result<ByteBuffer?, UpstreamTransportError>, Never>? in
            guard !state.closed, state.end == nil else { return nil }
            state.end = end
            guard state.chunks.isEmpty, let reader = state.reader else { return nil }
            state.reader = nil
            return reader
        }
        reader?.resume(returning: Self.result(of: end))
    }

    private static func result(of end: End) -> Result<ByteBuffer?, UpstreamTransportError> {
        switch end {
        case .finished: return .success(nil)
        case .failed(let error): return .failure(error)
        }
    }

    // MARK: Consumer side

    func read(_ deadline: ContinuousClock.Instant) async throws(UpstreamTransportError) -> ByteBuffer? {
        let result: Result<ByteBuffer?, UpstreamTransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<ByteBuffer?, UpstreamTransportError>, Never>) in
                enum Step { case now(Result<ByteBuffer?, UpstreamTransportError>, CheckedContinuation<Void, Never>?), wait(Task<Void, Never>?) }
                let step = state.withLock { state -> Step in
                    if !state.chunks.isEmpty {
                        let chunk = state.chunks.removeFirst()
                        let producer = state.producerWaiting
                        state.producerWaiting = nil
                        return .now(.success(chunk), producer)
                    }
                    if let end = state.end { return .now(Self.result(of: end), nil) }
                    if state.closed || state.readerCancelled { return .now(.failure(.cancelled), nil) }
                    if ContinuousClock.now >= deadline { return .now(.failure(.timeout), nil) }
                    state.reader = continuation
                    state.readerDeadline = deadline
                    // Watch this deadline: start the timer, or restart it if it sleeps longer.
                    guard state.timerTarget.map({ deadline < $0 }) ?? true else { return .wait(nil) }
                    let old = state.timer
                    state.timerTarget = deadline
                    state.timerGeneration += 1
                    let generation = state.timerGeneration
                    state.timer = Task { [weak self] in await self?.watch(until: deadline, generation: generation) }
                    return .wait(old)
                }
                switch step {
                case .now(let result, let producer):
                    producer?.resume()
                    continuation.resume(returning: result)
                case .wait(let oldTimer):
                    oldTimer?.cancel()
                }
            }
        } onCancel: {
            let reader = state.withLock { state -> CheckedContinuation<Result<ByteBuffer?, UpstreamTransportError>, Never>? in
                state.readerCancelled = true
                let reader = state.reader
                state.reader = nil
                return reader
            }
            reader?.resume(returning: .failure(.cancelled))
        }
        return try result.get()
    }

    /// The timer: sleeps until `target`; then times out a reader whose deadline has passed, or
    /// sleeps on until the waiting reader's deadline, or ends when no one waits.
    private func watch(until target: ContinuousClock.Instant, generation: Int) async {
        var target = target
        while true {
            do { try await Task.sleep(until: target, clock: .continuous) } catch { return }
            enum Step { case timedOut(CheckedContinuation<Result<ByteBuffer?, UpstreamTransportError>, Never>), again(ContinuousClock.Instant), done }
            let step = state.withLock { state -> Step in
                guard state.timerGeneration == generation else { return .done }
                guard let deadline = state.readerDeadline, let reader = state.reader else {
                    state.timer = nil
                    state.timerTarget = nil
                    return .done
                }
                if ContinuousClock.now >= deadline {
                    state.reader = nil
                    state.readerDeadline = nil
                    state.timer = nil
                    state.timerTarget = nil
                    return .timedOut(reader)
                }
                state.timerTarget = deadline
                return .again(deadline)
            }
            switch step {
            case .timedOut(let reader):
                reader.resume(returning: .failure(.timeout))
                return
            case .again(let next): target = next
            case .done: return
            }
        }
    }

    /// Stops reading: cancels the producer (and the upstream call) and the timer.
    func close() {
        let (producer, timer, reader, waiting) = state.withLock { state in
            state.closed = true
            let values = (state.producer, state.timer, state.reader, state.producerWaiting)
            state.producer = nil
            state.timer = nil
            state.reader = nil
            state.producerWaiting = nil
            state.chunks.removeAll()
            return values
        }
        producer?.cancel()
        timer?.cancel()
        reader?.resume(returning: .failure(.cancelled))
        waiting?.resume()
    }
}
