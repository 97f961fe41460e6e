import Foundation

/// How the dashboard writes numbers, money and times (UTC throughout).
package enum DashboardFormat {
    /// `$12.34` from a dollar up; below, up to six significant digits (`$0.0000035`); `$0` for zero.
    package static func usd(_ value: Decimal) -> String {
        if value == 0 { return "$0" }
        let negative = value < 0
        let magnitude = negative ? -value : value
        var text: String
        if magnitude >= 1 {
            var plain = magnitude.plainString(scale: 2)
            if !plain.contains(".") { plain += ".00" } else if plain.split(separator: ".").last?.count == 1 { plain += "0" }
            text = grouped(plain)
        } else {
            let plain = magnitude.plainString(scale: 12)
            // Keep six digits after the leading zeros, then drop trailing zeros.
            let digits = Array(plain.dropFirst(2))
            let leading = digits.prefix { $0 == "0" }.count
            let kept = min(digits.count, leading + 6)
            var fraction = String(digits.prefix(kept))
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text = fraction.isEmpty ? "0" : "0." + fraction
        }
        return (negative ? "-$" : "$") + text
    }

    /// `1,234,567`.
    package static func integer(_ value: Int) -> String {
        grouped(String(value))
    }

    /// `12.3 ms`, `1.25 s`; `–` for no value.
    package static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite, value > 0 else { return "–" }
        if value >= 1000 { return String(format: "%.2f s", value / 1000) }
        if value >= 100 { return String(format: "%.0f ms", value) }
        return String(format: "%.1f ms", value)
    }

    /// `2.50 %`.
    package static func percent(_ share: Double) -> String {
        guard share.isFinite else { return "–" }
        return String(format: "%.2f %%", share * 100)
    }

    /// `1.2k`, `3.4M` for chart axes.
    package static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e9 { return String(format: "%.1fG", value / 1e9) }
        if magnitude >= 1e6 { return String(format: "%.1fM", value / 1e6) }
        if magnitude >= 1e3 { return String(format: "%.1fk", value / 1e3) }
        if magnitude == magnitude.rounded() { return String(Int(value)) }
        if magnitude >= 1 { return String(format: "%.1f", value) }
        return String(format: "%.2g", value)
    }

    /// `2026-12-01 13:45:07`.
    package static func time(_ date: Date) -> String {
        let c = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// `2026-12-01`.
    package static func day(_ date: Date) -> String {
        let c = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    private static func grouped(_ digits: String) -> String {
        var integer = digits
        var rest = ""
        if let dot = digits.firstIndex(of: ".") {
            integer = String(digits[..<dot])
            rest = String(digits[dot...])
        }
        var sign = ""
        if integer.hasPrefix("-") { sign = "-"; integer.removeFirst() }
        var out = ""
        for (i, ch) in integer.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return sign + String(out.reversed()) + rest
    }
}
