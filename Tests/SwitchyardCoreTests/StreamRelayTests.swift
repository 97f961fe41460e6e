import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct StreamRelayTests {
    let pricing = Pricing.flat(3, source: "test")

    func chunk(_ choices: String, usage: String? = nil) -> String {
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":\(choices)" + (usage.map { ",\"usage\":\($0)" } ?? "") + "}\n\n"
    }
    let role = "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]"
    let hello = "[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]"
    let stop = "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]"
    let usage = "{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}"

    func run(_ text: String, wantsUsage: Bool, family: ModelFamily = .openai) -> (String, StreamRelay) {
        var relay = StreamRelay(clientWantsUsage: wantsUsage, adapter: ProviderAdapters.adapter(for: family), pricing: pricing)
        var out = relay.consume(Array(text.utf8))
        out += relay.finish()
        return (String(decoding: out, as: UTF8.self), relay)
    }

    @Test func usageChunkIsStrippedWhenNotAskedAndCostGoesToAComment() {
        let text = chunk(role) + chunk(hello) + chunk(stop) + chunk("[]", usage: usage) + "data: [DONE]\n\n"
        let (out, relay) = run(text, wantsUsage: false)
        #expect(relay.outcome == .completed)
        #expect(relay.usage == TokenUsage(promptTokens: 10, completionTokens: 5))
        #expect(!out.contains("\"choices\":[]"))
        #expect(out.contains(": x-switchyard-cost-usd=0.000045\n\n"))
        #expect(out.hasSuffix("data: [DONE]\n\n"))
    }

    @Test func usageChunkGetsCostWhenAsked() {
        let text = chunk(role) + chunk(hello) + chunk(stop) + chunk("[]", usage: usage) + "data: [DONE]\n\n"
        let (out, _) = run(text, wantsUsage: true)
        #expect(out.contains("\"total_tokens\":15,\"cost_usd\":\"0.000045\"}"))
        #expect(out.components(separatedBy: "\"choices\":[]").count == 2)
    }

    /// Kimi repeats usage inside choices[0] and at top level: counted once, not twice.
    @Test func kimiDoubleUsageCountsOnce() {
        let finish = "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"usage\":\(usage)}]"
        let text = chunk(hello) + chunk(finish) + chunk("[]", usage: usage) + "data: [DONE]\n\n"
        let (_, relay) = run(text, wantsUsage: true, family: .kimi)
        #expect(relay.usage == TokenUsage(promptTokens: 10, completionTokens: 5))
        #expect(relay.cost == .usd(Decimal(string: "0.000045")!))
    }

    /// GLM sends usage only on the finish chunk: a client that asked for usage still gets the
    /// usage-only chunk OpenAI's contract promises.
    @Test func missingUsageChunkIsSynthesised() {
        let text = chunk(hello) + chunk(stop, usage: usage) + "data: [DONE]\n\n"
        let (out, _) = run(text, wantsUsage: true, family: .glm)
        #expect(out.contains("\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15"))
        #expect(out.hasSuffix("data: [DONE]\n\n"))
    }

    /// DeepSeek puts usage on the finish chunk too: the client sees it once, on the usage chunk.
    @Test func finishChunkUsageBecomesNull() {
        let text = chunk(hello) + chunk(stop, usage: usage) + chunk("[]", usage: usage) + "data: [DONE]\n\n"
        let (asked, _) = run(text, wantsUsage: true, family: .deepseek)
        #expect(asked.components(separatedBy: "\"prompt_tokens\"").count == 2)
        #expect(asked.contains("\"finish_reason\":\"stop\"}],\"usage\":null}"))
        let (notAsked, relay) = run(text, wantsUsage: false, family: .deepseek)
        #expect(!notAsked.contains("\"prompt_tokens\""))
        #expect(relay.usage == TokenUsage(promptTokens: 10, completionTokens: 5))
    }

    @Test func keepAlivesBeforeStartAreDroppedAfterStartForwarded() {
        var relay = StreamRelay(clientWantsUsage: false, adapter: OpenAIAdapter(), pricing: pricing)
        #expect(relay.consume(Array(": keep-alive\n\n".utf8)).isEmpty)
        #expect(!relay.started)
        _ = relay.consume(Array(chunk(role).utf8))
        #expect(!relay.started, "a role-only chunk is not a start")
        let out = relay.consume(Array((chunk(hello) + ": ping\n\n").utf8))
        #expect(relay.started && relay.sawContent)
        #expect(String(decoding: out, as: UTF8.self).hasSuffix(": ping\n\n"))
    }

    @Test func midStreamErrorIsAFailureClassifiedByTheAdapter() {
        let text = chunk(hello) + "data: {\"error\":{\"code\":\"data_inspection_failed\",\"message\":\"bad\"}}\n\n"
        let (_, relay) = run(text, wantsUsage: false, family: .qwen)
        #expect(relay.outcome == .failed(.contentFilter, message: "bad", code: "data_inspection_failed"))
    }

    @Test func endWithoutDoneIsAFailure() {
        let (_, relay) = run(chunk(hello), wantsUsage: false)
        guard case .failed(.server, _, _) = relay.outcome else {
            Issue.record("expected a failure, got \(relay.outcome)")
            return
        }
    }

    @Test func reasoningStartsTheStreamButIsNotContent() {
        var relay = StreamRelay(clientWantsUsage: false, adapter: DeepSeekAdapter(), pricing: pricing)
        _ = relay.consume(Array(chunk("[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"},\"finish_reason\":null}]").utf8))
        #expect(relay.started)
        #expect(!relay.sawContent)
    }

    @Test func glmSensitiveFinishIsFlagged() {
        let text = chunk(hello) + chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"sensitive\"}]") + "data: [DONE]\n\n"
        let (_, relay) = run(text, wantsUsage: false, family: .glm)
        #expect(relay.finishFailure == .contentFilter)
    }
}
