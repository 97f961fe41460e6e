import Foundation

extension BenchReport {
    /// A self-contained page: tables and inline SVG plots, no scripts or network.
    package func html() -> String {
        var body = "<h1>Switchyard bench</h1><p class=cmd>\(escape(command))</p>"
        if let slo { body += "<p>SLO: \(escape(slo.description)). " + (knee.map { "Highest \(kneeUnit) meeting it: <b>\($0)</b>." } ?? "") + "</p>" }
        let labels = levels.map(\.label)
        body += "<h2>Latency vs load</h2>" + SVGChart.lines(
            title: "End-to-end latency (ms) per load level", xLabels: labels,
            series: [("p50", levels.map { $0.e2e?.p50 ?? 0 }), ("p95", levels.map { $0.e2e?.p95 ?? 0 }), ("p99", levels.map { $0.e2e?.p99 ?? 0 })],
            threshold: slo?.p99Ms)
        body += SVGChart.lines(title: "Error rate (%) per load level", xLabels: labels, series: [("errors", levels.map { $0.errorRate * 100 })], threshold: nil)
        let groups = models.isEmpty ? levels : models
        body += "<h2>Per model</h2>" + SVGChart.bars(
            title: "Time to first token (ms)", groups: groups.map { ($0.label, [("p50", $0.ttft?.p50 ?? 0), ("p99", $0.ttft?.p99 ?? 0)]) })
        body += SVGChart.bars(
            title: "Output tokens per second (aggregate)", groups: groups.map { ($0.label, [("tok/s", $0.outputTokensPerSecond)]) })
        body += "<h2>Numbers</h2><pre>\(escape(table()))</pre>"
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Switchyard bench</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}
            .cmd{font-family:monospace;color:#555}svg{display:block;margin:1em 0;background:#fff;border:1px solid #ddd}
            .axis{stroke:#999}.label{font-size:11px;fill:#333}.title{font-size:13px;font-weight:600}</style></head>
            <body>\(body)</body></html>
            """
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// Minimal inline SVG charts.
enum SVGChart {
    static let colors = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b"]
    static let width = 900.0, height = 300.0, left = 60.0, right = 120.0, top = 30.0, bottom = 40.0

    static func lines(title: String, xLabels: [String], series: [(String, [Double])], threshold: Double?) -> String {
        let highest = max(series.flatMap(\.1).max() ?? 0, threshold ?? 0)
        let maxY = (highest > 0 ? highest : 1) * 1.1
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ i: Int) -> Double { left + (xLabels.count <= 1 ? plotW / 2 : Double(i) / Double(xLabels.count - 1) * plotW) }
        func y(_ v: Double) -> Double { top + plotH - v / maxY * plotH }
        var svg = frame(title, maxY: maxY)
        for (i, label) in xLabels.enumerated() {
            svg += "<text class=label x=\"\(r(x(i)))\" y=\"\(r(height - bottom + 15))\" text-anchor=middle>\(label)</text>"
        }
        if let threshold {
            svg += "<line x1=\"\(r(left))\" x2=\"\(r(left + plotW))\" y1=\"\(r(y(threshold)))\" y2=\"\(r(y(threshold)))\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>"
            svg += "<text class=label x=\"\(r(left + plotW + 5))\" y=\"\(r(y(threshold)))\">SLO \(Int(threshold))</text>"
        }
        for (index, (name, values)) in series.enumerated() {
            let color = colors[index % colors.count]
            let points = values.enumerated().map { "\(r(x($0.offset))),\(r(y($0.element)))" }.joined(separator: " ")
            svg += "<polyline class=series fill=none stroke=\"\(color)\" stroke-width=2 points=\"\(points)\"/>"
            for (i, v) in values.enumerated() { svg += "<circle cx=\"\(r(x(i)))\" cy=\"\(r(y(v)))\" r=3 fill=\"\(color)\"/>" }
            svg += "<text class=label x=\"\(r(width - right + 10))\" y=\"\(r(top + 15 + Double(index) * 15))\" fill=\"\(color)\">\(name)</text>"
        }
        return svg + "</svg>"
    }

    static func bars(title: String, groups: [(String, [(String, Double)])]) -> String {
        let highest = groups.flatMap { $0.1.map(\.1) }.max() ?? 0
        let maxY = (highest > 0 ? highest : 1) * 1.1
        let plotW = width - left - right, plotH = height - top - bottom
        let groupW = plotW / Double(max(1, groups.count))
        var svg = frame(title, maxY: maxY)
        for (g, (label, values)) in groups.enumerated() {
            let barW = groupW * 0.8 / Double(max(1, values.count))
            for (i, (_, v)) in values.enumerated() {
                let h = v / maxY * plotH
                let x = left + Double(g) * groupW + groupW * 0.1 + Double(i) * barW
                svg += "<rect class=bar x=\"\(r(x))\" y=\"\(r(top + plotH - h))\" width=\"\(r(barW))\" height=\"\(r(h))\" fill=\"\(colors[i % colors.count])\"/>"
            }
            svg += "<text class=label x=\"\(r(left + Double(g) * groupW + groupW / 2))\" y=\"\(r(height - bottom + 15))\" text-anchor=middle>\(label)</text>"
        }
        if let names = groups.first?.1.map(\.0) {
            for (i, name) in names.enumerated() {
                svg += "<text class=label x=\"\(r(width - right + 10))\" y=\"\(r(top + 15 + Double(i) * 15))\" fill=\"\(colors[i % colors.count])\">\(name)</text>"
            }
        }
        return svg + "</svg>"
    }

    private static func frame(_ title: String, maxY: Double) -> String {
        let plotH = height - top - bottom
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<text class=title x=\"\(r(left))\" y=18>\(title)</text>"
        svg += "<line class=axis x1=\"\(r(left))\" y1=\"\(r(top))\" x2=\"\(r(left))\" y2=\"\(r(top + plotH))\"/>"
        svg += "<line class=axis x1=\"\(r(left))\" y1=\"\(r(top + plotH))\" x2=\"\(r(width - right))\" y2=\"\(r(top + plotH))\"/>"
        for tick in 0...4 {
            let v = maxY * Double(tick) / 4
            let y = top + plotH - Double(tick) / 4 * plotH
            svg += "<text class=label x=\"\(r(left - 5))\" y=\"\(r(y + 4))\" text-anchor=end>\(v >= 100 ? String(Int(v)) : String(format: "%.1f", v))</text>"
        }
        return svg
    }

    private static func r(_ v: Double) -> String { String(format: "%.1f", v) }
}
