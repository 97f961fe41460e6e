import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// `POST /v1/chat/completions`: parse the request, plan the models (explicit, fallbacks or
/// task-aware `auto`), answer it from the response cache when it opted in and has an entry
/// (`AnswerCache`; a complete answer to an opted-in call is stored), admit it (rate limits, budget reservation), let the executor find a
/// deployment that answers, and relay the answer — whole, or streamed chunk by chunk — with
/// usage, cost and tracing headers. Each call runs in one task (`serve`) and ends in one
/// place (`finish`). `POST /v1/messages` is the same call with its request translated from the
/// Messages API and its answer translated back (`MessagesClient`).
///
/// A call takes the configuration snapshot (catalog, prices, deployments, routing, timeouts)
/// once, at its start, and runs with it to its end: a reload meanwhile changes only later calls.
struct ChatCompletionHandler: Sendable {
    let live: LiveConfig
    let metrics: GatewayMetrics
    /// Keys, admission and the ledger; nil runs without them (library use, some tests).
    let access: AccessLayer?
    /// One JSON line per call (`log: {access: json}`); nil when off.
    var accessLog: AccessLog? = nil
    /// The exact-match response cache; nil when no model has it enabled.
    var cache: AnswerCache? = nil
    /// OpenTelemetry traces; nil when off.
    var tracer: GatewayTracer? = nil

    /// How long a stream whose client left keeps reading the upstream for its usage.
    static let usageDrain: Duration = .seconds(2)

    struct Transports: Sendable {
        var http: any UpstreamTransport
        var simulator: any UpstreamTransport

        func transport(for deployment: DeploymentConfig) -> any UpstreamTransport {
            switch deployment.endpoint {
            case .http: return http
            case .simulator: return simulator
            }
        }
    }

    // MARK: Before the body

    /// Who is calling, from the request head alone: the front handler refuses a missing or bad
    /// key before it reads (or buffers) a single byte of the body.
    func authenticate(_ headers: HTTPHeaders) -> Result<AccessLayer.Caller, OpenAIError> {
        guard let access else { return .success(.anonymous) }
        return access.authenticate(presented: AccessLayer.presentedKey(headers), now: Date())
    }

    /// A call refused before its body was read (no key, bad key): counted, never in the ledger.
    /// Rendered in the shape of the front door it came through.
    func refused(_ error: OpenAIError, headers: HTTPHeaders? = nil, front: UsageRecord.Front = .chat)
        -> (status: Int, headers: [(String, String)], body: ByteBuffer) {
        metrics.recordRequest(model: "unknown", deployment: "none", status: error.status, duration: .zero)
        let requestID = headers.map(RequestID.from) ?? RandomID.hex(prefix: "req_")
        let errorHeaders = Self.errorHeaders(error, trace: ResponseTrace(requestID: requestID))
        switch front {
        case .chat, .embeddings:
            return (error.status, errorHeaders, ByteBuffer(string: error.body))
        case .messages:
            let (status, body) = MessagesResponse.error(error)
            return (status, errorHeaders, ByteBuffer(string: body))
        }
    }

    /// `POST /v1/messages/count_tokens`: the gateway's prompt estimate for a Messages request
    /// (what admission reserves), after the same checks as a call (the model exists, the key
    /// may use it). Not a model call: no admission, no ledger row.
    func countTokens(headers: HTTPHeaders, caller: AccessLayer.Caller, body: ByteBuffer, maxBodyBytes: Int)
        -> (status: Int, headers: [(String, String)], body: ByteBuffer) {
        let trace = ResponseTrace(requestID: RequestID.from(headers))
        let planner = live.current.planner
        do throws(OpenAIError) {
            guard body.readableBytes <= maxBodyBytes else { throw .bodyTooLarge(limit: maxBodyBytes) }
            let messages = try MessagesRequest(body: Array(buffer: body), counting: true)
            var chat = try ChatRequest(body: messages.chatBody)
            chat.reasoning = messages.reasoning
            let features = Self.features(of: chat, headers: headers)
            let plan = try planner.plan(chat, features: features)
            if case .key(let key) = caller, !key.allowedModels.isEmpty, planner.restrict(plan, features: features, to: key.allows) == nil {
                throw Self.notAllowed(chat.model, key: key)
            }
            return (200, trace.headers() + [("content-type", "application/json")],
                    ByteBuffer(bytes: MessagesResponse.tokenCount(features.estimatedPromptTokens)))
        } catch {
            let (status, body) = MessagesResponse.error(error)
            return (status, Self.errorHeaders(error, trace: trace), ByteBuffer(string: body))
        }
    }

