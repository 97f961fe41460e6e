import ArgumentParser
import Foundation
import SwitchyardCore

struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Project what a token volume costs on every model, exactly (decimal arithmetic), cheapest first.",
        discussion: """
            Prices come from the catalog, or from --config (price overrides and per-deployment prices). \
            Example, the seed's scenario: `switchyard cost --tokens 1B --model deepseek-v4-flash` is $250.00 \
            a month at $0.25 per 1M tokens (the seed's article says $250,000: 1,000x too high).

            With --config, models served by several deployments also show the volume split over them by \
            weight, each at its own price (multi-region cost).
            """)

    @Option(help: "Tokens per period: 1000000, 250k, 1.5M, 10B.")
    var tokens: String

    @Option(help: "The period the volume is for (a label: month, day, week, year).")
    var per: String = "month"

    @Option(help: "Share of the tokens that are input (prompt) tokens, 0 to 1.")
    var inputShare: String = "0.5"

    @Option(help: "Share of the input tokens served from the prompt cache, 0 to 1.")
    var cachedShare: String = "0"

    @Option(help: "Only these models (repeatable; IDs or aliases).")
    var model: [String] = []

    @Option(help: "Only models of this family.")
    var family: String?

    @Option(help: "Only models with all of these capabilities, comma-separated.")
    var needs: String?

    @Option(help: "Config file with price overrides, added models and deployments.")
    var config: String?

    func run() throws {
        guard let volume = TokenAmount.parse(tokens), volume > 0 else {
            throw ValidationError("--tokens must be a positive amount such as 10B, 1.5M or 250000, got '\(tokens)'")
        }
        guard let input = Decimal(exactly: inputShare), input >= 0, input <= 1 else {
            throw ValidationError("--input-share must be a decimal from 0 to 1, got '\(inputShare)'")
        }
        guard let cached = Decimal(exactly: cachedShare), cached >= 0, cached <= 1 else {
            throw ValidationError("--cached-share must be a decimal from 0 to 1, got '\(cachedShare)'")
        }
        guard ["month", "day", "week", "year"].contains(per) else { throw ValidationError("--per must be month, day, week or year") }
        let gatewayConfig = try config.map(loadConfigOrExit)
        let catalog = gatewayConfig?.catalog ?? .builtIn
        let models = try ModelFilter(family: family, needs: needs, names: model).apply(to: catalog)
        let workload = Workload(tokens: volume, inputShare: input, cachedShare: cached)
        print("\(TokenAmount.label(volume)) tokens per \(per): \(input.plainString()) input (\(cached.plainString()) of it cached), \((1 - input).plainString()) output\n")
        let rows = CostProjection.rows(workload, models: models).map { row -> [String] in
            [row.model.id, row.model.family.rawValue, row.model.sortedCapabilities.map(\.rawValue).joined(separator: ","),
             row.ratePer1M.map { "$" + $0.usdString } ?? "unknown", row.cost.map { "$" + $0.usdString } ?? "unknown"]
        }
        print(TextTable.render(header: ["MODEL", "FAMILY", "CAPABILITIES", "$/1M (this mix)", "COST PER \(per.uppercased())"], rows: rows))
        if let gatewayConfig {
            for m in models where gatewayConfig.deployments.filter({ $0.models[m.id] != nil }).count > 1 {
                let shares = CostProjection.split(workload, model: m, deployments: gatewayConfig.deployments)
                print("\n\(m.id) across \(shares.count) deployments (split by weight):")
                print(TextTable.render(header: ["DEPLOYMENT", "REGION", "TOKENS", "COST"], rows: shares.map {
                    [$0.deployment, $0.region, TokenAmount.label($0.tokens), $0.cost.map { "$" + $0.usdString } ?? "unknown"]
                }))
                let known = shares.compactMap(\.cost)
                if known.count == shares.count { print("total: $" + known.reduce(0, +).usdString) }
            }
        }
    }
}

/// The model filters shared by `models`, `cost` and `recommend`.
struct ModelFilter {
    var family: String?
    var needs: String?
    var names: [String] = []

    func capabilities() throws -> Set<Capability> {
        var required = Set<Capability>()
        for name in (needs ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard let cap = Capability(rawValue: name) else {
                throw ValidationError("unknown capability '\(name)'; expected: \(Capability.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            required.insert(cap)
        }
        return required
    }

    func apply(to catalog: Catalog) throws -> [CatalogModel] {
        var familyFilter: ModelFamily?
        if let family {
            guard let f = ModelFamily(rawValue: family.lowercased()) else {
                throw ValidationError("unknown family '\(family)'; expected one of: \(ModelFamily.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            familyFilter = f
        }
        var selected: [CatalogModel] = []
        for name in names {
            guard let m = catalog.model(named: name) else { throw ValidationError("unknown model '\(name)'; `switchyard models` lists them") }
            selected.append(m)
        }
        let required = try capabilities()
        return (names.isEmpty ? catalog.models : selected)
            .filter { familyFilter == nil || $0.family == familyFilter }
            .filter { required.isSubset(of: $0.capabilities) }
    }
}
