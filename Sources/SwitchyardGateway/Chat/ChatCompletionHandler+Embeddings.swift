import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

extension ChatCompletionHandler {
    /// `POST /v1/embeddings`: the chat pipeline with another front door. Parsed, planned
    /// (models with the `embeddings` capability), restricted to the key's models, admitted
    /// (the input estimate against TPM, its cost against the budget), executed with the same
    /// attempts, failover, retries and breakers, and finished by the same `finish` (ledger row
    /// with front `embeddings`).
    @inline(never)
    func answerEmbeddings(_ call: inout ChatCall, snapshot: GatewaySnapshot, headers: HTTPHeaders, body: ByteBuffer, maxBodyBytes: Int,
                          client: some ChatClient, logger: Logger) async throws(OpenAIError) -> CallEnd {
        let (planner, pool, executor) = (snapshot.planner, snapshot.pool, snapshot.executor)
        guard body.readableBytes <= maxBodyBytes else { throw .bodyTooLarge(limit: maxBodyBytes) }
        let request = try EmbeddingsRequest(body: Array(buffer: body))
        call.requestedModel = String(request.model.prefix(256))
        let estimate = request.estimatedPromptTokens
        call.promptEstimate = estimate
        var plan = try planner.planEmbeddings(request)
        if let key = call.key, !key.allowedModels.isEmpty {
            plan.models = plan.models.filter(key.allows)
            guard !plan.models.isEmpty else { throw Self.notAllowed(request.model, key: key) }
        }
        call.trace.route = plan.rule
        call.trace.model = plan.models.first?.id
        let region = headers.first(name: "x-switchyard-region").flatMap { $0.isEmpty ? nil : String($0.prefix(64)) } ?? call.key?.region
        let (candidates, skipped) = pool.candidates(for: plan.models, preferredRegion: region)
        if let access, call.key != nil || call.batch != nil {
            // Embeddings have no output: the worst case is the input estimate at the dearest candidate.
            let worstCase = candidates.compactMap { Cost.of(TokenUsage(promptTokens: estimate), at: $0.pricing).picodollars }.max() ?? 0
            try admit(&call, access: access, estimatedTokens: estimate, worstCase: worstCase)
        }
        let deadline = call.started + executor.timeouts(for: plan.models[0]).total
        let prepared = try await attempt(.embeddings(request), call: &call, executor: executor, candidates: candidates, skipped: skipped,
                                         routeTimeouts: nil, deadline: deadline, logger: logger)
        // The attempt checked the answer's shape (`Attempt.run`); a streamed answer cannot happen.
        guard case .complete(let answerBody, let reported) = prepared.answer,
              let document = try? JSONDocument(bytes: answerBody),
              let answer = try? EmbeddingsResponse(document: document, expected: request.inputs.count) else {
            throw OpenAIError(.upstreamBadResponse, "The upstream's embeddings answer could not be read.")
        }
        // Without the upstream's usage the call is billed the gateway's estimate, and says so.
        let usage = reported ?? TokenUsage(promptTokens: estimate)
        let cost = Cost.of(usage, at: prepared.candidate.pricing)
        call.trace.cost = cost
        var responseHeaders = call.trace.headers()
        responseHeaders.append(("content-type", "application/json"))
        let rendered = answer.render(model: prepared.candidate.model.id, encoding: request.encoding, usage: usage)
        await client.sendWhole(status: 200, headers: responseHeaders, body: ByteBuffer(bytes: rendered))
        return CallEnd(status: 200, usage: usage, usageSource: reported == nil ? .estimated : .upstream, cost: cost)
    }
}
