import Foundation

/// Inline SVG charts of a time series for the dashboard: no script, no external file. Colours
/// come from CSS classes (`bar`, `bar-alt`, `line`, `grid`, `tick`), so the page's light and
/// dark themes apply; the SVG scales to its container (`viewBox`).
package enum TimeChart {
    package struct Point: Sendable, Hashable {
        /// The bucket's label on the axis and in the tooltip (`13:00`, `Dec 1`).
        package var label: String
        package var value: Double
        /// A second value drawn over the first (errors over requests), or nil.
        package var overlay: Double?

        package init(label: String, value: Double, overlay: Double? = nil) {
            self.label = label
            self.value = value
            self.overlay = overlay
        }
    }

    static let width = 640.0, height = 200.0, left = 72.0, right = 8.0, top = 12.0, bottom = 24.0

    /// Bars, one per bucket; `format` writes a value for the axis and tooltips.
    package static func bars(_ title: String, _ points: [Point], overlayName: String? = nil, format: (Double) -> String) -> HTML {
        let maxY = niceMax(points.map { max($0.value, $0.overlay ?? 0) }.max() ?? 0)
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = plotW / Double(max(1, points.count))
        var svg = frame(title, maxY: maxY, format: format)
        for (i, p) in points.enumerated() {
            let x = left + Double(i) * slot + slot * 0.1
            let w = max(0.5, slot * 0.8)
            let h = maxY > 0 ? p.value / maxY * plotH : 0
            var tip = "\(p.label): \(format(p.value))"
            if let overlay = p.overlay, let overlayName { tip += ", \(overlayName) \(format(overlay))" }
            svg += "<g><title>\(HTML.escape(tip))</title>"
            svg += "<rect class=\"bar\" x=\"\(r(x))\" y=\"\(r(top + plotH - h))\" width=\"\(r(w))\" height=\"\(r(h))\"/>"
            if let overlay = p.overlay, overlay > 0, maxY > 0 {
                let oh = overlay / maxY * plotH
                svg += "<rect class=\"bar-alt\" x=\"\(r(x))\" y=\"\(r(top + plotH - oh))\" width=\"\(r(w))\" height=\"\(r(oh))\"/>"
            }
            svg += "</g>"
        }
        svg += xLabels(points.map(\.label), slot: slot)
        return .trusted(svg + "</svg>")
    }

    /// A line through the buckets' values (gaps where a bucket has no value: `value` < 0).
    package static func line(_ title: String, _ points: [Point], format: (Double) -> String) -> HTML {
        let maxY = niceMax(points.map { max($0.value, $0.overlay ?? 0) }.max() ?? 0)
        let plotW = width - left - right, plotH = height - top - bottom
        let slot = plotW / Double(max(1, points.count))
        func x(_ i: Int) -> Double { left + Double(i) * slot + slot / 2 }
        func y(_ v: Double) -> Double { top + plotH - (maxY > 0 ? v / maxY * plotH : 0) }
        var svg = frame(title, maxY: maxY, format: format)
        for (series, values) in [("line", points.map(\.value)), ("line-alt", points.map { $0.overlay ?? -1 })] {
            var segments: [[String]] = [[]]
            for (i, v) in values.enumerated() {
                if v < 0 { segments.append([]); continue }
                segments[segments.count - 1].append("\(r(x(i))),\(r(y(v)))")
            }
            for segment in segments where !segment.isEmpty {
                if segment.count == 1 {
                    let xy = segment[0].split(separator: ",")
                    svg += "<circle class=\"\(series)-dot\" cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\"/>"
                } else {
                    svg += "<polyline class=\"\(series)\" fill=\"none\" points=\"\(segment.joined(separator: " "))\"/>"
                }
            }
        }
        for (i, p) in points.enumerated() where p.value >= 0 {
            var tip = "\(p.label): \(format(p.value))"
            if let overlay = p.overlay, overlay >= 0 { tip += " / \(format(overlay))" }
            svg += "<rect class=\"hit\" x=\"\(r(x(i) - slot / 2))\" y=\"\(r(top))\" width=\"\(r(slot))\" height=\"\(r(plotH))\"><title>\(HTML.escape(tip))</title></rect>"
        }
        svg += xLabels(points.map(\.label), slot: slot)
        return .trusted(svg + "</svg>")
    }

    private static func frame(_ title: String, maxY: Double, format: (Double) -> String) -> String {
        let plotH = height - top - bottom
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" preserveAspectRatio=\"none\">"
        for step in 0...2 {
            let value = maxY * Double(step) / 2
            let y = top + plotH - plotH * Double(step) / 2
            svg += "<line class=\"grid\" x1=\"\(r(left))\" x2=\"\(r(width - right))\" y1=\"\(r(y))\" y2=\"\(r(y))\"/>"
            svg += "<text class=\"tick\" x=\"\(r(left - 6))\" y=\"\(r(y + 4))\" text-anchor=\"end\">\(HTML.escape(format(value)))</text>"
        }
        return svg
    }

    /// At most 8 labels under the axis, evenly spaced.
    private static func xLabels(_ labels: [String], slot: Double) -> String {
        guard !labels.isEmpty else { return "" }
        let every = max(1, Int((Double(labels.count) / 8).rounded(.up)))
        var svg = ""
        for (i, label) in labels.enumerated() where i % every == 0 {
            let x = left + Double(i) * slot + slot / 2
            svg += "<text class=\"tick\" x=\"\(r(x))\" y=\"\(r(height - 6))\" text-anchor=\"middle\">\(HTML.escape(label))</text>"
        }
        return svg
    }

    /// The axis maximum: the data's maximum rounded up to 1, 2 or 5 × a power of ten.
    static func niceMax(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 0 }
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where value <= step * magnitude { return step * magnitude }
        return 10 * magnitude
    }

    /// One decimal (`12.3`), without Foundation's formatter: a 30-day chart writes thousands.
    static func r(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = Int((v * 10).rounded())
        let whole = tenths / 10, fraction = abs(tenths % 10)
        return (tenths < 0 && whole == 0 ? "-" : "") + String(whole) + "." + String(fraction)
    }
}
