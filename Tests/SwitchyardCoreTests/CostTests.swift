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

    @Test func picodollarsBecomeDollarsExactly() {
        for value: Int64 in [0, 1, -1, 5, -5, 357_000_000, 2_856_000_000, 1_000_000_000_000, -1_000_000_000_000, 123_456_789_012_345,
                             999_999_999_999, .max, .min, .min + 1] {
            let divided = Decimal(value) / Picodollars.perDollar
            #expect(Picodollars.usd(value) == divided, "\(value)")
            #expect(Picodollars.usd(value).plainString(scale: 12) == divided.plainString(scale: 12), "\(value)")
            #expect(Picodollars.usd(value).description == divided.description, "\(value)")
        }
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

    /// Integer picodollars (the hot path) and exact Decimal agree on every catalog price, and
    /// print the same digits.
    @Test func picodollarPathMatchesDecimalArithmetic() throws {
        let usages = [TokenUsage(promptTokens: 12, completionTokens: 7), TokenUsage(promptTokens: 1, completionTokens: 0),
                      TokenUsage(promptTokens: 123_457, completionTokens: 98_765, cachedPromptTokens: 40_000),
                      TokenUsage(promptTokens: 700_000_000, completionTokens: 300_000_000)]
        for model in Catalog.builtIn.models {
            guard let pricing = model.pricing else { continue }
            #expect(pricing.picodollarsPerToken != nil, "\(model.id) has a price with more than six decimals per 1M")
            for usage in usages {
                let cost = Cost.of(usage, at: pricing)
                let cached = min(usage.cachedPromptTokens, usage.promptTokens)
                let exact = (Decimal(usage.promptTokens - cached) * pricing.inputPer1M + Decimal(cached) * pricing.cachedInputPer1M
                    + Decimal(usage.completionTokens) * pricing.outputPer1M) / 1_000_000
                #expect(cost == .usd(exact), "\(model.id)")
                #expect(cost.headerValue == exact.plainString(scale: 12), "\(model.id)")
                #expect(cost.picodollars == Picodollars.from(exact))
            }
        }
    }

    @Test func pricesWithMoreThanSixDecimalsFallBackToDecimal() {
        let pricing = Pricing(inputPer1M: Decimal(string: "0.0000001")!, outputPer1M: 1, cachedInputPer1M: 1, source: "test")
        #expect(pricing.picodollarsPerToken == nil)
        // 10M tokens at $0.0000001 per 1M.
        let cost = Cost.of(TokenUsage(promptTokens: 10_000_000, completionTokens: 0), at: pricing)
        #expect(cost.headerValue == "0.000001")
        var changed = pricing
        changed.inputPer1M = 2
        #expect(changed.picodollarsPerToken == Pricing.PicodollarRates(input: 2_000_000, output: 1_000_000, cachedInput: 1_000_000))
    }

    @Test func picodollarsPrintAsPlainDecimals() {
        #expect(Cost.picodollars(2_600_000).headerValue == "0.0000026")
        #expect(Cost.picodollars(250_000_000_000_000).headerValue == "250")
        #expect(Cost.picodollars(1).headerValue == "0.000000000001")
        #expect(Cost.picodollars(1_500_000_000_000).headerValue == "1.5")
        #expect(Cost.picodollars(0).headerValue == "0")
        #expect(Cost.unknown.headerValue == "unknown")
        #expect(Cost.unknown != .picodollars(0))
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
