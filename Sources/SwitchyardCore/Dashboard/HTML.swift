/// A piece of HTML. Written as a string literal with interpolations: the literal parts are
/// markup (written by us), every interpolated `String` is escaped (`& < > " '`), so a key name,
/// a team or an upstream's error text can never become markup — in text or in a quoted
/// attribute value. Interpolated `HTML` goes in as it is; numbers as their digits.
///
/// ```swift
/// let row: HTML = "<tr><td>\(key.name)</td><td class=\"n\">\(key.limits.requestsPerMinute ?? 0)</td></tr>"
/// ```
package struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    package private(set) var rendered: String

    package init(stringLiteral value: String) { rendered = value }
    package init(stringInterpolation: Interpolation) { rendered = stringInterpolation.output }
    private init(rendered: String) { self.rendered = rendered }

    package var description: String { rendered }

    package static let empty = HTML(rendered: "")

    /// Markup built elsewhere by our own code (an SVG chart, a constant); never for data.
    package static func trusted(_ markup: String) -> HTML { HTML(rendered: markup) }

    package static func + (lhs: HTML, rhs: HTML) -> HTML { HTML(rendered: lhs.rendered + rhs.rendered) }
    package static func += (lhs: inout HTML, rhs: HTML) { lhs.rendered += rhs.rendered }

    /// Text for an element's content or a quoted attribute value.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    package struct Interpolation: StringInterpolationProtocol {
        var output = ""

        package init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        package mutating func appendLiteral(_ literal: String) { output += literal }
        package mutating func appendInterpolation(_ text: String) { output += HTML.escape(text) }
        package mutating func appendInterpolation(_ text: Substring) { output += HTML.escape(String(text)) }
        /// nil is rendered as nothing.
        package mutating func appendInterpolation(_ text: String?) { if let text { output += HTML.escape(text) } }
        package mutating func appendInterpolation(_ html: HTML) { output += html.rendered }
        package mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { output += part.rendered } }
        package mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) { output += String(number) }
    }
}

extension Array where Element == HTML {
    package func joined(separator: HTML = .empty) -> HTML {
        var out = HTML.empty
        for (index, part) in enumerated() {
            if index > 0 { out += separator }
            out += part
        }
        return out
    }
}
