import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

/// `POST /v1/chat/completions`: parse the request, plan the models (explicit, fallbacks or
/// task-aware `auto`), order the deployments, let the executor find one that answers, and
/// relay the answer — whole, or streamed chunk by chunk — with usage, cost and tracing headers.
struct ChatCompletionHandler: Sendable {
    let pool: DeploymentPool
    let planner: RoutePlanner
    let executor: Executor
    let metrics: GatewayMetrics
    let maxBodyBytes: Int
    /// Keys, admission and the ledger; nil runs without them (library use, some tests).
    let access: AccessLayer?

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

    func handle(_ request: Request, logger: Logger) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = RequestID.from(request.headers)
        var logger = logger
        // Setting metadata re-renders the handler's metadata: only when something can be logged.
        if logger.logLevel <= .warning { logger[metadataKey: "request.id"] = .string(requestID) }
        metrics.requestStarted()
        var endedInline = true
        defer { if endedInline { metrics.requestEnded() } }

        var trace = ResponseTrace(requestID: requestID)
        var account = CallAccount(access: access, started: started, requestID: requestID)
        if let access {
            switch access.authenticate(request.headers, now: account.startedAt) {
            case .failure(let error):
                // No key, no account: nothing to bill or to write to the ledger.
                metrics.recordRequest(model: "unknown", deployment: "none", status: error.status, duration: .now - started)
                return ErrorResponse.make(error, headers: trace.headers())
            case .success(.key(let key)): account.key = key
            case .success(.anonymous): break
            }
        }
        do {
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            let chat = try ChatRequest(body: Array(buffer: buffer))
            account.requestedModel = String(chat.model.prefix(256))
            account.stream = chat.stream
            let features = RequestFeatures(request: chat, hint: request.headers[ResponseTrace.Names.hint])
            var plan = try planner.plan(chat, features: features)
            if let key = account.key, !key.allowedModels.isEmpty {
                guard let restricted = planner.restrict(plan, features: features, to: key.allows) else {
                    throw OpenAIError(status: 403, message: "This API key may not use the model '\(chat.model.prefix(128))'. It may use: \(key.allowedModels.joined(separator: ", ")).",
                                      type: "invalid_request_error", param: "model", code: "model_not_allowed", shouldRetry: false)
                }
                plan = restricted
            }
            trace.route = plan.rule
            trace.model = plan.models.first?.id
            let region = request.headers[ResponseTrace.Names.region].flatMap { $0.isEmpty ? nil : String($0.prefix(64)) } ?? account.key?.region
            if let access, let key = account.key {
                switch access.admission.admit(key, estimatedTokens: features.estimatedContextTokens, now: account.startedAt) {
                case .refused(let error, let status):
                    trace.rateLimit = status
                    metrics.recordAdmission(refused: error.code ?? error.type)
                    throw error
                case .admitted(let ticket, let status):
                    account.ticket = ticket
                    trace.rateLimit = status
                }
            }
            let (candidates, skipped) = pool.candidates(for: plan.models, preferredRegion: region)
            let primaryTimeouts = executor.timeouts(for: plan.models[0], route: plan.timeouts)
            let success: Executor.Success
            do {
                success = try await executor.execute(chat, candidates: candidates, skipped: skipped, requestID: requestID,
                                                     routeTimeouts: plan.timeouts, deadline: started + primaryTimeouts.total, logger: logger)
            } catch {
                trace.attempts = error.attempts
                trace.deployment = error.lastDeployment
                throw error.error
            }
            let prepared = success.prepared
            trace.deployment = prepared.candidate.deployment
            trace.model = prepared.candidate.model.id
            trace.attempts = success.attempts
            trace.upstreamHeaders = prepared.upstreamHeaders
            // The gateway's own time so far: everything but the upstream waits and back-off.
            let overhead = max(.zero, (.now - started) - success.outsideGateway)
            trace.overhead = overhead
            metrics.recordOverhead(overhead)
            switch prepared.answer {
            case .stream(let start):
                if logger.logLevel <= .warning {
                    logger[metadataKey: "model"] = .string(prepared.candidate.model.id)
                    logger[metadataKey: "deployment"] = .string(prepared.candidate.deployment.name)
                }
                let relay = StreamingRelay(metrics: metrics, pool: pool, candidate: prepared.candidate, trace: trace, account: account,
                                           timeouts: executor.timeouts(for: prepared.candidate.model, route: plan.timeouts),
                                           deadline: started + primaryTimeouts.total, started: started, logger: logger)
                endedInline = false
                return relay.response(start)
            case .complete(let body, let usage):
                if let usage {
                    let cost = Cost.of(usage, at: prepared.candidate.pricing)
                    trace.cost = cost
                    metrics.recordUsage(model: prepared.candidate.model.id, usage: usage, cost: cost)
                } else {
                    trace.cost = .unknown
                }
                await account.finish(trace: trace, status: 200, usage: usage, cost: trace.cost, ttft: nil, errorClass: nil)
                metrics.recordRequest(model: prepared.candidate.model.id, deployment: prepared.candidate.deployment.name, status: 200,
                                      duration: .now - started)
                var headers = trace.headers()
                headers[.contentType] = "application/json"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
        } catch let error as OpenAIError {
            metrics.recordRequest(model: trace.model ?? "unknown", deployment: trace.deployment?.name ?? "none", status: error.status, duration: .now - started)
            logger.info("request failed", metadata: ["error": .string(error.description)])
            await account.finish(trace: trace, status: error.status, usage: nil, cost: nil, ttft: nil, errorClass: error.code ?? error.type)
            return ErrorResponse.make(error, headers: trace.headers())
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return await tooLarge(account: account, trace: trace, started: started)
        } catch is NIOTooManyBytesError {
            return await tooLarge(account: account, trace: trace, started: started)
        } catch {
            // The client went away mid-upload (or the task was cancelled): still one record.
            metrics.recordRequest(model: trace.model ?? "unknown", deployment: trace.deployment?.name ?? "none", status: 499, duration: .now - started)
            await account.finish(trace: trace, status: 499, usage: nil, cost: nil, ttft: nil, errorClass: "client_disconnected")
            throw error
        }
    }

