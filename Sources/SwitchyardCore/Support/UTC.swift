import Foundation

extension Calendar {
    /// The Gregorian calendar in UTC: budget periods, ledger days and partitions all use it.
    package static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

extension Date {
    /// Whole milliseconds since the Unix epoch (rounded down): how the ledger and the store keep time.
    package var millisecondsSinceEpoch: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
}
