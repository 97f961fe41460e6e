import Foundation

/// What a batch's metadata asks of the gateway beyond OpenAI's API:
/// `switchyard_max_cost_usd` (the batch is cancelled before its cost could pass it) and
/// `switchyard_window` (`off_peak`, a daily UTC range `HH:MM-HH:MM`, or an absolute one
/// `2026-12-01T22:00:00Z/2026-12-02T06:00:00Z`): lines run only inside it.
package struct BatchOptions: Sendable, Hashable {
    package static let maxCostKey = "switchyard_max_cost_usd"
    package static let windowKey = "switchyard_window"

    package var maxCostPicodollars: Int64?
    package var window: BatchWindow?

    package init(maxCostPicodollars: Int64? = nil, window: BatchWindow? = nil) {
        self.maxCostPicodollars = maxCostPicodollars
        self.window = window
    }

    /// Reads the options; an invalid value is a 400 naming the metadata key.
    package init(metadata: [String: String]?) throws(OpenAIError) {
        self.init()
        guard let metadata else { return }
        if let text = metadata[Self.maxCostKey] {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let amount = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX")), !amount.isNaN,
                  trimmed.allSatisfy({ $0.isNumber || $0 == "." }), amount > 0 else {
                throw OpenAIError(.invalidValue, "metadata.\(Self.maxCostKey) must be a positive amount in USD such as \"2.50\", not '\(text.prefix(64))'.",
                                  param: "metadata.\(Self.maxCostKey)")
            }
            maxCostPicodollars = Picodollars.from(amount)
        }
        if let text = metadata[Self.windowKey] {
            guard let window = BatchWindow(parsing: text) else {
                throw OpenAIError(.invalidValue, "metadata.\(Self.windowKey) must be \"off_peak\", a daily UTC range such as \"22:00-06:00\", or an absolute one such as \"2026-12-01T22:00:00Z/2026-12-02T06:00:00Z\"; not '\(text.prefix(64))'.",
                                  param: "metadata.\(Self.windowKey)")
            }
            self.window = window
        }
    }
}

/// When a batch's lines may run, in UTC.
package enum BatchWindow: Sendable, Hashable, CustomStringConvertible {
    /// Every day from `start` to `end` (minutes of the UTC day); `end` before `start` wraps past midnight.
    case daily(start: Int, end: Int)
    /// Once, from `from` (inclusive) to `to` (exclusive).
    case range(from: Date, to: Date)
    /// The off-peak window of the provider serving the batch (`batch.off_peak` in the config).
    case offPeak

    package init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "off_peak" {
            self = .offPeak
            return
        }
        if let slash = trimmed.firstIndex(of: "/") {
            guard let from = ISO8601.parse(String(trimmed[..<slash])), let to = ISO8601.parse(String(trimmed[trimmed.index(after: slash)...])),
                  from < to else { return nil }
            self = .range(from: from, to: to)
            return
        }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minute(parts[0]), let end = Self.minute(parts[1]), start != end else { return nil }
        self = .daily(start: start, end: end)
    }

    /// `HH:MM` as minutes of the day (`24:00` is the end of the day).
    static func minute(_ text: Substring) -> Int? {
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2, let hours = Int(pieces[0]), let minutes = Int(pieces[1]),
              (0...24).contains(hours), (0..<60).contains(minutes), hours * 60 + minutes <= 24 * 60 else { return nil }
        return hours * 60 + minutes
    }

    package var description: String {
        switch self {
        case .offPeak: return "off_peak"
        case .daily(let start, let end): return "\(Self.clock(start))-\(Self.clock(end)) UTC"
        case .range(let from, let to): return "\(ISO8601.format(from))/\(ISO8601.format(to))"
        }
    }

    static func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }

    /// Whether `date` is inside the window (`offPeak` must be resolved first: never inside).
    package func contains(_ date: Date) -> Bool {
        switch self {
        case .offPeak: return false
        case .range(let from, let to): return date >= from && date < to
        case .daily(let start, let end):
            let minute = Self.minuteOfDay(date)
            return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        }
    }

    /// When the window next opens at or after `date` (`date` itself when inside); nil when it
    /// never will again.
    package func nextOpening(atOrAfter date: Date) -> Date? {
        if contains(date) { return date }
        switch self {
        case .offPeak: return nil
        case .range(let from, _): return from > date ? from : nil
        case .daily(let start, _):
            let dayStart = Calendar.utc.startOfDay(for: date)
            let today = dayStart.addingTimeInterval(Double(start) * 60)
            return today > date ? today : today.addingTimeInterval(24 * 3600)
        }
    }

    static func minuteOfDay(_ date: Date) -> Int {
        let seconds = Int(floor(date.timeIntervalSince1970))
        return ((seconds % 86_400 + 86_400) % 86_400) / 60
    }
}
