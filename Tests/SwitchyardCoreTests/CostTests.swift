import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct CostTests {
    func price(_ id: String) throws -> Pricing { try #require(Catalog.builtIn.model(named: id)?.pricing) }

    /// The seed says $250,000 for 1B tokens on DeepSeek V4 Flash: 1,000× too high.
    @Test func seedScenarioIsComputedCorrectly() throws {
        let billion = TokenUsage(promptTokens: 700_000_000, completionTokens: 300_000_000)
        #expect(Cost.of(billion, at: try price("deepseek-v4-flash")) == .usd(250))
        #expect(Cost.of(billion, at: try price("Qwen/Qwen3-32B")) == .usd(280))
        #expect(Cost.of(billion, at: try price("kimi-k2.5")) == .usd(3000))
        let hundredMillion = TokenUsage(promptTokens: 100_000_000, completionTokens: 0)
        #expect(Cost.of(hundredMillion, at: try price("Qwen/Qwen3-32B")) == .usd(28))
    }

    @Test func smallCallsAreExactNotFloatingPoint() throws {
        // 0.1 + 0.2 style traps: 3 tokens at $0.01/1M is exactly 0.00000003.
        let cost = Cost.of(TokenUsage(promptTokens: 2, completionTokens: 1), at: try price("Qwen/Qwen3-8B"))
        #expect(cost.headerValue == "0.00000003")
        let flash = Cost.of(TokenUsage(promptTokens: 9, completionTokens: 5), at: try price("deepseek-v4-flash"))
        #expect(flash.headerValue == "0.0000035")
    }

    @Test func cachedAndReasoningTokens() {
        let pricing = Pricing(inputPer1M: 2, outputPer1M: 8, cachedInputPer1M: Decimal(string: "0.5")!, source: "test")
        // 1,000 prompt tokens of which 400 cached; 500 completion tokens of which 200 reasoning.
        let usage = TokenUsage(promptTokens: 1000, completionTokens: 500, cachedPromptTokens: 400, reasoningTokens: 200)
        // 600*2 + 400*0.5 + 500*8 = 1200 + 200 + 4000 = 5400 per 1M → 0.0054
        #expect(Cost.of(usage, at: pricing) == .usd(Decimal(string: "0.0054")!))
        // Cached tokens above the prompt count cannot make the bill negative.
        let odd = TokenUsage(promptTokens: 10, completionTokens: 0, cachedPromptTokens: 50)
        #expect(Cost.of(odd, at: pricing) == .usd(Decimal(string: "0.000005")!))
    }

    @Test func decimalParsingIsStrict() {
        #expect(Decimal(exactly: "0.25") == Decimal(string: "0.25"))
        #expect(Decimal(exactly: "1e3") == nil)
        #expect(Decimal(exactly: "0,25") == nil)
        #expect(Decimal(exactly: "") == nil)
        #expect(Decimal(exactly: "abc") == nil)
        #expect(Decimal(250).plainString() == "250")
        #expect(Decimal(string: "2.5")!.priceString == "2.50")
        #expect(Decimal(3).priceString == "3.00")
        #expect(Decimal(string: "0.014")!.priceString == "0.014")
        #expect(Cost.unknown.headerValue == "unknown")
    }
}