    private func tooLarge(account: CallAccount, trace: ResponseTrace, started: ContinuousClock.Instant) async -> Response {
        metrics.recordRequest(model: "unknown", deployment: "none", status: 413, duration: .now - started)
        await account.finish(trace: trace, status: 413, usage: nil, cost: nil, ttft: nil, errorClass: "request_too_large")
        return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes), headers: trace.headers())
    }
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

    /// Upstream headers that may reach the client. Everything else — `set-cookie`, hop-by-hop
    /// headers, the upstream's own rate-limit headers — stays behind.
    static let passedUpstreamHeaders: Set<String> = ["retry-after", "retry-after-ms", "openai-processing-ms"]

    func headers() -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(12 + upstreamHeaders.count)
        fields.append(HTTPField(name: Names.requestID, value: requestID))
        if let deployment {
            fields.append(HTTPField(name: Names.provider, value: deployment.provider))
            fields.append(HTTPField(name: Names.deployment, value: deployment.name))
            fields.append(HTTPField(name: Names.region, value: deployment.region))
        }
        if let model { fields.append(HTTPField(name: Names.model, value: model)) }
        if let route, let model { fields.append(HTTPField(name: Names.route, value: route + "; model=" + model)) }
        if attempts > 0 { fields.append(HTTPField(name: Names.attempts, value: String(attempts))) }
        if let cost { fields.append(HTTPField(name: Names.cost, value: cost.headerValue)) }
        if let overhead { fields.append(HTTPField(name: Names.overhead, value: String(overhead.nanosecondsClamped / 1000))) }
        if let rateLimit {
            for (name, value) in rateLimit.headers { fields[HTTPField.Name(name)!] = value }
        }
        for (name, value) in upstreamHeaders {
            if Self.passedUpstreamHeaders.contains(name), let field = HTTPField.Name(name) { fields[field] = value }
            if name == "x-request-id" { fields[Names.upstreamRequestID] = value }
        }
        return fields
    }

    /// Header names, validated once.
    enum Names {
        static let requestID = HTTPField.Name("x-request-id")!
        static let provider = HTTPField.Name("x-switchyard-provider")!
        static let deployment = HTTPField.Name("x-switchyard-deployment")!
        static let region = HTTPField.Name("x-switchyard-region")!
        static let model = HTTPField.Name("x-switchyard-model")!
        static let route = HTTPField.Name("x-switchyard-route")!
        static let attempts = HTTPField.Name("x-switchyard-attempts")!
        static let cost = HTTPField.Name("x-switchyard-cost-usd")!
        static let overhead = HTTPField.Name("x-switchyard-overhead-us")!
        static let upstreamRequestID = HTTPField.Name("x-upstream-request-id")!
        static let hint = HTTPField.Name("x-switchyard-hint")!
    }
}

enum RequestID {
    /// The client's `x-request-id` when it is sane (≤ 128 printable ASCII), else a new one.
    static func from(_ headers: HTTPFields) -> String {
        if let given = headers[ResponseTrace.Names.requestID], !given.isEmpty, given.utf8.count <= 128,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        return RandomID.hex(prefix: "req_")
    }
}
