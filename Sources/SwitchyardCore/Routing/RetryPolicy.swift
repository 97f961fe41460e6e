/// How many attempts a request gets and how long to wait between them.
package struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (each on the next candidate).
    package var maxAttempts = 3
    package var initialBackoff: Duration = .milliseconds(50)
    package var maxBackoff: Duration = .seconds(2)

    package init(maxAttempts: Int = 3, initialBackoff: Duration = .milliseconds(50), maxBackoff: Duration = .seconds(2)) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// The pause before attempt number `attempt` (2 for the first retry): "full jitter"
    /// exponential back-off, a uniform draw in [0, min(max, initial·2^(attempt-2))]. A
    /// `retryAfter` from the failed upstream is honoured when the next attempt goes to the same
    /// deployment; another deployment need not wait for it.
    package func backoff(beforeAttempt attempt: Int, retryAfter: Duration?, sameDeployment: Bool,
                        using rng: inout some RandomNumberGenerator) -> Duration {
        guard attempt >= 2 else { return .zero }
        let exponent = min(attempt - 2, 20)
        let ceiling = min(maxBackoff, initialBackoff * (1 << exponent))
        let nanos = ceiling.nanosecondsClamped
        let jittered: Duration = nanos > 0 ? .nanoseconds(Int64.random(in: 0...nanos, using: &rng)) : .zero
        if sameDeployment, let retryAfter { return max(jittered, retryAfter) }
        return jittered
    }
}

extension Duration {
    /// Whole nanoseconds, clamped instead of trapping on overflow.
    package var nanosecondsClamped: Int64 {
        let (s, atto) = components
        let (m, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : m + atto / 1_000_000_000
    }
}