    static func features(of chat: ChatRequest, headers: HTTPHeaders) -> RequestFeatures {
        var features = RequestFeatures(request: chat, hint: headers.first(name: "x-switchyard-hint"))
        if chat.reasoning == true { features.wantsReasoning = true }
        return features
    }

    static func notAllowed(_ model: String, key: VirtualKey) -> OpenAIError {
        OpenAIError(.modelNotAllowed, "This API key may not use the model '\(model.prefix(128))'. It may use: \(key.allowedModels.joined(separator: ", ")).", param: "model")
    }

    // MARK: The call

    /// Runs one call to its end: answers `client` in the shape of the call's front door, then
    /// records the call once. The Messages door is the chat pipeline with its request
    /// translated in and its answer translated out (`MessagesClient`).
    /// `maxBodyBytes` is the limit the client's connection read the body with.
    /// `span` is the request's SERVER span (traces on), which `finish` ends. A batch line runs
    /// here too (`batch`), with a client that keeps the whole answer: the same admission,
    /// routing, attempts and accounting as a live call of the batch's key; its ledger rows go
    /// to the batch's line commit (`BatchLineContext`) instead of the ledger queue.
    func serve(headers: HTTPHeaders, caller: AccessLayer.Caller, body: ByteBuffer, maxBodyBytes: Int, front: UsageRecord.Front = .chat,
               span: TraceSpan? = nil, client: some ChatClient, logger: Logger, batch: BatchLineContext? = nil) async {
        switch front {
        case .chat:
            await run(headers: headers, caller: caller, body: body, maxBodyBytes: maxBodyBytes, front: front, span: span, client: client,
                      logger: logger, batch: batch)
        case .messages:
            await run(headers: headers, caller: caller, body: body, maxBodyBytes: maxBodyBytes, front: front, span: span,
                      client: MessagesClient(client), logger: logger, batch: batch)
        case .embeddings:
            await run(headers: headers, caller: caller, body: body, maxBodyBytes: maxBodyBytes, front: front, span: span, client: client,
                      logger: logger, batch: batch)
        }
    }

    /// Not inlined into `serve`: its three front doors each had a copy of this frame there.
    @inline(never)
    private func run(headers: HTTPHeaders, caller: AccessLayer.Caller, body: ByteBuffer, maxBodyBytes: Int, front: UsageRecord.Front,
                     span: TraceSpan?, client: some ChatClient, logger: Logger, batch: BatchLineContext?) async {
        // The one read of the configuration for this call.
        let snapshot = live.current
        var call: ChatCall
        switch caller {
        case .key(let key): call = ChatCall(requestID: RequestID.from(headers), key: key)
        case .anonymous: call = ChatCall(requestID: RequestID.from(headers), key: nil)
        }
        var logger = logger
        // Setting metadata re-renders the handler's metadata: only when something can be logged.
        if logger.logLevel <= .warning { logger[metadataKey: "request.id"] = .string(call.requestID) }
        call.front = front
        call.span = span
        call.batch = batch
        call.trace.cache = .bypass
        metrics.requestStarted()
        let end: CallEnd
        do {
            if front == .embeddings {
                end = try await answerEmbeddings(&call, snapshot: snapshot, headers: headers, body: body, maxBodyBytes: maxBodyBytes,
                                                 client: client, logger: logger)
            } else {
                end = try await answer(&call, snapshot: snapshot, headers: headers, body: body, maxBodyBytes: maxBodyBytes, client: client,
                                       logger: logger)
            }
        } catch {
            logger.info("request failed", metadata: ["error": .string(error.description)])
            await client.sendError(error, headers: Self.errorHeaders(error, trace: call.trace))
            end = CallEnd(status: error.status, errorClass: error.code ?? error.type)
        }
        await finish(call, end)
    }

