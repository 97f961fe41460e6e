import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's random bytes (`getrandom`, through `arc4random_buf`) fetched 512 at a time
/// instead of 8 per system call: request and ledger record IDs cost four `getrandom` calls per
/// chat request with `SystemRandomNumberGenerator`. The words are of the same quality; they
/// wait in memory until used, so secrets (API keys, dashboard sessions) still come straight
/// from `SystemRandomNumberGenerator`. Each word is handed out once, to one caller.
package struct BufferedRandom: RandomNumberGenerator {
    private struct Pool {
        var words = [UInt64](repeating: 0, count: 64)
        var next = 64
    }

    private static let pool = Mutex(Pool())

    package init() {}

    package mutating func next() -> UInt64 {
        Self.pool.withLock { pool in
            if pool.next == pool.words.count {
                pool.words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                pool.next = 0
            }
            defer { pool.next += 1 }
            return pool.words[pool.next]
        }
    }
}
