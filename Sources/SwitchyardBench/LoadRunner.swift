import Foundation
import Synchronization
import SwitchyardCore
import SwitchyardHTTPClient

/// Runs load against one or more targets and collects request timelines.
///
/// - closed loop: `concurrency` workers, each sending its next request when the previous one
///   ends;
/// - open loop: arrivals at a fixed `rate`, evenly spaced or Poisson, whatever the responses do.
///   A request sent more than 10 ms after its scheduled time is counted as late; when
///   `maxInFlight` requests are already out, an arrival is not sent and counts as the error
///   `client_overloaded` — never silently skipped.
///
/// Requests alternate over targets (for `--compare`) and over models, in a fixed order.
package struct LoadRunner: Sendable {
    package enum Mode: Sendable, Hashable {
        case closed(concurrency: Int)
        case open(rate: Double, poisson: Bool)

        package var label: String {
            switch self {
            case .closed(let c): return "c=\(c)"
            case .open(let rate, let poisson): return "rate=\(rate.formatted())/s\(poisson ? " poisson" : "")"
            }
        }
    }

    package var client: BenchClient
    package var targets: [BenchClient.Target]
    package var workload: BenchWorkload
    /// Stop after this long, or after `requests` requests, whichever comes first.
    package var duration: Duration?
    package var requests: Int?
    /// Requests sent and discarded before measuring.
    package var warmup: Int
    package var maxInFlight = 10_000
    /// Closed loop without a request count: send this many requests per worker (at least
    /// `minimumRequests`), so that a level's size follows its concurrency.
    package var requestsPerWorker: Int?
    package var minimumRequests = 1
    package var progress: (@Sendable (Progress) -> Void)?

    package struct Progress: Sendable {
        package var done: Int
        package var errors: Int
        package var elapsed: Duration
        package var recentP99Ms: Double?
    }

    package init(client: BenchClient, targets: [BenchClient.Target], workload: BenchWorkload, duration: Duration?, requests: Int?, warmup: Int) {
        self.client = client
        self.targets = targets
        self.workload = workload
        self.duration = duration
        self.requests = requests
        self.warmup = warmup
    }

    package struct Result: Sendable {
        package var mode: Mode
        package var records: [RequestTimeline]
        package var duration: Duration
    }

    package func run(_ mode: Mode) async -> Result {
        // One lane per event loop: a lane's requests, their connections and their timers stay on
        // its loop (see `LoopTaskExecutor`).
        let lanes = client.connections.loopExecutors()
        let runStart = ContinuousClock.now
        if warmup > 0 {
            await withDiscardingTaskGroup { group in
                for n in 0..<warmup {
                    let (model, body) = workload.body(1_000_000 + n)
                    group.addTask(executorPreference: lanes[n % lanes.count]) {
                        _ = await client.send(model: model, body: body, to: targets[n % targets.count], targetIndex: n % targets.count, runStart: runStart)
                    }
                }
            }
        }
        let start = ContinuousClock.now
        let collector = Collector()
        let reporter = progress.map { report in
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    report(collector.progress(elapsed: .now - start))
                }
            }
        }
        switch mode {
        case .closed(let concurrency):
            await closedLoop(concurrency: max(1, concurrency), lanes: lanes, start: start, collector: collector)
        case .open(let rate, let poisson):
            await openLoop(rate: rate, poisson: poisson, lanes: lanes, start: start, collector: collector)
        }
        reporter?.cancel()
        let records = collector.records
        let end = records.map(\.end).max() ?? .zero
        return Result(mode: mode, records: records, duration: max(end, .milliseconds(1)))
    }

    /// `concurrency` workers, dealt over the lanes in turn.
    private func closedLoop(concurrency: Int, lanes: [LoopTaskExecutor], start: ContinuousClock.Instant, collector: Collector) async {
        let deadline = duration.map { start + $0 }
        let counter = LockedCounter()
        let limit = requests ?? requestsPerWorker.map { max(minimumRequests, $0 * concurrency) } ?? .max
        await withDiscardingTaskGroup { group in
            for worker in 0..<concurrency {
                group.addTask(executorPreference: lanes[worker % lanes.count]) {
                    while true {
                        if let deadline, ContinuousClock.now >= deadline { return }
                        let n = counter.take(below: limit)
                        guard let n else { return }
                        let (model, body) = workload.body(n)
                        let target = n % targets.count
                        collector.add(await client.send(model: model, body: body, to: targets[target], targetIndex: target, runStart: start))
                    }
                }
            }
        }
    }

    /// Arrival `n` is sent by lane `n % lanes.count`, each lane on its own loop's timer. Every
    /// lane walks the whole schedule (the Poisson gaps come from one seeded sequence), so the
    /// arrivals are the same whatever the number of lanes.
    private func openLoop(rate: Double, poisson: Bool, lanes: [LoopTaskExecutor], start: ContinuousClock.Instant, collector: Collector) async {
        let total = requests ?? Int((rate * (duration ?? .seconds(10)).seconds).rounded())
        let inFlight = LockedCounter()
        await withDiscardingTaskGroup { group in
            for (index, lane) in lanes.enumerated() {
                group.addTask(executorPreference: lane) {
                    await sendArrivals(lane: index, of: lanes.count, executor: lane, total: total, rate: rate, poisson: poisson,
                                       inFlight: inFlight, start: start, collector: collector)
                }
            }
        }
    }

    private func sendArrivals(lane: Int, of lanes: Int, executor: LoopTaskExecutor, total: Int, rate: Double, poisson: Bool,
                              inFlight: LockedCounter, start: ContinuousClock.Instant, collector: Collector) async {
        var rng = SeededRandom(seed: workload.seed)
        await withDiscardingTaskGroup { group in
            var at: Duration = .zero
            for n in 0..<total {
                if n > 0 {
                    let gap = poisson ? -Foundation.log(max(1e-12, rng.unit())) / rate : 1 / rate
                    at += .nanoseconds(Int64(gap * 1e9))
                }
                guard n % lanes == lane else { continue }
                await executor.sleep(until: start + at)
                let scheduled = at
                let admitted = inFlight.take(below: maxInFlight) != nil
                let (model, body) = workload.body(n)
                let target = n % targets.count
                guard admitted else {
                    let now = ContinuousClock.now - start
                    collector.add(RequestTimeline(model: model, target: target, scheduled: scheduled, sent: now, end: now, status: 0,
                                                  errorClass: "client_overloaded"))
                    continue
                }
                group.addTask {
                    let record = await client.send(model: model, body: body, to: targets[target], targetIndex: target, runStart: start, scheduled: scheduled)
                    inFlight.release()
                    collector.add(record)
                }
            }
        }
    }
}

/// Thread-safe record list with a running view for the progress line.
final class Collector: Sendable {
    private let state = Mutex<[RequestTimeline]>([])

    func add(_ record: RequestTimeline) { state.withLock { $0.append(record) } }

    var records: [RequestTimeline] { state.withLock { $0 } }

    func progress(elapsed: Duration) -> LoadRunner.Progress {
        state.withLock { records in
            let recent = records.suffix(500).filter(\.succeeded).map { $0.e2e.seconds * 1000 }.sorted()
            return LoadRunner.Progress(done: records.count, errors: records.filter { !$0.succeeded }.count, elapsed: elapsed,
                                       recentP99Ms: recent.isEmpty ? nil : Statistics.percentile(recent, 99))
        }
    }
}

/// A counter shared by workers: `take(below:)` hands out 0, 1, 2, … while under the limit.
final class LockedCounter: Sendable {
    private let value = Mutex(0)

    func take(below limit: Int) -> Int? {
        value.withLock { v -> Int? in
            guard v < limit else { return nil }
            defer { v += 1 }
            return v
        }
    }

    func release() { value.withLock { $0 -= 1 } }
}
