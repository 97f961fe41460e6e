/// A circuit breaker for one deployment, as a pure state machine (the caller supplies time).
///
/// - closed: requests flow; it opens after `consecutiveFailures` failures in a row, or when at
///   least `minimumRequests` calls in the last `window` failed at `failureRate` or more;
/// - open: requests are refused until `openDuration` has passed;
/// - half-open: one probe request is let through; success closes the breaker, failure opens it
///   again.
package struct CircuitBreaker: Sendable {
    package struct Settings: Sendable, Hashable {
        package var consecutiveFailures = 5
        package var failureRate = 0.5
        package var minimumRequests = 10
        package var window: Duration = .seconds(30)
        package var openDuration: Duration = .seconds(30)

        package init() {}
    }

    package enum State: String, Sendable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    private enum Phase: Sendable {
        case closed
        case open(until: ContinuousClock.Instant)
        case halfOpen(probeInFlight: Bool)
    }

    package private(set) var settings: Settings
    private var phase: Phase = .closed
    private var consecutive = 0
    /// Outcomes in the window, counted in `bucketCount` time slices: O(1) per call at any rate.
    private var window = OutcomeWindow()
    package private(set) var timesOpened = 0

    package init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// New thresholds (a config reload) for the same deployment: its state — open, half-open,
    /// failures in a row, times opened — is kept; the window's outcomes too unless its length
    /// changed (they were counted in slices of the old length).
    package mutating func reconfigure(_ settings: Settings) {
        if settings.window != self.settings.window { window = OutcomeWindow() }
        self.settings = settings
    }

    package func state(at now: ContinuousClock.Instant) -> State {
        switch phase {
        case .closed: return .closed
        case .open(let until): return now >= until ? .halfOpen : .open
        case .halfOpen: return .halfOpen
        }
    }

    /// Whether a request may go to this deployment now. In half-open state the first caller
    /// gets the probe and later ones are refused until it reports back.
    package mutating func allowRequest(at now: ContinuousClock.Instant) -> Bool {
        switch phase {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            phase = .halfOpen(probeInFlight: true)
            return true
        case .halfOpen(let probeInFlight):
            if probeInFlight { return false }
            phase = .halfOpen(probeInFlight: true)
            return true
        }
    }

    /// Whether a request would be allowed, without taking the half-open probe.
    package func wouldAllow(at now: ContinuousClock.Instant) -> Bool {
        switch phase {
        case .closed: return true
        case .open(let until): return now >= until
        case .halfOpen(let probeInFlight): return !probeInFlight
        }
    }

    package mutating func recordSuccess(at now: ContinuousClock.Instant) {
        consecutive = 0
        note(failed: false, at: now)
        if case .halfOpen = phase {
            phase = .closed
            window.reset()
        }
    }

    package mutating func recordFailure(at now: ContinuousClock.Instant) {
        consecutive += 1
        note(failed: true, at: now)
        switch phase {
        case .halfOpen:
            open(at: now)
        case .open:
            break
        case .closed:
            let (total, failures) = window.counts(at: now, width: bucketWidth)
            let rateTripped = total >= settings.minimumRequests
                && Double(failures) / Double(total) >= settings.failureRate
            if consecutive >= settings.consecutiveFailures || rateTripped { open(at: now) }
        }
    }

    /// A call that ended without telling anything about the deployment (client went away):
    /// frees the half-open probe slot.
    package mutating func recordAbandoned() {
        if case .halfOpen = phase { phase = .halfOpen(probeInFlight: false) }
    }

    private mutating func open(at now: ContinuousClock.Instant) {
        phase = .open(until: now + settings.openDuration)
        timesOpened += 1
        consecutive = 0
        window.reset()
    }

    private var bucketWidth: Duration { settings.window / OutcomeWindow.bucketCount }

    private mutating func note(failed: Bool, at now: ContinuousClock.Instant) {
        window.add(failed: failed, at: now, width: bucketWidth)
    }
}

/// Request and failure counts over a sliding window, in `bucketCount` slices of equal width
/// (the window slides a slice at a time).
struct OutcomeWindow: Sendable {
    static let bucketCount = 10

    private struct Bucket: Sendable {
        var slice: Int64 = .min
        var total = 0
        var failed = 0
    }

    private var buckets = [Bucket](repeating: Bucket(), count: OutcomeWindow.bucketCount)
    /// The first instant seen: slices are counted from it.
    private var origin: ContinuousClock.Instant?

    private mutating func slice(of now: ContinuousClock.Instant, width: Duration) -> Int64 {
        let origin = self.origin ?? now
        self.origin = origin
        guard now > origin else { return 0 }
        return (now - origin).nanosecondsClamped / max(1, width.nanosecondsClamped)
    }

    mutating func add(failed: Bool, at now: ContinuousClock.Instant, width: Duration) {
        let current = slice(of: now, width: width)
        let index = Int(current % Int64(Self.bucketCount))
        if buckets[index].slice != current { buckets[index] = Bucket(slice: current) }
        buckets[index].total += 1
        if failed { buckets[index].failed += 1 }
    }

    mutating func counts(at now: ContinuousClock.Instant, width: Duration) -> (total: Int, failed: Int) {
        let current = slice(of: now, width: width)
        var total = 0, failed = 0
        for bucket in buckets where bucket.slice > current - Int64(Self.bucketCount) && bucket.slice <= current {
            total += bucket.total
            failed += bucket.failed
        }
        return (total, failed)
    }

    mutating func reset() {
        buckets = [Bucket](repeating: Bucket(), count: Self.bucketCount)
    }
}
