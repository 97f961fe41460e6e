import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's random bytes read 512 at a time from `/dev/urandom` instead of 8 per
/// `getrandom` call: request and ledger record IDs cost four system calls per chat request with
/// `SystemRandomNumberGenerator`. Trace and span IDs come from here too. The words are of the
/// same quality; they wait in memory until used, so secrets (API keys, dashboard sessions)
/// still come straight from `SystemRandomNumberGenerator`. Each word is handed out once, to
/// one caller.
///
/// (Not `arc4random_buf`: glibc has it only from 2.36, and the release binary runs on older
/// glibc; not `getrandom`: Swift's Glibc module does not export it.)
package struct BufferedRandom: RandomNumberGenerator {
    private struct Pool {
        var words = [UInt64](repeating: 0, count: 64)
        var next = 64
    }

    private static let pool = Mutex(Pool())
    /// Opened once, kept for the life of the process; -1 when there is no `/dev/urandom`.
    private static let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    package init() {}

    package mutating func next() -> UInt64 {
        Self.pool.withLock { pool in
            if pool.next == pool.words.count {
                Self.refill(&pool.words)
                pool.next = 0
            }
            defer { pool.next += 1 }
            return pool.words[pool.next]
        }
    }

    /// Fills the buffer from `/dev/urandom`, or word by word from the system generator when the
    /// device cannot be read.
    private static func refill(_ words: inout [UInt64]) {
        let filled = urandom < 0 ? 0 : words.withUnsafeMutableBytes { buffer -> Int in
            var done = 0
            while done < buffer.count {
                let count = read(urandom, buffer.baseAddress! + done, buffer.count - done)
                if count > 0 {
                    done += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            return done
        }
        if filled < words.count * 8 {
            var system = SystemRandomNumberGenerator()
            for index in words.indices { words[index] = system.next() }
        }
    }
}