    /// Everything up to the answer; throws the error to answer with when nothing was sent yet.
    ///
    /// A call's task holds this function's async frame (and its caller's) for as long as the
    /// call lasts — a stream's minutes. So the work that does not wait (parsing, planning, the
    /// cache decision, admission) runs in `setUp`, a synchronous function whose temporaries live
    /// on the thread's stack, and each way of answering in its own async function; what stays
    /// here is what crosses the waits; the async steps are not inlined, so their frames exist
    /// only while they run. (With everything inlined, this function's frame was 28 KB.)
    @inline(never)
    private func answer(_ call: inout ChatCall, snapshot: GatewaySnapshot, headers: HTTPHeaders, body: ByteBuffer, maxBodyBytes: Int,
                        client: some ChatClient, logger: Logger) async throws(OpenAIError) -> CallEnd {
        let setup = try setUp(&call, snapshot: snapshot, headers: headers, body: body, maxBodyBytes: maxBodyBytes, client: client)
        if let hit = setup.hit {
            return try await replay(hit, call: &call, stream: setup.chat.stream, includeUsage: setup.chat.clientWantsUsage,
                                    deadline: setup.deadline, client: client)
        }
        let prepared = try await attempt(.chat(setup.chat), call: &call, executor: snapshot.executor, candidates: setup.candidates,
                                         skipped: setup.skipped, routeTimeouts: setup.plan.timeouts, deadline: setup.deadline, logger: logger)
        switch prepared.answer {
        case .complete(let answerBody, let usage):
            return await sendWhole(answerBody, usage: usage, prepared: prepared, call: &call, cacheTicket: setup.cacheTicket, client: client)
        case .stream(let start):
            return await relay(start, prepared: prepared, call: call, snapshot: snapshot, setup: setup, client: client, logger: logger)
        }
    }

    /// What a call settled before it goes upstream (`setUp`).
    private struct Setup {
        var chat: ChatRequest
        var plan: RoutePlanner.Plan
        var candidates: [DeploymentPool.Candidate] = []
        var skipped: [String] = []
        var cacheTicket: AnswerCache.Ticket?
        /// The cache's answer, when the call opted in and it has one.
        var hit: CachedAnswer?
        var deadline: ContinuousClock.Instant
    }

