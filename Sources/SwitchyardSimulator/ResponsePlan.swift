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
    var choices: [SimulatedChoice] = []
    var echoText: String?
    /// The family refuses the request as sent (a 400 in its dialect).
    var problem: RequestProblem?

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

        // The provider checks the request before anything else can happen; a directive's fault
        // is an explicit ask and comes first, and `echo` shows any request as the upstream got it.
        let thinking = model.thinking.isOn(requested: request.thinking)
        if d.fault == nil && !d.echo {
            if let problem = FamilyRules.problem(request, model: model, thinking: thinking) {
                self.problem = problem
                return
            }
            if request.promptTokens > model.contextWindow { fault = .contextLength }
        }
        if d.echo { echoText = Self.echo(request: request, headers: headers) }
        let generator = AnswerGenerator(request: request, family: model.family, thinking: thinking)
        choices = (0..<request.n).map { _ in generator.choice(length: d.tokens ?? lengthDraw, echoText: echoText, rng: &rng) }
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

    /// Completion tokens: what every choice generated (echo text is counted by size).
    private var completionTokenCount: Int {
        if let echoText { return request.n * TextGenerator.estimatePromptTokens(textBytes: echoText.utf8.count, messages: 0) }
        return choices.reduce(0) { $0 + $1.tokenCount }
    }

    private var reasoningTokenCount: Int { choices.reduce(0) { $0 + $1.reasoning.count } }

    func render(wire: WireFormat, ticket: InFlightTicket) -> SimulatedResponse {
        let commonHeaders: [(String, String)] = [
            ("x-request-id", wire.id),
            ("set-cookie", "sim_session=\(wire.id); Path=/; HttpOnly"),
            ("x-ratelimit-remaining-requests", "999"),
        ]
        if let problem {
            let (status, body) = wire.invalidRequest(problem)
            return SimulatedResponse(status: status, headers: [("content-type", "application/json")] + commonHeaders,
                                     body: SimulatedBody(steps: [.bytes(Array(body.utf8))], ticket: ticket))
        }
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
        let usage = wire.usageJSON(prompt: request.promptTokens, completion: completionTokenCount, reasoning: reasoningTokenCount)
        if request.stream {
            appendWaitWithKeepAlives(&steps, total: ttft, keepAlive: Array(": keep-alive\n\n".utf8))
            func send(_ chunk: String) {
                steps.append(.bytes(SSEWriter.data(Array(chunk.utf8))))
                if tokenInterval > .zero { steps.append(.wait(tokenInterval)) }
            }
            let fragmentArguments = FamilyRules.streamsToolArguments(request, family: model.family)
            var contentSent = 0
            for (index, choice) in choices.enumerated() {
                steps.append(.bytes(SSEWriter.data(Array(wire.roleChunk(index: index).utf8))))
                // `after=0`: the failure comes before anything of the answer, reasoning included.
                if index == 0, faultAfter == 0, let early = failure(atContentChunk: 0, wire: wire) {
                    steps.append(early)
                    return streamResponse(steps, commonHeaders, ticket)
                }
                for token in choice.reasoning { send(wire.reasoningChunk(token, index: index)) }
                for (n, call) in choice.toolCalls.enumerated() {
                    if fragmentArguments {
                        send(wire.toolCallStart(index: index, call: n, id: call.id, name: call.name, arguments: ""))
                        for fragment in call.fragments { send(wire.toolCallFragment(index: index, call: n, arguments: fragment)) }
                    } else {
                        send(wire.toolCallStart(index: index, call: n, id: call.id, name: call.name, arguments: call.arguments))
                    }
                }
                for (n, token) in choice.content.enumerated() {
                    if let early = failure(atContentChunk: contentSent, wire: wire) { steps.append(early); return streamResponse(steps, commonHeaders, ticket) }
                    send(wire.contentChunk(token, index: index, logprob: choice.logprobs?[n]))
                    contentSent += 1
                }
            }
            if let late = failure(atContentChunk: contentSent, wire: wire) { steps.append(late); return streamResponse(steps, commonHeaders, ticket) }
            for chunk in wire.closingChunks(finishReasons: choices.map(\.finishReason), usage: usage, includeUsage: request.includeUsage) {
                steps.append(.bytes(SSEWriter.data(Array(chunk.utf8))))
            }
            steps.append(.bytes(SSEWriter.done))
            return streamResponse(steps, commonHeaders, ticket)
        }
        // Non-streaming: the whole answer after the generation time. DeepSeek sends blank lines
        // while the request is queued.
        let generation = tokenInterval * completionTokenCount
        appendWaitWithKeepAlives(&steps, total: ttft + generation, keepAlive: [0x0A])
        if fault == .drop || fault == .midStream {
            steps.append(.drop)
        } else {
            steps.append(.bytes(Array(wire.completion(choices: choices, usage: usage).utf8)))
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
