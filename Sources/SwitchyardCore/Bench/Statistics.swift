import Foundation

/// Summary statistics of a sample, percentiles by linear interpolation between closest ranks
/// (numpy's default, as vLLM's bench uses).
package struct Statistics: Sendable, Hashable {
    package var count: Int
    package var mean: Double
    package var std: Double
    package var min: Double
    package var max: Double
    package var p50: Double
    package var p90: Double
    package var p95: Double
    package var p99: Double
    package var p999: Double

    package init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(count)
        let m = mean
        std = (sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count)).squareRoot()
        min = sorted[0]
        max = sorted[count - 1]
        p50 = Self.percentile(sorted, 50)
        p90 = Self.percentile(sorted, 90)
        p95 = Self.percentile(sorted, 95)
        p99 = Self.percentile(sorted, 99)
        p999 = Self.percentile(sorted, 99.9)
    }

    package static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let rank = p / 100 * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let high = Swift.min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
    }

    package func value(_ name: String) -> Double? {
        switch name {
        case "mean": return mean
        case "std": return std
        case "min": return min
        case "max": return max
        case "p50": return p50
        case "p90": return p90
        case "p95": return p95
        case "p99": return p99
        case "p99.9": return p999
        default: return nil
        }
    }

    package static let columns = ["p50", "p90", "p95", "p99", "p99.9", "mean", "std", "min", "max"]
}