    /// Parses the request, plans its models, decides on the cache, picks the candidates and
    /// admits the call — nothing here waits (see `answer`).
    @inline(never)
    private func setUp(_ call: inout ChatCall, snapshot: GatewaySnapshot, headers: HTTPHeaders, body: ByteBuffer, maxBodyBytes: Int,
                       client: some ChatClient) throws(OpenAIError) -> Setup {
        let (planner, pool, executor) = (snapshot.planner, snapshot.pool, snapshot.executor)
        guard body.readableBytes <= maxBodyBytes else { throw .bodyTooLarge(limit: maxBodyBytes) }
        // Checked on every call, so that a wrong value is refused whether or not the cache is on.
        let directive = try AnswerCache.directive(headers)
        var chat: ChatRequest
        switch call.front {
        case .chat, .embeddings:
            chat = try ChatRequest(body: Array(buffer: body))
        case .messages:
            let messages = try MessagesRequest(body: Array(buffer: body))
            var translated = try ChatRequest(body: messages.chatBody)
            translated.reasoning = messages.reasoning
            chat = translated
        }
        call.requestedModel = String(chat.model.prefix(256))
        call.stream = chat.stream
        let features = Self.features(of: chat, headers: headers)
        call.promptEstimate = features.estimatedPromptTokens
        client.accepted(chat, promptEstimate: features.estimatedPromptTokens)
        var plan = try planner.plan(chat, features: features)
        if let key = call.key, !key.allowedModels.isEmpty {
            guard let restricted = planner.restrict(plan, features: features, to: key.allows) else {
                throw Self.notAllowed(chat.model, key: key)
            }
            plan = restricted
        }
        call.trace.route = plan.rule
        call.trace.model = plan.models.first?.id
        var setup = Setup(chat: chat, plan: plan,
                          deadline: call.started + executor.timeouts(for: plan.models[0], route: plan.timeouts).total)
        // The cache: after the model and the key's right to it are settled, before admission.
        if let cache, let model = plan.models.first?.id {
            setup.cacheTicket = cache.decide(directive, chat: chat, request: call.front == .chat ? chat.document : Self.clientDocument(body),
                                             front: call.front, model: model, key: call.key)
            if let ticket = setup.cacheTicket {
                call.trace.cache = .miss
                if let answer = cache.lookup(ticket) {
                    setup.hit = answer
                    return setup
                }
                setup.chat.recordAnswerLimit = ticket.maxBytes
            }
        }
        let region = headers.first(name: "x-switchyard-region").flatMap { $0.isEmpty ? nil : String($0.prefix(64)) } ?? call.key?.region
        (setup.candidates, setup.skipped) = pool.candidates(for: plan.models, preferredRegion: region)
        if let access, call.key != nil || call.batch != nil {
            // The worst case: the prompt estimate plus the output cap, at the dearest candidate.
            let outputCap = chat.maxOutputTokens ?? plan.models.map(\.maxOutputTokens).max() ?? 0
            let worst = TokenUsage(promptTokens: features.estimatedPromptTokens, completionTokens: outputCap)
            let worstCase = setup.candidates.compactMap { Cost.of(worst, at: $0.pricing).picodollars }.max() ?? 0
            let (tokens, overflow) = features.estimatedPromptTokens.addingReportingOverflow(outputCap)
            try admit(&call, access: access, estimatedTokens: overflow ? .max : tokens, worstCase: worstCase)
        }
        return setup
    }

    /// A whole answer: sent, and stored in the cache when the call opted in and it finished well.
    @inline(never)
    private func sendWhole(_ answerBody: [UInt8], usage: TokenUsage?, prepared: Attempt.Prepared, call: inout ChatCall,
                           cacheTicket: AnswerCache.Ticket?, client: some ChatClient) async -> CallEnd {
        let cost = usage.map { Cost.of($0, at: prepared.candidate.pricing) } ?? .unknown
        call.trace.cost = cost
        var responseHeaders = call.trace.headers()
        responseHeaders.append(("content-type", "application/json"))
        await client.sendWhole(status: 200, headers: responseHeaders, body: ByteBuffer(bytes: answerBody))
        if let cacheTicket, let cache, var answer = CachedAnswer(completion: answerBody),
           answer.finishReason.map({ ProviderAdapters.adapter(for: prepared.candidate.deployment.family).failure(forFinishReason: $0) == nil }) ?? true {
            answer.costPicodollars = cost.picodollars
            cache.store(cacheTicket, answer)
        }
        return CallEnd(status: 200, usage: usage, usageSource: usage == nil ? nil : .upstream, cost: usage == nil ? nil : cost)
    }

