import ArgumentParser
import Foundation
import SwitchyardCore

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the model catalog: family, context window, capabilities and prices (USD per 1M tokens).",
        discussion: "Prices marked 'unknown' are not in the seed; set them in a config file to bill those models.")

    @Option(help: "Only models of this family (deepseek, qwen, kimi, glm, openai).")
    var family: String?

    @Option(help: "Only models with all of these capabilities, comma-separated (e.g. vision,chinese).")
    var needs: String?

    @Option(help: "Apply a config file's added models and price overrides.")
    var config: String?

    func run() throws {
        var catalog = Catalog.builtIn
        if let config {
            catalog = try loadConfigOrExit(config).catalog
        }
        let selected = try ModelFilter(family: family, needs: needs).apply(to: catalog)
        let rows = selected.map { m -> [String] in
                [m.id, m.family.rawValue, "\(m.contextWindow)", m.sortedCapabilities.map(\.rawValue).joined(separator: ","),
                 m.pricing.map { $0.inputPer1M.priceString } ?? "unknown",
                 m.pricing.map { $0.outputPer1M.priceString } ?? "unknown",
                 m.pricing.map { $0.cachedInputPer1M.priceString } ?? "unknown"]
            }
        print(TextTable.render(header: ["MODEL", "FAMILY", "CONTEXT", "CAPABILITIES", "INPUT $/1M", "OUTPUT $/1M", "CACHED $/1M"], rows: rows))
    }
}
