import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct CostProjectionTests {
    let catalog = Catalog.builtIn

    @Test func tokenAmounts() {
        #expect(TokenAmount.parse("10B") == 10_000_000_000)
        #expect(TokenAmount.parse("1.5M") == 1_500_000)
        #expect(TokenAmount.parse("250k") == 250_000)
        #expect(TokenAmount.parse("1,000,000") == 1_000_000)
        #expect(TokenAmount.parse("-5M") == nil)
        #expect(TokenAmount.parse("ten") == nil)
        #expect(TokenAmount.parse("") == nil)
        #expect(TokenAmount.label(10_000_000_000) == "10B")
    }

    /// The seed's scenario, computed right: 1B tokens on DeepSeek V4 Flash at $0.25/1M is $250,
    /// not $250,000; 100M tokens on Qwen3-32B is $28.
    @Test func seedScenario() throws {
        let flash = try #require(catalog.model(named: "deepseek-v4-flash"))
        for share in ["0", "0.3", "0.7", "1"] {
            let workload = Workload(tokens: 1_000_000_000, inputShare: Decimal(string: share)!)
            #expect(CostProjection.rows(workload, models: [flash]).first?.cost == 250)
        }
        let qwen = try #require(catalog.model(named: "Qwen/Qwen3-32B"))
        #expect(Workload(tokens: 100_000_000).cost(at: qwen.pricing!) == 28)
        let kimi = try #require(catalog.model(named: "kimi-k2.5"))
        #expect(Workload(tokens: 1_000_000_000).cost(at: kimi.pricing!) == 3000)
        // 10 billion tokens a month, the seed's third question.
        #expect(Workload(tokens: 10_000_000_000).cost(at: flash.pricing!) == 2500)
    }

    @Test func mixAndCacheUseTheirRates() {
        let pricing = Pricing(inputPer1M: 2, outputPer1M: 8, cachedInputPer1M: Decimal(string: "0.5")!, source: "t")
        let workload = Workload(tokens: 10_000_000, inputShare: Decimal(string: "0.7")!, cachedShare: Decimal(string: "0.4")!)
        // input 7M: 4.2M uncached × 2 = 8.4, 2.8M cached × 0.5 = 1.4; output 3M × 8 = 24 → 33.8
        #expect(workload.cost(at: pricing) == Decimal(string: "33.8"))
        #expect(workload.blendedRate(at: pricing) == Decimal(string: "3.38"))
    }

    @Test func rowsAreSortedCheapestFirstAndUnpricedLast() {
        let rows = CostProjection.rows(Workload(tokens: 1_000_000), models: catalog.models)
        let costs = rows.compactMap(\.cost)
        #expect(costs == costs.sorted())
        #expect(rows.last?.model.id == "glm-4.6v")
        #expect(rows.last?.cost == nil)
        #expect(Decimal(string: "250")!.usdString == "250.00")
        #expect(Decimal(string: "0.0000035")!.usdString == "0.000004")
    }

    @Test func multiRegionSplitUsesEachDeploymentsPrice() throws {
        let yaml = """
            providers:
              - name: qwen
                family: qwen
                deployments:
                  - {name: sg, region: ap-southeast-1, base_url: "https://a.example/v1", weight: 3, models: {Qwen/Qwen3-32B: qwen3-32b}}
                  - name: bj
                    region: cn-beijing
                    base_url: "https://b.example/v1"
                    weight: 1
                    models:
                      Qwen/Qwen3-32B: {id: qwen3-32b, pricing: {input: 0.2, output: 0.2}}
            """
        let config = try GatewayConfig.parse(yaml: yaml, file: "c.yaml", environment: [:])
        let model = try #require(config.catalog.model(named: "Qwen/Qwen3-32B"))
        let shares = CostProjection.split(Workload(tokens: 1_000_000_000), model: model, deployments: config.deployments)
        #expect(shares.map(\.tokens) == [750_000_000, 250_000_000])
        #expect(shares.map(\.cost) == [210, 50])
    }
}

@Suite struct RecommenderTests {
    func top(_ r: Recommender.Requirements) -> [String] {
        Recommender.rank(r, catalog: .builtIn).filter(\.eligible).map(\.model.id)
    }

    /// The seed's four profiles.
    @Test func seedProfiles() {
        // Budget and throughput, code, no vision → DeepSeek V4 Flash.
        let fast = top(.init(needs: [.code], budgetPer1M: Decimal(string: "0.5"), minTokensPerSecond: 60))
        #expect(fast == ["deepseek-v4-flash"])
        // Multimodal → Qwen.
        #expect(top(.init(needs: [.vision])).first == "Qwen/Qwen3-VL-32B")
        #expect(top(.init(needs: [.audio, .video])).first == "Qwen/Qwen3-Omni-30B")
        // High-stakes reasoning → Kimi K2.5.
        #expect(top(.init(needs: [.reasoning])).first == "kimi-k2.5")
        // Chinese central → GLM; on a tight budget the cheapest GLM.
        #expect(top(.init(needs: [.chinese])).first == "glm-5")
        // Qwen models are not marked chinese in the seed catalog but are not ruled out for it; GLM leads.
        #expect(top(.init(needs: [.chinese], budgetPer1M: Decimal(string: "0.1"))) == ["glm-4-9b", "Qwen/Qwen3-8B"])
        // Chinese documents with images → GLM-4.6V.
        #expect(top(.init(needs: [.vision, .chinese])).first == "glm-4.6v")
        // No special needs → start with DeepSeek V4 Flash.
        #expect(top(.init()).first == "deepseek-v4-flash")
    }

    @Test func reasonsExplainEachVerdict() throws {
        let ranked = Recommender.rank(.init(needs: [.vision], budgetPer1M: Decimal(string: "0.3")), catalog: .builtIn)
        let vl = try #require(ranked.first { $0.model.id == "Qwen/Qwen3-VL-32B" })
        #expect(!vl.eligible)
        #expect(vl.reasons.contains("✓ has vision"))
        #expect(vl.reasons.contains { $0.hasPrefix("✗ $0.52/1M over the $0.30 budget") })
        let glmv = try #require(ranked.first { $0.model.id == "glm-4.6v" })
        #expect(glmv.reasons.contains { $0.hasPrefix("✗ price unknown") })
    }

    @Test func measuredFiguresOverrideCatalogNotes() {
        var r = Recommender.Requirements(needs: [.code], minTokensPerSecond: 50, p99SLOMs: 800)
        r.measured = ["deepseek-v4-flash": .init(p99Ms: 1200, tokensPerSecond: 61), "Qwen/Qwen3-Coder-30B": .init(p99Ms: 500, tokensPerSecond: 55)]
        #expect(top(r) == ["Qwen/Qwen3-Coder-30B"])
    }

    @Test func configSnippetIsValidConfig() throws {
        let r = Recommender.Requirements(needs: [.reasoning])
        let snippet = try #require(Recommender.configSnippet(Recommender.rank(r, catalog: .builtIn), requirements: r))
        #expect(snippet.contains("kimi-k2.5:"))
        var yaml = "providers:\n  - name: all\n    family: openai\n    deployments:\n      - {name: d, simulated: true, models: {"
        yaml += Catalog.builtIn.models.map { JSONString.quoted($0.id) + ": " }.joined(separator: ", ") + "}}\n"
        let config = try GatewayConfig.parse(yaml: yaml + snippet, file: "snippet.yaml", environment: [:])
        #expect(config.routing.fallbacks(for: "kimi-k2.5") == ["Qwen/Qwen3.5-397B", "deepseek-v4-pro"])
        #expect(config.routing.policy.rules.first?.name == "recommended")
    }
}