    /// A stream: relayed to the client while the deployment's stream lease is held; stored in
    /// the cache when it completed, whole, to a client that took it all.
    @inline(never)
    private func relay(_ start: Attempt.StreamStart, prepared: Attempt.Prepared, call: ChatCall, snapshot: GatewaySnapshot, setup: Setup,
                       client: some ChatClient, logger: Logger) async -> CallEnd {
        var logger = logger
        if logger.logLevel <= .warning {
            logger[metadataKey: "model"] = .string(prepared.candidate.model.id)
            logger[metadataKey: "deployment"] = .string(prepared.candidate.deployment.name)
        }
        let lease = snapshot.pool.leaseStream(prepared.candidate.deployment)
        defer { lease.end() }
        let relay = StreamRelayTask(call: call, start: start, candidate: prepared.candidate, metrics: metrics, pool: snapshot.pool,
                                    timeouts: snapshot.executor.timeouts(for: prepared.candidate.model, route: setup.plan.timeouts),
                                    deadline: setup.deadline, span: prepared.span, logger: logger)
        let end = await relay.run(to: client)
        if let cacheTicket = setup.cacheTicket, let cache, end.status == 200, end.errorClass == nil, start.relay.iterator.outcome == .completed,
           let answer = start.relay.iterator.recorder?.finish(usage: start.relay.iterator.usage, costPicodollars: end.cost?.picodollars) {
            cache.store(cacheTicket, answer)
        }
        return end
    }

    /// Admission of a call of a key: its rate limits and budget (`Admission.admit`); for a batch
    /// line, first the batch's own cost limit, and the key's batch share of its limits.
    func admit(_ call: inout ChatCall, access: AccessLayer, estimatedTokens: Int, worstCase: Int64) throws(OpenAIError) {
        if let batch = call.batch, let refusal = batch.reserve(worstCase: worstCase) {
            throw refusal
        }
        guard let key = call.key else { return }
        switch access.admission.admit(key, estimatedTokens: estimatedTokens, worstCase: worstCase, now: call.startedAt,
                                      batchShare: call.batch?.share) {
        case .refused(let error, let status):
            call.trace.rateLimit = status
            call.batch?.refusedByAdmission(error)
            metrics.recordAdmission(refused: error.code ?? error.type)
            throw error
        case .admitted(let ticket, let status):
            call.ticket = ticket
            call.trace.rateLimit = status
        }
    }

    /// Runs the call's attempts and records on it what they did: the deployment and model that
    /// answered (or the last one tried), the attempts, the price, a hedge's loser and the
    /// gateway's own time. Shared by chat and embeddings.
    @inline(never)
    func attempt(_ operation: UpstreamOperation, call: inout ChatCall, executor: Executor, candidates: [DeploymentPool.Candidate],
                 skipped: [String], routeTimeouts: UpstreamTimeouts?, deadline: ContinuousClock.Instant,
                 logger: Logger) async throws(OpenAIError) -> Attempt.Prepared {
        let success: Executor.Success
        do {
            var tracing: AttemptTracing?
            if let tracer, let span = call.span {
                tracing = AttemptTracing(tracer: tracer, parent: span, route: call.trace.route, keyID: call.key?.id, team: call.key?.team)
            }
            success = try await executor.execute(operation, candidates: candidates, skipped: skipped, requestID: call.requestID,
                                                 routeTimeouts: routeTimeouts, deadline: deadline, tracing: tracing, logger: logger)
        } catch {
            call.trace.attempts = error.attempts
            call.trace.deployment = error.lastDeployment
            if Task.isCancelled { throw .shuttingDown }
            throw error.error
        }
        let prepared = success.prepared
        call.trace.deployment = prepared.candidate.deployment
        call.trace.model = prepared.candidate.model.id
        call.trace.attempts = success.attempts
        call.trace.upstreamHeaders = prepared.upstreamHeaders
        call.pricing = prepared.candidate.pricing
        call.hedgeLoser = success.hedgeLoser
        // The gateway's own time so far: everything but the upstream waits and back-off.
        let overhead = max(.zero, (.now - call.started) - success.outsideGateway)
        call.trace.overhead = overhead
        metrics.recordOverhead(overhead)
        return prepared
    }

