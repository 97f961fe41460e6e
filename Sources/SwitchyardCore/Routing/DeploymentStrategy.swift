import Foundation

/// How the deployments of one model are ordered for a request: the first is tried first, the
/// rest are its failover order.
package enum DeploymentStrategy: String, Sendable, Hashable, CaseIterable {
    /// Random by `weight`.
    case weighted
    /// Lowest peak-EWMA latency, with power-of-two-choices for the first pick.
    case leastLatency = "least-latency"
    /// Fewest requests in flight.
    case leastBusy = "least-busy"
    /// Lowest price for this model.
    case cheapest
    /// The order of the config file.
    case ordered
}

/// What the strategy knows about one deployment at the moment of choosing.
package struct DeploymentSnapshot: Sendable, Hashable {
    package var name: String
    package var region: String
    package var weight: Int
    /// Position in the config file.
    package var position: Int
    package var inFlight: Int
    /// Peak-EWMA latency in seconds, nil before any observation.
    package var latency: Double?
    /// Blended price of the model at this deployment; nil when unknown.
    package var price: Decimal?

    package init(name: String, region: String, weight: Int, position: Int, inFlight: Int = 0, latency: Double? = nil, price: Decimal? = nil) {
        self.name = name
        self.region = region
        self.weight = weight
        self.position = position
        self.inFlight = inFlight
        self.latency = latency
        self.price = price
    }
}

extension DeploymentStrategy {
    /// Orders `deployments`; those in `preferredRegion` come first (each group in strategy order).
    package func order(_ deployments: [DeploymentSnapshot], preferredRegion: String? = nil,
                      using rng: inout some RandomNumberGenerator) -> [DeploymentSnapshot] {
        guard let preferredRegion else { return order(deployments, using: &rng) }
        let inRegion = deployments.filter { $0.region.caseInsensitiveCompare(preferredRegion) == .orderedSame }
        let elsewhere = deployments.filter { $0.region.caseInsensitiveCompare(preferredRegion) != .orderedSame }
        return order(inRegion, using: &rng) + order(elsewhere, using: &rng)
    }

    private func order(_ deployments: [DeploymentSnapshot], using rng: inout some RandomNumberGenerator) -> [DeploymentSnapshot] {
        guard deployments.count > 1 else { return deployments }
        switch self {
        case .ordered:
            return deployments.sorted { $0.position < $1.position }
        case .weighted:
            return Self.weightedShuffle(deployments, using: &rng)
        case .leastBusy:
            return deployments.shuffled(using: &rng).sorted { $0.inFlight < $1.inFlight }
        case .cheapest:
            return deployments.sorted {
                switch ($0.price, $1.price) {
                case let (a?, b?) where a != b: return a < b
                case (.some, nil): return true
                case (nil, .some): return false
                default: return $0.position < $1.position
                }
            }
        case .leastLatency:
            // Cost = latency × (in flight + 1); unknown latency counts as the best known, so
            // new deployments get traffic and a measurement.
            let best = deployments.compactMap(\.latency).min() ?? 0.001
            func cost(_ d: DeploymentSnapshot) -> Double { (d.latency ?? best) * Double(d.inFlight + 1) }
            let shuffled = deployments.shuffled(using: &rng)
            let first = cost(shuffled[0]) <= cost(shuffled[1]) ? shuffled[0] : shuffled[1]
            let rest = deployments.filter { $0.name != first.name }.sorted { cost($0) < cost($1) }
            return [first] + rest
        }
    }

    /// Weighted random order without replacement; zero weights go last.
    static func weightedShuffle(_ items: [DeploymentSnapshot], using rng: inout some RandomNumberGenerator) -> [DeploymentSnapshot] {
        var pool = items.filter { $0.weight > 0 }
        var out: [DeploymentSnapshot] = []
        while !pool.isEmpty {
            let total = pool.reduce(0) { $0 + $1.weight }
            var draw = Int.random(in: 0..<total, using: &rng)
            let index = pool.firstIndex { draw -= $0.weight; return draw < 0 } ?? 0
            out.append(pool.remove(at: index))
        }
        return out + items.filter { $0.weight <= 0 }.shuffled(using: &rng)
    }
}
