import Foundation

/// Peak-sensitive moving average of latency (as Finagle and Linkerd use for load balancing):
/// a slower observation replaces the average at once, faster ones pull it down gradually, so a
/// deployment that just got slow is avoided immediately and trusted again only slowly.
package struct PeakEWMA: Sendable, Hashable {
    /// Seconds; nil until the first observation.
    package private(set) var value: Double?
    private var last: ContinuousClock.Instant?
    package let decay: Duration

    package init(decay: Duration = .seconds(10)) {
        self.decay = decay
    }

    package mutating func observe(_ latency: Duration, at now: ContinuousClock.Instant) {
        let sample = latency.seconds
        defer { last = now }
        guard let current = value, let last else {
            value = sample
            return
        }
        if sample > current {
            value = sample
            return
        }
        let elapsed = max(0, (now - last).seconds)
        let weight = exp(-elapsed / decay.seconds)
        value = current * weight + sample * (1 - weight)
    }
}

extension Duration {
    package var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