    /// The body of a Messages request as the client sent it (validated already): its cache key
    /// is made from it, not from the chat translation.
    private static func clientDocument(_ body: ByteBuffer) -> JSONDocument? {
        try? JSONDocument(bytes: Array(buffer: body))
    }

    /// A cache hit: admitted as a request (RPM) that spends nothing, answered from the entry
    /// in the form asked for, recorded at cost 0 with the cost it saved.
    @inline(never)
    private func replay(_ answer: CachedAnswer, call: inout ChatCall, stream: Bool, includeUsage: Bool, deadline: ContinuousClock.Instant,
                        client: some ChatClient) async throws(OpenAIError) -> CallEnd {
        if let access, let key = call.key {
            let (error, status) = access.admission.admitCacheHit(key, now: call.startedAt)
            call.trace.rateLimit = status
            if let error {
                metrics.recordAdmission(refused: error.code ?? error.type)
                throw error
            }
        }
        call.trace.cache = .hit
        call.trace.cost = .picodollars(0)
        // All of a hit's time up to its answer is the gateway's own.
        let overhead = ContinuousClock.now - call.started
        call.trace.overhead = overhead
        metrics.recordOverhead(overhead)
        var end = CallEnd(status: 200, cost: .picodollars(0))
        end.cacheHit = true
        end.costSaved = answer.costPicodollars
        var headers = call.trace.headers()
        if stream {
            headers.append(("content-type", "text/event-stream"))
            headers.append(("cache-control", "no-cache"))
            do {
                try await client.startStream(headers: headers)
                end.ttft = .now - call.started
                try await client.send(ByteBuffer(bytes: CacheReplay.stream(answer, includeUsage: includeUsage)), deadline: deadline)
            } catch {
                metrics.recordClientDisconnect(model: call.trace.model ?? "unknown")
                end.status = 499
                end.errorClass = error.errorClass
                return end
            }
            await client.endStream()
        } else {
            headers.append(("content-type", "application/json"))
            await client.sendWhole(status: 200, headers: headers, body: ByteBuffer(bytes: CacheReplay.completion(answer)))
        }
        return end
    }

