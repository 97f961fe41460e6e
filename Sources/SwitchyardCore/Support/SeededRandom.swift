import Foundation

/// SplitMix64: a small, fast, seedable generator. The same seed gives the same sequence on
/// every machine, which is what makes simulated runs and bench schedules reproducible.
package struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    package mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// A log-normal sample with the given median and shape (sigma of the underlying normal).
    package mutating func logNormal(median: Double, sigma: Double) -> Double {
        guard sigma > 0 else { return median }
        let u1 = max(unit(), 1e-12)
        let u2 = unit()
        let normal = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        return median * Foundation.exp(sigma * normal)
    }

    /// FNV-1a, to turn a string (a model ID) into seed material.
    package static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
