import ArgumentParser
import Foundation
import SwitchyardCore

struct CostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Project what a token volume costs on every model, exactly (decimal arithmetic), cheapest first.",
        discussion: """
            Prices come from the catalog, or from --config (price overrides and per-deployment prices). \
            Example, the seed's scenario: `switchyard cost --tokens 1B --model deepseek-v4-flash` is $250.00 \
            a month at $0.25 per 1M tokens (the seed's article says $250,000: 1,000x too high).

            With --config, models served by several deployments also show the volume split over them by \
            weight, each at its own price (multi-region cost).

            With --from-ledger, the workload is the one a running gateway recorded (GET /admin/usage, \
            SWITCHYARD_ADMIN_KEY as for `switchyard keys`): its volume over --days, scaled to 30 days, with \
            its own input and cache shares, priced on every model.
            """)

    @Option(help: "Tokens per period: 1000000, 250k, 1.5M, 10B (not with --from-ledger).")
    var tokens: String?

    @Flag(help: "Project the workload recorded in a running gateway's usage ledger.")
    var fromLedger = false

    @Option(help: "With --from-ledger: how many days of the ledger to read (ending now).")
    var days: Int = 30

    @OptionGroup(title: "With --from-ledger")
    var admin: AdminOptions

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

    func run() async throws {
        let workload: Workload
        var per = self.per
        if fromLedger {
            guard tokens == nil else { throw ValidationError("--tokens and --from-ledger exclude each other") }
            guard (1...3660).contains(days) else { throw ValidationError("--days must be between 1 and 3660") }
            workload = try await ledgerWorkload()
            per = "month"
        } else {
            guard let tokens, let volume = TokenAmount.parse(tokens), volume > 0 else {
                throw ValidationError("--tokens must be a positive amount such as 10B, 1.5M or 250000, got '\(tokens ?? "")'")
            }
            guard let input = Decimal(exactly: inputShare), input >= 0, input <= 1 else {
                throw ValidationError("--input-share must be a decimal from 0 to 1, got '\(inputShare)'")
            }
            guard let cached = Decimal(exactly: cachedShare), cached >= 0, cached <= 1 else {
                throw ValidationError("--cached-share must be a decimal from 0 to 1, got '\(cachedShare)'")
            }
            workload = Workload(tokens: volume, inputShare: input, cachedShare: cached)
        }
        guard ["month", "day", "week", "year"].contains(per) else { throw ValidationError("--per must be month, day, week or year") }
        let volume = workload.tokens, input = workload.inputShare, cached = workload.cachedShare
        let gatewayConfig = try config.map(loadConfigOrExit)
        let catalog = gatewayConfig?.catalog ?? .builtIn
        let models = try ModelFilter(family: family, needs: needs, names: model).apply(to: catalog)
        print("\(TokenAmount.label(volume)) tokens per \(per): \(input.plainString(scale: 4)) input (\(cached.plainString(scale: 4)) of it cached), \((1 - input).plainString(scale: 4)) output\n")
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

extension CostCommand {
    /// The ledger's last `days` days, scaled to a month.
    private func ledgerWorkload() async throws -> Workload {
        let now = Date()
        let from = now.addingTimeInterval(-Double(days) * 86_400)
        let answer = try await AdminClient.call("GET", "/admin/usage?" + UsageCommand.queryString(from: ISO8601.format(from), to: nil, groupBy: "model"),
                                                options: admin)
        let groups = ((answer as? [String: Any])?["groups"] as? [[String: Any]] ?? []).map { g in
            UsageGroup(group: field(g, "group"), requests: Int(field(g, "requests")) ?? 0, errors: 0,
                       promptTokens: Int(field(g, "prompt_tokens")) ?? 0, completionTokens: Int(field(g, "completion_tokens")) ?? 0,
                       cachedTokens: Int(field(g, "cached_tokens")) ?? 0, reasoningTokens: 0,
                       cost: Decimal(exactly: field(g, "cost_usd")) ?? 0, unpricedRequests: 0, latencyP50Ms: 0, latencyP95Ms: 0, latencyP99Ms: 0)
        }
        guard let projection = LedgerProjection(groups: groups, from: from, to: now) else {
            printError("switchyard: the ledger has no tokens in the last \(days) days")
            throw ExitCode(1)
        }
        print("Recorded in the last \(days) days: \(TokenAmount.label(projection.recordedTokens)) tokens, $\(projection.recordedCost.usdString) on the models actually used.")
        print("Scaled to 30 days and priced on every model:\n")
        return projection.workload
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
            // Embeddings models are priced on input only: listed when asked for by name or capability.
            .filter { !names.isEmpty || $0.chats || required.contains(.embeddings) }
    }
}