    /// The one ending of every call that got past authentication: metrics, the admission
    /// settle (real tokens and cost replace the reservation) and the ledger row.
    @inline(never)
    func finish(_ call: ChatCall, _ end: CallEnd) async {
        if let span = call.span { Self.endSpan(span, call: call, end: end) }
        let model = call.trace.model ?? "unknown"
        metrics.recordRequest(model: model, deployment: call.trace.deployment?.name ?? "none", status: end.status, duration: .now - call.started)
        if let usage = end.usage { metrics.recordUsage(model: model, usage: usage, cost: end.cost ?? .unknown) }
        metrics.requestEnded()
        if let deployment = call.trace.deployment, let model = call.trace.model {
            metrics.recordGenAIOperation(GenAIConventions.labels(family: deployment.family, requestModel: model,
                                                                 responseModel: deployment.models[model] ?? model),
                                         duration: .now - call.started, usage: end.usage,
                                         errorType: end.status >= 400 ? (end.errorClass ?? String(end.status)) : nil)
        }
        guard let access else {
            accessLog?.write(AccessLogLine.json(record(call, end, costPicodollars: end.cost?.picodollars)))
            return
        }
        let picodollars = end.cost?.picodollars
        if let ticket = call.ticket {
            // Without usage, a call that reached a provider keeps its prompt estimate (the
            // tokens were probably spent); one that never left the gateway gives it all back.
            let tokens = end.usage?.totalTokens ?? (call.trace.attempts > 0 ? call.promptEstimate : 0)
            access.admission.settle(ticket, tokens: tokens, costPicodollars: picodollars)
        }
        let loser = call.hedgeLoser.map { loser in
            // Its own usage when its whole answer came, else the prompt the upstream read.
            let usage = loser.usage ?? TokenUsage(promptTokens: call.promptEstimate)
            let cost = Cost.of(usage, at: loser.candidate.pricing)
            metrics.recordUsage(model: loser.candidate.model.id, usage: usage, cost: cost)
            if let key = call.key, let picodollars = cost.picodollars { access.admission.charge(key.id, picodollars: picodollars) }
            return (loser, usage, cost)
        }
        guard access.settings.ledgerEnabled || accessLog != nil || call.batch != nil else { return }
        let record = record(call, end, costPicodollars: picodollars)
        accessLog?.write(AccessLogLine.json(record))
        // A row of its own (same request ID) for a hedge race's loser: the provider bills it too.
        let loserRow = loser.map { (loser, usage, cost) -> UsageRecord in
            let deployment = loser.candidate.deployment
            var row = UsageRecord(
                time: call.startedAt, requestID: call.requestID, keyID: call.key?.id, team: call.key?.team,
                requestedModel: call.requestedModel, servedModel: loser.candidate.model.id, provider: deployment.provider,
                deployment: deployment.name, region: deployment.region, route: call.trace.route, attempts: 1, usage: usage,
                costPicodollars: cost.picodollars, latencyMicroseconds: record.latencyMicroseconds, ttftMicroseconds: nil, status: 499,
                errorClass: "hedge_cancelled", stream: call.stream)
            row.usageSource = loser.usage == nil ? .estimated : .upstream
            row.front = call.front
            row.batchID = call.batch?.batchID
            row.customID = call.batch?.customID
            return row
        }
        // A batch line's rows are committed with its result, in one transaction (`BatchJob`).
        if let batch = call.batch {
            batch.finished([record] + (loserRow.map { [$0] } ?? []))
            return
        }
        guard access.settings.ledgerEnabled else { return }
        await access.ledger.enqueue(record)
        if let loserRow { await access.ledger.enqueue(loserRow) }
    }

    /// The SERVER span's end: the status, and what the call was.
    private static func endSpan(_ span: TraceSpan, call: ChatCall, end: CallEnd) {
        var fields = HTTPServerSpan.endFields(status: end.status, errorType: end.errorClass)
        fields.set("switchyard.request_id", call.requestID)
        fields.set("switchyard.requested_model", call.requestedModel.isEmpty ? nil : call.requestedModel)
        fields.set("switchyard.model", call.trace.model)
        fields.set("switchyard.attempts", call.trace.attempts)
        fields.set("switchyard.key_id", call.key?.id)
        fields.set("switchyard.team", call.key?.team)
        if let cache = call.trace.cache, cache != .bypass { fields.set("switchyard.cache", cache.rawValue) }
        if let picodollars = end.cost?.picodollars { fields.set("switchyard.cost_usd", Double(picodollars) / 1e12) }
        span.end(fields, error: end.status >= 500 ? (end.errorClass ?? String(end.status)) : nil)
    }

    /// The call's row: what the ledger stores and the access log prints.
    private func record(_ call: ChatCall, _ end: CallEnd, costPicodollars: Int64?) -> UsageRecord {
        let served = end.status < 400 || end.usage != nil
        var record = UsageRecord(
            recordID: call.recordID, time: call.startedAt, requestID: call.requestID, keyID: call.key?.id, team: call.key?.team,
            requestedModel: call.requestedModel, servedModel: served ? call.trace.model : nil, provider: call.trace.deployment?.provider,
            deployment: call.trace.deployment?.name, region: call.trace.deployment?.region, route: call.trace.route,
            attempts: call.trace.attempts, usage: end.usage ?? TokenUsage(), costPicodollars: costPicodollars,
            latencyMicroseconds: (ContinuousClock.now - call.started).microsecondsClamped, ttftMicroseconds: end.ttft?.microsecondsClamped,
            status: end.status, errorClass: end.errorClass, stream: call.stream)
        record.usageSource = end.usageSource
        record.front = call.front
        record.cacheHit = end.cacheHit
        record.costSavedPicodollars = end.costSaved
        record.traceID = call.span?.traceID
        record.batchID = call.batch?.batchID
        record.customID = call.batch?.customID
        return record
    }

