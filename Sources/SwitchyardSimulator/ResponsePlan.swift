import SwitchyardCore

/// The draw for one request (fault, time to first token, length) and its rendering into a
/// scripted response.
struct ResponsePlan {
    var request: SimulatedRequest
    var model: CatalogModel
    var fault: SimulatedFault?
    var faultAfter: Int
    var ttft: Duration
    var tokenInterval: Duration
    var keepAliveInterval: Duration?
    var contentTokens: [String]
    var reasoningTokens: [String]
    var finishReason: String
    var echoText: String?
    var toolCall: (id: String, name: String)?

    init(request: SimulatedRequest, model: CatalogModel, profile: SimulationProfile, fast: Bool, inFlight: Int,
         rng: inout SeededRandom, headers: [(String, String)]) {
        self.request = request
        self.model = model
        let d = request.directives

        // Every draw happens, in the same order, whatever the directives say: so a directive on
        // one request never shifts the draws of the next.
        let faultDraw = rng.unit()
        let ttftDraw = rng.logNormal(median: profile.ttftMs, sigma: profile.ttftJitter)
        let lengthDraw = profile.outputTokens.lowerBound
            + Int(rng.next() % UInt64(profile.outputTokens.count))

        fault = d.fault ?? Self.pickFault(faultDraw, rates: profile.faultRates)
        faultAfter = d.faultAfter
        var ttftMs = d.ttftMs ?? ttftDraw
        if let knee = profile.concurrencyKnee, inFlight > knee {
            ttftMs += Double(inFlight - knee) * profile.overloadMsPerRequest
        }
        let tps = d.tokensPerSecond ?? profile.tokensPerSecond
        ttft = fast ? .zero : .microseconds(Int64(ttftMs * 1000))
        tokenInterval = fast || tps <= 0 ? .zero : .microseconds(Int64(1_000_000 / tps))
        keepAliveInterval = model.family == .deepseek && !fast ? .microseconds(Int64(profile.keepAliveMs * 1000)) : nil

        var length = d.tokens ?? lengthDraw
        finishReason = "stop"
        if let cap = request.maxTokens, cap < length {
            length = max(0, cap)
            finishReason = "length"
        }
        let thinking = request.thinking ?? (model.capabilities.contains(.reasoning) && model.family != .qwen)
        let reasoningCount = thinking && model.capabilities.contains(.reasoning) ? min(16, max(1, length / 4)) : 0
        reasoningTokens = TextGenerator.tokens(count: reasoningCount, rng: &rng)
        contentTokens = TextGenerator.tokens(count: length, rng: &rng)

        if d.echo {
            echoText = Self.echo(request: request, headers: headers)
            contentTokens = [echoText!]
        }
        if let tool = request.firstToolName, d.toolCall || request.toolChoiceRequired {
            toolCall = ("call_sim_\(rng.next() % 1_000_000)", tool)
            contentTokens = []
            finishReason = "tool_calls"
        }
    }

    private static func pickFault(_ draw: Double, rates: [SimulatedFault: Double]) -> SimulatedFault? {
        var edge = 0.0
        for fault in SimulatedFault.allCases {
            edge += max(0, rates[fault] ?? 0)
            if draw < edge { return fault }
        }
        return nil
    }

    private static func echo(request: SimulatedRequest, headers: [(String, String)]) -> String {
        var out = "{\"body\":" + String(decoding: request.document.bytes, as: UTF8.self) + ",\"headers\":{"
        // Credentials are masked: an echo must never hand a key back.
        out += headers.map { name, value in
            let lower = name.lowercased()
            let shown = lower == "authorization" || lower.contains("key") || lower == "cookie" ? maskCredential(value) : value
            return JSONString.quoted(lower) + ":" + JSONString.quoted(shown)
        }.joined(separator: ",")
        return out + "}}"
    }

    /// Completion tokens as a tokenizer would count the text (echo text is counted by size).
    private var completionTokenCount: Int {
        if let echoText { return TextGenerator.estimatePromptTokens(textBytes: echoText.utf8.count, messages: 0) }
        return contentTokens.count + reasoningTokens.count + (toolCall == nil ? 0 : 8)
    }

