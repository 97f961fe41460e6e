import Synchronization

/// Random trace and span IDs without a system call each: a xoshiro256** generator seeded once
/// from the system's generator, behind a lock held for a few instructions. IDs must be unique
/// and evenly spread (ratio sampling reads them), not unpredictable.
struct SpanIDGenerator: RandomNumberGenerator {
    private static let state = Mutex<(UInt64, UInt64, UInt64, UInt64)>({
        var system = SystemRandomNumberGenerator()
        var seed: (UInt64, UInt64, UInt64, UInt64) = (system.next(), system.next(), system.next(), system.next())
        if seed == (0, 0, 0, 0) { seed.0 = 1 }
        return seed
    }())

    mutating func next() -> UInt64 {
        Self.state.withLock { s in
            let result = Self.rotate(s.1 &* 5, 7) &* 9
            let t = s.1 << 17
            s.2 ^= s.0
            s.3 ^= s.1
            s.1 ^= s.2
            s.0 ^= s.3
            s.2 ^= t
            s.3 = Self.rotate(s.3, 45)
            return result
        }
    }

    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