    /// The headers of an error answer: the trace, then content type and retry hints.
    static func errorHeaders(_ error: OpenAIError, trace: ResponseTrace) -> [(String, String)] {
        trace.headers() + ErrorResponse.headers(for: error)
    }
}

extension OpenAIError {
    /// The gateway is shutting down and its grace period is over.
    static let shuttingDown = OpenAIError(.gatewayShuttingDown, "The gateway is shutting down; retry on another instance.", retryAfterSeconds: 1)
}

extension Duration {
    var microsecondsClamped: Int64 { nanosecondsClamped / 1000 }
}

/// The tracing headers every chat response carries.
struct ResponseTrace: Sendable {
    var requestID: String
    var deployment: DeploymentConfig?
    var model: String?
    var route: String?
    var attempts = 0
    var cost: Cost?
    var upstreamHeaders: [(String, String)] = []
    /// The key's rate-limit state, sent as OpenAI's `x-ratelimit-*` headers.
    var rateLimit: RateLimitStatus?
    /// Time spent inside the gateway up to the response head, upstream waits excluded.
    var overhead: Duration?
    /// What the call did with the response cache (`x-switchyard-cache`); nil leaves it out
    /// (answers that are not calls: a refusal before the body, a token count).
    var cache: AnswerCache.Status?

    /// Upstream headers that may reach the client. Everything else — `set-cookie`, hop-by-hop
    /// headers, the upstream's own rate-limit headers — stays behind.
    static let passedUpstreamHeaders: Set<String> = ["retry-after", "retry-after-ms", "openai-processing-ms"]

    /// Header names in lower case, values as sent.
    func headers() -> [(String, String)] {
        var fields: [(String, String)] = []
        fields.reserveCapacity(14 + upstreamHeaders.count)
        fields.append(("x-request-id", requestID))
        if let deployment {
            fields.append(("x-switchyard-provider", deployment.provider))
            fields.append(("x-switchyard-deployment", deployment.name))
            fields.append(("x-switchyard-region", deployment.region))
        }
        if let model { fields.append(("x-switchyard-model", model)) }
        if let route, let model { fields.append(("x-switchyard-route", route + "; model=" + model)) }
        if attempts > 0 { fields.append(("x-switchyard-attempts", String(attempts))) }
        if let cost { fields.append(("x-switchyard-cost-usd", cost.headerValue)) }
        if let overhead { fields.append(("x-switchyard-overhead-us", String(overhead.nanosecondsClamped / 1000))) }
        if let cache { fields.append((AnswerCache.header, cache.rawValue)) }
        if let rateLimit { fields.append(contentsOf: rateLimit.headers) }
        for (name, value) in upstreamHeaders {
            if Self.passedUpstreamHeaders.contains(name), Self.isSafeValue(value) { fields.append((name, value)) }
            if name == "x-request-id", Self.isSafeValue(value) { fields.append(("x-upstream-request-id", value)) }
        }
        return fields
    }

    /// An upstream header value is passed on only when it is short printable ASCII.
    static func isSafeValue(_ value: String) -> Bool {
        value.utf8.count <= 256 && value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }
}

enum RequestID {
    /// The client's `x-request-id` when it is sane (≤ 128 printable ASCII), else a new one.
    static func from(_ headers: HTTPHeaders) -> String {
        if let given = headers.first(name: "x-request-id"), !given.isEmpty, given.utf8.count <= 128,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        return RandomID.hex(prefix: "req_")
    }
}