    func render(wire: WireFormat, ticket: InFlightTicket) -> SimulatedResponse {
        let commonHeaders: [(String, String)] = [
            ("x-request-id", wire.id),
            ("set-cookie", "sim_session=\(wire.id); Path=/; HttpOnly"),
            ("x-ratelimit-remaining-requests", "999"),
        ]
        if let fault, fault != .midStream, fault != .drop, fault != .timeout {
            let (status, body) = wire.error(fault)
            var headers = commonHeaders
            if fault == .rateLimit && model.family == .openai { headers.append(("retry-after", "2")) }
            var steps: [SimulatedBody.Step] = ttft > .zero ? [.wait(min(ttft, .milliseconds(50)))] : []
            steps.append(.bytes(Array(body.utf8)))
            return SimulatedResponse(status: status, headers: [("content-type", "application/json")] + headers,
                                     body: SimulatedBody(steps: steps, ticket: ticket))
        }
        var steps: [SimulatedBody.Step] = []
        if fault == .timeout {
            steps.append(.hang)
            return SimulatedResponse(status: 200, headers: [("content-type", request.stream ? "text/event-stream" : "application/json")] + commonHeaders,
                                     body: SimulatedBody(steps: steps, ticket: ticket))
        }
        let usage = wire.usageJSON(prompt: request.promptTokens, completion: completionTokenCount, reasoning: reasoningTokens.count)
        if request.stream {
            appendWaitWithKeepAlives(&steps, total: ttft, keepAlive: Array(": keep-alive\n\n".utf8))
            steps.append(.bytes(SSEWriter.data(Array(wire.roleChunk().utf8))))
            for token in reasoningTokens {
                steps.append(.bytes(SSEWriter.data(Array(wire.reasoningChunk(token).utf8))))
                if tokenInterval > .zero { steps.append(.wait(tokenInterval)) }
            }
            if let toolCall {
                steps.append(.bytes(SSEWriter.data(Array(wire.toolCallChunk(id: toolCall.id, name: toolCall.name).utf8))))
            }
            for (index, token) in contentTokens.enumerated() {
                if let early = failure(atContentChunk: index, wire: wire) { steps.append(early); return streamResponse(steps, commonHeaders, ticket) }
                steps.append(.bytes(SSEWriter.data(Array(wire.contentChunk(token).utf8))))
                if tokenInterval > .zero { steps.append(.wait(tokenInterval)) }
            }
            if let late = failure(atContentChunk: contentTokens.count, wire: wire) { steps.append(late); return streamResponse(steps, commonHeaders, ticket) }
            for chunk in wire.closingChunks(finishReason: finishReason, usage: usage, includeUsage: request.includeUsage) {
                steps.append(.bytes(SSEWriter.data(Array(chunk.utf8))))
            }
            steps.append(.bytes(SSEWriter.done))
            return streamResponse(steps, commonHeaders, ticket)
        }
        // Non-streaming: the whole answer after the generation time. DeepSeek sends blank lines
        // while the request is queued.
        let generation = tokenInterval * (contentTokens.count + reasoningTokens.count)
        appendWaitWithKeepAlives(&steps, total: ttft + generation, keepAlive: [0x0A])
        if fault == .drop || fault == .midStream {
            steps.append(.drop)
        } else {
            let body = wire.completion(
                content: toolCall == nil ? contentTokens.joined() : nil,
                reasoning: reasoningTokens.isEmpty ? nil : reasoningTokens.joined(),
                toolCall: toolCall, finishReason: finishReason, usage: usage)
            steps.append(.bytes(Array(body.utf8)))
        }
        return SimulatedResponse(status: 200, headers: [("content-type", "application/json")] + commonHeaders,
                                 body: SimulatedBody(steps: steps, ticket: ticket))
    }

    private func failure(atContentChunk index: Int, wire: WireFormat) -> SimulatedBody.Step? {
        guard index == faultAfter else { return nil }
        switch fault {
        case .midStream: return .bytes(SSEWriter.data(Array(wire.midStreamError().utf8)))
        case .drop: return .drop
        default: return nil
        }
    }

    private func streamResponse(_ steps: [SimulatedBody.Step], _ headers: [(String, String)], _ ticket: InFlightTicket) -> SimulatedResponse {
        SimulatedResponse(status: 200, headers: [("content-type", "text/event-stream"), ("cache-control", "no-cache")] + headers,
                          body: SimulatedBody(steps: steps, ticket: ticket))
    }

    private func appendWaitWithKeepAlives(_ steps: inout [SimulatedBody.Step], total: Duration, keepAlive: [UInt8]) {
        guard total > .zero else { return }
        guard let interval = keepAliveInterval, interval > .zero, total > interval else {
            steps.append(.wait(total))
            return
        }
        var left = total
        while left > interval {
            steps.append(.wait(interval))
            steps.append(.bytes(keepAlive))
            left -= interval
        }
        steps.append(.wait(left))
    }
}

/// `Bearer sim-key-123` → `Bearer sim-***`: enough to tell keys apart, not enough to use one.
func maskCredential(_ value: String) -> String {
    let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
    let token = parts.last ?? ""
    let masked = String(token.prefix(4)) + "***"
    return parts.count == 2 ? parts[0] + " " + masked : masked
}
