/// Sign-in attempts per client address: after `maxFailures` wrong admin keys within `window`
/// seconds, every attempt from that address is refused (429) for `block` seconds, right key or
/// not. Pure: the caller passes the time (seconds on a monotonic clock) and holds the lock.
package struct LoginThrottle: Sendable {
    package var maxFailures = 5
    package var window = 60.0
    package var block = 60.0
    /// Addresses remembered at most; past it the oldest entries go first (a flood of addresses
    /// costs bounded memory).
    package var capacity = 10_000

    private var failures: [String: [Double]] = [:]
    private var blockedUntil: [String: Double] = [:]

    package init() {}

    /// Seconds until `address` may try again (rounded up), or nil when it may now.
    package mutating func retryAfter(_ address: String, now: Double) -> Int? {
        guard let until = blockedUntil[address] else { return nil }
        guard until > now else {
            blockedUntil[address] = nil
            return nil
        }
        return Int((until - now).rounded(.up))
    }

    /// A wrong key from `address`; true when that one blocks it.
    @discardableResult
    package mutating func failed(_ address: String, now: Double) -> Bool {
        var times = (failures[address] ?? []).filter { now - $0 < window }
        times.append(now)
        if times.count >= maxFailures {
            failures[address] = nil
            blockedUntil[address] = now + block
            prune(now: now)
            return true
        }
        failures[address] = times
        prune(now: now)
        return false
    }

    /// A right key: the address's earlier failures are forgotten.
    package mutating func succeeded(_ address: String) {
        failures[address] = nil
    }

    private mutating func prune(now: Double) {
        guard failures.count + blockedUntil.count > capacity else { return }
        failures = failures.filter { $0.value.contains { now - $0 < window } }
        blockedUntil = blockedUntil.filter { $0.value > now }
        while failures.count + blockedUntil.count > capacity, let oldest = failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) }) {
            failures[oldest.key] = nil
        }
    }
}
