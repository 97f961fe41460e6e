import Foundation

/// Everything one `switchyard bench` run produced, and its renderings: a terminal table, JSON,
/// CSV and a self-contained HTML page with inline SVG plots.
package struct BenchReport: Sendable {
    package var command: String
    /// One summary per load level, in the order run.
    package var levels: [BenchSummary]
    /// Side by side per model (all levels pooled).
    package var models: [BenchSummary]
    /// Side by side per target with `--compare`.
    package var targets: [BenchSummary]
    package var targetNames: [String]
    package var slo: SLO?
    package var knee: Int?
    package var kneeUnit = "concurrency"
    /// Per-request records, with the level each belongs to.
    package var records: [(level: String, record: RequestTimeline)]

    package init(command: String, levels: [BenchSummary], models: [BenchSummary], targets: [BenchSummary] = [], targetNames: [String] = [],
                slo: SLO? = nil, knee: Int? = nil, records: [(level: String, record: RequestTimeline)]) {
        self.command = command
        self.levels = levels
        self.models = models
        self.targets = targets
        self.targetNames = targetNames
        self.slo = slo
        self.knee = knee
        self.records = records
    }

    // MARK: Terminal

    package func table() -> String {
        var out: [String] = []
        let header = ["LOAD", "REQS", "OK", "ERR%", "OFFERED/s", "ACHIEVED/s", "TTFT p50", "TTFT p99", "E2E p50", "E2E p90", "E2E p95", "E2E p99",
                      "TPOT p50", "ITL p50", "OUT tok/s"] + (slo == nil ? [] : ["SLO%", "GOODPUT/s", "MEETS"])
        func row(_ s: BenchSummary) -> [String] {
            var cells = [s.label, "\(s.requests)", "\(s.succeeded)", f(s.errorRate * 100, 2), s.offeredRate.map { f($0, 1) } ?? "-",
                         f(s.achievedRate, 1), ms(s.ttft?.p50), ms(s.ttft?.p99), ms(s.e2e?.p50), ms(s.e2e?.p90), ms(s.e2e?.p95), ms(s.e2e?.p99),
                         ms(s.tpot?.p50), ms(s.interChunk?.p50), f(s.outputTokensPerSecond, 1)]
            if slo != nil {
                cells += [s.sloAttainment.map { f($0 * 100, 1) } ?? "-", s.goodput.map { f($0, 1) } ?? "-", s.meetsSLO.map { $0 ? "yes" : "no" } ?? "-"]
            }
            return cells
        }
        out.append("Load levels (milliseconds):")
        out.append(TextTable.render(header: header, rows: levels.map(row)))
        if models.count > 1 {
            out.append("\nModels side by side (all levels pooled):")
            out.append(TextTable.render(header: header, rows: models.map(row)))
        }
        if targets.count == 2 {
            out.append("\nTargets (interleaved): A = \(targetNames[0]), B = \(targetNames[1])")
            out.append(TextTable.render(header: header, rows: targets.map(row)))
            out.append("\nB − A per percentile (E2E, ms): " + comparisonLine())
        }
        let errors = levels.flatMap { $0.errors }.reduce(into: [String: Int]()) { $0[$1.key, default: 0] += $1.value }
        if !errors.isEmpty { out.append("\nErrors by class: " + errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) }
        let late = levels.reduce(0) { $0 + $1.lateSends }
        if levels.contains(where: { $0.offeredRate != nil }) {
            out.append("Open loop: \(late) request(s) sent more than 10 ms late (max lag \(f(levels.map(\.maxSendLagMs).max() ?? 0, 1)) ms).")
        }
        if let slo {
            out.append("\nSLO: \(slo.description). " + (knee.map { "Highest \(kneeUnit) meeting it: \($0)." } ?? (levels.count > 1 ? "No level met it." : "")))
        }
        out.append("\nFormulas:")
        out += BenchSummary.formulas.map { "  " + $0 }
        return out.joined(separator: "\n")
    }

    func comparisonLine() -> String {
        guard targets.count == 2, let a = targets[0].e2e, let b = targets[1].e2e else { return "n/a" }
        return ["p50", "p90", "p95", "p99", "max"].map { name in
            let d = (b.value(name) ?? 0) - (a.value(name) ?? 0)
            return "\(name) \(d >= 0 ? "+" : "")\(f(d, 3))"
        }.joined(separator: ", ")
    }

    // MARK: JSON

    package func json() -> String {
        var out = "{\"command\":\(JSONString.quoted(command))"
        out += ",\"slo\":" + (slo.map { JSONString.quoted($0.description) } ?? "null")
        out += ",\"knee\":" + (knee.map(String.init) ?? "null") + ",\"knee_unit\":\(JSONString.quoted(kneeUnit))"
        out += ",\"formulas\":[" + BenchSummary.formulas.map(JSONString.quoted).joined(separator: ",") + "]"
        out += ",\"levels\":[" + levels.map(summaryJSON).joined(separator: ",") + "]"
        // The shape `switchyard recommend --bench` reads.
        out += ",\"models\":{" + models.map { s in
            JSONString.quoted(s.label) + ":{\"p99_ms\":\(num(s.e2e?.p99)),\"ttft_p99_ms\":\(num(s.ttft?.p99)),\"output_tokens_per_second\":\(num(s.requestTokensPerSecond?.p50)),\"summary\":" + summaryJSON(s) + "}"
        }.joined(separator: ",") + "}"
        if targets.count == 2 {
            out += ",\"targets\":[" + targets.map(summaryJSON).joined(separator: ",") + "],\"target_urls\":[" + targetNames.map(JSONString.quoted).joined(separator: ",") + "]"
        }
        out += ",\"requests\":[" + records.map { level, r in
            "{\"level\":\(JSONString.quoted(level)),\"model\":\(JSONString.quoted(r.model)),\"target\":\(r.target),\"scheduled_ms\":\(num(r.scheduled.map(msValue)))"
                + ",\"sent_ms\":\(num(msValue(r.sent))),\"ttft_ms\":\(num(r.ttft.map(msValue))),\"ttft_any_ms\":\(num(r.ttftAnyToken.map(msValue)))"
                + ",\"e2e_ms\":\(num(msValue(r.e2e))),\"tpot_ms\":\(num(r.tpot.map(msValue))),\"chunks\":\(r.contentChunks.count)"
                + ",\"output_tokens\":\(r.outputTokens.map(String.init) ?? "null"),\"prompt_tokens\":\(r.promptTokens.map(String.init) ?? "null")"
                + ",\"status\":\(r.status),\"error\":\(r.errorClass.map(JSONString.quoted) ?? "null")}"
        }.joined(separator: ",") + "]}"
        return out
    }

    private func summaryJSON(_ s: BenchSummary) -> String {
        func stats(_ st: Statistics?) -> String {
            guard let st else { return "null" }
            return "{" + Statistics.columns.map { "\(JSONString.quoted($0)):\(num(st.value($0)))" }.joined(separator: ",") + ",\"count\":\(st.count)}"
        }
        var out = "{\"label\":\(JSONString.quoted(s.label)),\"requests\":\(s.requests),\"succeeded\":\(s.succeeded),\"error_rate\":\(num(s.errorRate))"
        out += ",\"errors\":{" + s.errors.sorted { $0.key < $1.key }.map { "\(JSONString.quoted($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        out += ",\"duration_s\":\(num(s.duration.seconds)),\"offered_rate\":\(num(s.offeredRate)),\"achieved_rate\":\(num(s.achievedRate))"
        out += ",\"late_sends\":\(s.lateSends),\"max_send_lag_ms\":\(num(s.maxSendLagMs))"
        out += ",\"ttft_ms\":\(stats(s.ttft)),\"ttft_any_token_ms\":\(stats(s.ttftAnyToken)),\"tpot_ms\":\(stats(s.tpot)),\"itl_ms\":\(stats(s.interChunk))"
        out += ",\"e2e_ms\":\(stats(s.e2e)),\"request_output_tokens_per_second\":\(stats(s.requestTokensPerSecond))"
        out += ",\"output_tokens_per_second\":\(num(s.outputTokensPerSecond)),\"slo_attainment\":\(num(s.sloAttainment)),\"goodput\":\(num(s.goodput))"
        out += ",\"meets_slo\":" + (s.meetsSLO.map { String($0) } ?? "null") + "}"
        return out
    }

    // MARK: CSV

    /// One row per request.
    package func csv() -> String {
        var lines = ["level,model,target,scheduled_ms,sent_ms,ttft_ms,ttft_any_ms,e2e_ms,tpot_ms,chunks,output_tokens,prompt_tokens,status,error"]
        for (level, r) in records {
            let cells: [String] = [level, r.model, String(r.target), r.scheduled.map { f(msValue($0), 3) } ?? "", f(msValue(r.sent), 3),
                                   r.ttft.map { f(msValue($0), 3) } ?? "", r.ttftAnyToken.map { f(msValue($0), 3) } ?? "", f(msValue(r.e2e), 3),
                                   r.tpot.map { f(msValue($0), 3) } ?? "", String(r.contentChunks.count), r.outputTokens.map(String.init) ?? "",
                                   r.promptTokens.map(String.init) ?? "", String(r.status), r.errorClass ?? ""]
            lines.append(cells.map(csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The summary table as CSV.
    package func summaryCSV() -> String {
        var lines = ["label,requests,succeeded,error_rate,offered_rate,achieved_rate,ttft_p50_ms,ttft_p99_ms,e2e_p50_ms,e2e_p90_ms,e2e_p95_ms,e2e_p99_ms,e2e_p999_ms,tpot_p50_ms,itl_p50_ms,output_tokens_per_second,slo_attainment,goodput"]
        for s in levels + (models.count > 1 ? models : []) + targets {
            let cells = [s.label, "\(s.requests)", "\(s.succeeded)", f(s.errorRate, 4), s.offeredRate.map { f($0, 2) } ?? "", f(s.achievedRate, 2),
                         msCSV(s.ttft?.p50), msCSV(s.ttft?.p99), msCSV(s.e2e?.p50), msCSV(s.e2e?.p90), msCSV(s.e2e?.p95), msCSV(s.e2e?.p99),
                         msCSV(s.e2e?.p999), msCSV(s.tpot?.p50), msCSV(s.interChunk?.p50), f(s.outputTokensPerSecond, 2),
                         s.sloAttainment.map { f($0, 4) } ?? "", s.goodput.map { f($0, 2) } ?? ""]
            lines.append(cells.map(csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Helpers

    func f(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    private func ms(_ value: Double?) -> String { value.map { f($0, 1) } ?? "-" }
    private func msCSV(_ value: Double?) -> String { value.map { f($0, 3) } ?? "" }
    private func msValue(_ d: Duration) -> Double { d.seconds * 1000 }
    private func num(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return String(format: "%.6g", value)
    }
    private func csvCell(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
