import ArgumentParser
import Foundation
import SwitchyardCore

struct Recommend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank models for a set of requirements, with the reasons, and print the config to use them.",
        discussion: """
            The seed's decision framework: DeepSeek V4 Flash when budget and throughput matter (code, no \
            vision); Qwen for multimodal; Kimi for high-stakes reasoning; GLM when Chinese is central. \
            Hard requirements (capabilities, budget, tokens/s, p99) rule models out; the framework and \
            then price order the rest. Measured figures from `switchyard bench --json` (--bench) replace \
            the catalog's notes.

            Example: switchyard recommend --needs vision,chinese --budget-per-1m 1
            """)

    @Option(help: "Required capabilities, comma-separated: text, vision, audio, video, code, reasoning, chinese.")
    var needs: String?

    @Option(name: .customLong("budget-per-1m"), help: "Most a model may cost, USD per 1M tokens (average of input and output).")
    var budgetPer1M: String?

    @Option(help: "Least acceptable output tokens per second.")
    var minTokensPerSecond: Double?

    @Option(help: "p99 latency target in milliseconds (checked against --bench measurements).")
    var p99SLO: Double?

    @Option(help: "JSON results of `switchyard bench --json`, for measured latency and throughput.")
    var bench: String?

    @Option(help: "Config file with price overrides and added models.")
    var config: String?

    @Option(help: "How many models to show.")
    var top: Int = 5

    func run() throws {
        var requirements = Recommender.Requirements()
        requirements.needs = try ModelFilter(needs: needs).capabilities()
        if let budgetPer1M {
            guard let budget = Decimal(exactly: budgetPer1M), budget >= 0 else {
                throw ValidationError("--budget-per-1m must be a plain decimal such as 0.5, got '\(budgetPer1M)'")
            }
            requirements.budgetPer1M = budget
        }
        if let minTokensPerSecond, minTokensPerSecond <= 0 { throw ValidationError("--min-tokens-per-second must be positive") }
        if let p99SLO, p99SLO <= 0 { throw ValidationError("--p99-slo must be positive (milliseconds)") }
        requirements.minTokensPerSecond = minTokensPerSecond
        requirements.p99SLOMs = p99SLO
        if let bench { requirements.measured = try BenchResultsFile.measurements(path: bench) }
        let catalog = try config.map(loadConfigOrExit)?.catalog ?? .builtIn
        let ranked = Recommender.rank(requirements, catalog: catalog)
        let eligible = ranked.filter(\.eligible)
        print(eligible.isEmpty ? "No model meets every requirement. Closest:" : "Recommended, best first:")
        for (index, r) in (eligible.isEmpty ? ranked : eligible).prefix(max(1, top)).enumerated() {
            print("\n\(index + 1). \(r.model.id) (\(r.model.family.rawValue))")
            for reason in r.reasons { print("   " + reason) }
        }
        let ruledOut = ranked.filter { !$0.eligible }
        if !eligible.isEmpty && !ruledOut.isEmpty {
            print("\nRuled out: " + ruledOut.map { r in
                "\(r.model.id) (" + r.reasons.filter { $0.hasPrefix("✗") }.map { String($0.dropFirst(2)) }.joined(separator: "; ") + ")"
            }.joined(separator: ", "))
        }
        if let snippet = Recommender.configSnippet(ranked, requirements: requirements) {
            print("\nPaste into switchyard.yaml:\n" + snippet)
        }
    }
}

/// Reads measured figures from a bench results file:
/// `{"models": {"<model>": {"p99_ms": 640, "output_tokens_per_second": 58.2}, …}}` (the `models`
/// section of `switchyard bench --json`).
enum BenchResultsFile {
    static func measurements(path: String) throws -> [String: Recommender.Measurement] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        let document: JSONDocument
        do { document = try JSONDocument(bytes: Array(data)) } catch {
            throw ValidationError("\(path): not valid JSON (\(error))")
        }
        guard let models = document.member("models", of: document.root), models.kind == .object else {
            throw ValidationError("\(path): expected an object with a \"models\" field")
        }
        var out: [String: Recommender.Measurement] = [:]
        for (name, entry) in document.members(of: models) {
            guard let model = Catalog.builtIn.model(named: name) else { continue }
            let p99 = document.member("p99_ms", of: entry).flatMap(document.double)
            let tps = document.member("output_tokens_per_second", of: entry).flatMap(document.double)
            out[model.id] = Recommender.Measurement(p99Ms: p99, tokensPerSecond: tps)
        }
        return out
    }
}
