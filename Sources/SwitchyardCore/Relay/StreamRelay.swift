import Foundation

/// The pure part of relaying one upstream SSE stream to a client: what to forward, what to
/// drop, what to add, and what the stream told us (usage, first token, failure).
///
/// The gateway feeds it the upstream's bytes as they arrive and writes out what it returns.
/// It never buffers more than one unfinished event. Rules (provider-apis.md §6):
/// - `: comment` keep-alives are forwarded once the stream has started, dropped before;
/// - usage is taken from any chunk (top level or `choices[0].usage`), the last one wins, so
///   Kimi's double usage counts once;
/// - the client sees usage on one chunk at most: the usage-only chunk, with `cost_usd`, and
///   only if it asked for usage. Top-level usage on other chunks (DeepSeek's and GLM's finish
///   chunk) becomes `null`; if the upstream sent no usage-only chunk (GLM), one is added
///   before `[DONE]`. A client that did not ask gets the cost as an SSE comment;
/// - `data: {"error": …}` is a failure, classified by the provider's adapter;
/// - the stream "starts" at its first chunk with content, reasoning, tool calls or a finish
///   reason. Until then nothing has to reach the client, so a failure is still an HTTP error;
/// - usage no real call produces (`TokenUsage.implausibility`) is a bad response: the stream
///   fails and the usage is not kept (the call is then billed by estimate);
/// - every chunk that carries content or reasoning counts as one relayed completion token
///   (`relayedTokens`): OpenAI-compatible upstreams stream one token per delta, and a call cut
///   short before its usage arrived is billed by that count;
/// - with a `recorder` (a call the response cache may store), every chunk is also recorded.
package struct StreamRelay {
    package enum Outcome: Sendable, Equatable {
        case streaming
        /// `[DONE]` arrived.
        case completed
        /// The upstream reported an error inside the stream.
        case failed(UpstreamErrorClass, message: String?, code: String?)
    }

    private var parser = SSEParser()
    private let clientWantsUsage: Bool
    private let adapter: any ProviderAdapter
    private let pricing: Pricing?
    private let contextWindow: Int?
    package private(set) var started = false
    /// Chunks with content or reasoning passed on so far (≈ completion tokens relayed).
    package private(set) var relayedTokens = 0
    package private(set) var sawContent = false
    package private(set) var usage: TokenUsage?
    package private(set) var outcome: Outcome = .streaming
    private var forwardedUsageOnlyChunk = false
    private var lastChunkHeader: (id: String, created: String, model: String)?
    /// The finish reasons the stream gave, in order (for traces).
    package private(set) var finishReasons: [String] = []
    /// Set when a finish reason says the answer was cut by a filter or an upstream fault.
    package private(set) var finishFailure: UpstreamErrorClass?
    /// Records the answer for the response cache (nil, the usual case: nothing is recorded).
    package var recorder: AnswerRecorder?

    package init(clientWantsUsage: Bool, adapter: any ProviderAdapter, pricing: Pricing?, contextWindow: Int? = nil) {
        self.clientWantsUsage = clientWantsUsage
        self.adapter = adapter
        self.pricing = pricing
        self.contextWindow = contextWindow
    }

    /// Processes upstream bytes; returns the bytes to send to the client.
    package mutating func consume(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        guard outcome == .streaming else { return [] }
        let events: [SSEEvent]
        do {
            events = try parser.feed(bytes)
        } catch {
            outcome = .failed(.badResponse, message: "an upstream event exceeded the size limit", code: nil)
            return []
        }
        var out: [UInt8] = []
        for event in events where outcome == .streaming {
            out += handle(event)
        }
        return out
    }

    /// The upstream closed the stream. Returns any final bytes.
    package mutating func finish() -> [UInt8] {
        guard outcome == .streaming else { return [] }
        var out: [UInt8] = []
        for event in parser.finish() where outcome == .streaming { out += handle(event) }
        if outcome == .streaming {
            outcome = .failed(.server, message: "the upstream closed the stream before [DONE]", code: nil)
        }
        return out
    }

    package var cost: Cost? { usage.map { Cost.of($0, at: pricing) } }

    /// The `id` of the stream's first chunk that had one.
    package var responseID: String? { lastChunkHeader?.id }
    /// The `model` the upstream named on its chunks.
    package var responseModel: String? { lastChunkHeader?.model }

    private mutating func handle(_ event: SSEEvent) -> [UInt8] {
        switch event {
        case .comment(let text):
            return started ? SSEWriter.comment(text) : []
        case .data(let payload):
            if payload.elementsEqual("[DONE]".utf8) {
                outcome = .completed
                started = true
                return closingBytes()
            }
            guard let chunk = StreamChunk(payload: payload) else {
                // Not JSON: pass it on untouched rather than guess.
                started = true
                return SSEWriter.data(payload)
            }
            if chunk.error != nil {
                let body = UpstreamErrorBody(document: chunk.document, object: chunk.document.root)
                let errorClass = adapter.classify(status: 500, error: body)
                outcome = .failed(errorClass, message: body.message, code: body.code)
                return []
            }
            rememberHeader(chunk)
            if let usage = chunk.usage {
                if let problem = usage.implausibility(contextWindow: contextWindow) {
                    outcome = .failed(.badResponse, message: "the upstream reported impossible usage: \(problem)", code: nil)
                    return []
                }
                self.usage = usage.normalized
            }
            if recorder != nil { recorder!.record(chunk) }
            if chunk.hasContent || chunk.hasReasoning { relayedTokens += 1 }
            if let reason = chunk.finishReason {
                if finishReasons.count < 16 { finishReasons.append(reason) }
                if let failure = adapter.failure(forFinishReason: reason) { finishFailure = failure }
            }
            if chunk.hasContent { sawContent = true }
            if chunk.hasContent || chunk.hasReasoning || chunk.finishReason != nil || chunk.isUsageOnly { started = true }
            if chunk.isUsageOnly {
                guard clientWantsUsage, let usage = chunk.usage,
                      let withCost = chunk.addingToUsage(key: "cost_usd", json: costJSON(usage)) else { return [] }
                forwardedUsageOnlyChunk = true
                return SSEWriter.data(withCost)
            }
            // DeepSeek and GLM also put usage on the finish chunk: OpenAI's contract is
            // `"usage": null` there, with usage only on the usage-only chunk (added at the end
            // if the upstream did not send one), so that no client counts it twice.
            if let topLevelUsage = chunk.document.member("usage", of: chunk.document.root), topLevelUsage.kind == .object {
                var edits = ByteEdits()
                edits.replace(topLevelUsage.range, with: "null")
                return SSEWriter.data(edits.applied(to: payload))
            }
            return SSEWriter.data(payload)
        }
    }

    private func costJSON(_ usage: TokenUsage) -> String {
        let cost = Cost.of(usage, at: pricing)
        return cost.isKnown ? JSONString.quoted(cost.headerValue) : "null"
    }

    private mutating func rememberHeader(_ chunk: StreamChunk) {
        let d = chunk.document
        guard lastChunkHeader == nil,
              let id = d.member("id", of: d.root).flatMap(d.string),
              let model = d.member("model", of: d.root).flatMap(d.string) else { return }
        let created = d.member("created", of: d.root).map { String(decoding: d.raw($0), as: UTF8.self) } ?? "0"
        lastChunkHeader = (id, created, model)
    }

    /// What goes before `[DONE]`: a usage chunk the upstream did not send, or the cost as a
    /// comment for clients that did not ask for usage.
    private func closingBytes() -> [UInt8] {
        var out: [UInt8] = []
        if let usage {
            if clientWantsUsage && !forwardedUsageOnlyChunk {
                let header = lastChunkHeader ?? ("chatcmpl-switchyard", "0", "")
                var json = "{\"id\":\(JSONString.quoted(header.id)),\"object\":\"chat.completion.chunk\",\"created\":\(header.created)"
                json += ",\"model\":\(JSONString.quoted(header.model)),\"choices\":[],\"usage\":{\"prompt_tokens\":\(usage.promptTokens)"
                json += ",\"completion_tokens\":\(usage.completionTokens),\"total_tokens\":\(usage.totalTokens)"
                json += ",\"prompt_tokens_details\":{\"cached_tokens\":\(usage.cachedPromptTokens)}"
                json += ",\"completion_tokens_details\":{\"reasoning_tokens\":\(usage.reasoningTokens)}"
                json += ",\"cost_usd\":\(costJSON(usage))}}"
                out += SSEWriter.data(Array(json.utf8))
            } else if !clientWantsUsage {
                out += SSEWriter.comment(Array("x-switchyard-cost-usd=\(Cost.of(usage, at: pricing).headerValue)".utf8))
            }
        }
        out += SSEWriter.done
        return out
    }
}
