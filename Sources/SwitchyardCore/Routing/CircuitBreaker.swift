/// A circuit breaker for one deployment, as a pure state machine (the caller supplies time).
///
/// - closed: requests flow; it opens after `consecutiveFailures` failures in a row, or when at
///   least `minimumRequests` calls in the last `window` failed at `failureRate` or more;
/// - open: requests are refused until `openDuration` has passed;
/// - half-open: one probe request is let through; success closes the breaker, failure opens it
///   again.
public struct CircuitBreaker: Sendable {
    public struct Settings: Sendable, Hashable {
        public var consecutiveFailures = 5
        public var failureRate = 0.5
        public var minimumRequests = 10
        public var window: Duration = .seconds(30)
        public var openDuration: Duration = .seconds(30)

        public init() {}
    }

    public enum State: String, Sendable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    private enum Phase: Sendable {
        case closed
        case open(until: ContinuousClock.Instant)
        case halfOpen(probeInFlight: Bool)
    }

    public let settings: Settings
    private var phase: Phase = .closed
    private var consecutive = 0
    /// Outcomes in the window: (time, failed).
    private var recent: [(ContinuousClock.Instant, Bool)] = []
    public private(set) var timesOpened = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public func state(at now: ContinuousClock.Instant) -> State {
        switch phase {
        case .closed: return .closed
        case .open(let until): return now >= until ? .halfOpen : .open
        case .halfOpen: return .halfOpen
        }
    }

    /// Whether a request may go to this deployment now. In half-open state the first caller
    /// gets the probe and later ones are refused until it reports back.
    public mutating func allowRequest(at now: ContinuousClock.Instant) -> Bool {
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
    public func wouldAllow(at now: ContinuousClock.Instant) -> Bool {
        switch phase {
        case .closed: return true
        case .open(let until): return now >= until
        case .halfOpen(let probeInFlight): return !probeInFlight
        }
    }

    public mutating func recordSuccess(at now: ContinuousClock.Instant) {
        consecutive = 0
        note(failed: false, at: now)
        if case .halfOpen = phase {
            phase = .closed
            recent.removeAll()
        }
    }

    public mutating func recordFailure(at now: ContinuousClock.Instant) {
        consecutive += 1
        note(failed: true, at: now)
        switch phase {
        case .halfOpen:
            open(at: now)
        case .open:
            break
        case .closed:
            let failures = recent.filter(\.1).count
            let rateTripped = recent.count >= settings.minimumRequests
                && Double(failures) / Double(recent.count) >= settings.failureRate
            if consecutive >= settings.consecutiveFailures || rateTripped { open(at: now) }
        }
    }

    /// A call that ended without telling anything about the deployment (client went away):
    /// frees the half-open probe slot.
    public mutating func recordAbandoned() {
        if case .halfOpen = phase { phase = .halfOpen(probeInFlight: false) }
    }

    private mutating func open(at now: ContinuousClock.Instant) {
        phase = .open(until: now + settings.openDuration)
        timesOpened += 1
        consecutive = 0
        recent.removeAll()
    }

    private mutating func note(failed: Bool, at now: ContinuousClock.Instant) {
        let horizon = now - settings.window
        recent.removeAll { $0.0 < horizon }
        recent.append((now, failed))
        if recent.count > 4096 { recent.removeFirst(recent.count - 4096) }
    }
}
