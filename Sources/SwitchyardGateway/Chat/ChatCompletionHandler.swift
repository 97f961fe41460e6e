import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

/// `POST /v1/chat/completions`: parse, resolve the model, pick a deployment, call it and relay
/// the answer — streamed chunk by chunk, or whole — with usage, cost and tracing headers.
struct ChatCompletionHandler: Sendable {
    let catalog: Catalog
    let table: DeploymentTable
    let transports: Transports
    let metrics: GatewayMetrics
    let timeouts: UpstreamTimeouts
    let maxBodyBytes: Int

    /// Upstream responses larger than this are refused (a non-streaming answer is buffered).
    static let maxUpstreamBody = 64 << 20

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

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = RequestID.from(request.headers)
        var logger = context.logger
        logger[metadataKey: "request.id"] = .string(requestID)
        metrics.requestStarted()
        var endedInline = true
        defer { if endedInline { metrics.requestEnded() } }

        var trace = ResponseTrace(requestID: requestID)
        do {
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            let chat = try ChatRequest(body: Array(buffer: buffer))
            guard let model = catalog.model(named: chat.model), table.serves(model.id),
                  let deployment = table.pick(for: model.id) else {
                throw OpenAIError.modelNotFound(chat.model)
            }
            trace.deployment = deployment
            trace.model = model.id
            logger[metadataKey: "model"] = .string(model.id)
            logger[metadataKey: "deployment"] = .string(deployment.name)

            let upstreamModel = deployment.models[model.id] ?? model.id
            let upstreamRequest = UpstreamRequest(
                deployment: deployment, body: chat.upstreamBody(model: upstreamModel), requestID: requestID,
                deadline: started + timeouts.total)
            let adapter = ProviderAdapters.adapter(for: deployment.family)
            let transport = transports.transport(for: deployment)

            let upstream: UpstreamResponse
            do {
                upstream = try await transport.send(upstreamRequest, logger: logger)
            } catch {
                throw failure(error.errorClass, deployment: deployment, message: nil)
            }
            trace.upstreamHeaders = upstream.headers
            guard upstream.status == 200 else {
                let body = (try? await upstream.body.collect(limit: 1 << 20)) ?? []
                let errorBody = UpstreamErrorBody(bytes: body)
                let errorClass = adapter.classify(status: upstream.status, error: errorBody)
                var failure = UpstreamFailure(
                    errorClass: errorClass, status: upstream.status,
                    upstreamMessage: errorClass == .auth ? nil : errorBody.message, upstreamCode: errorBody.code,
                    retryAfterSeconds: upstream.header("retry-after").flatMap { Int($0) },
                    provider: deployment.provider, deployment: deployment.name)
                if errorClass == .auth { failure.upstreamMessage = nil }
                table.record(deployment: deployment.name, failure: errorClass)
                metrics.recordUpstreamError(deployment: deployment.name, errorClass: errorClass)
                throw failure.openAIError
            }

            if chat.stream {
                let relay = StreamingRelay(
                    handler: self, model: model, deployment: deployment, adapter: adapter, trace: trace,
                    clientWantsUsage: chat.clientWantsUsage, started: started, logger: logger)
                let response = try await relay.start(upstream)
                endedInline = false
                return response
            }

            let body: [UInt8]
            do {
                body = try await upstream.body.collect(limit: Self.maxUpstreamBody)
            } catch {
                throw failure(error.errorClass, deployment: deployment, message: nil)
            }
            let trimmed = Array(body.drop { $0 == 0x0A || $0 == 0x0D || $0 == 0x20 || $0 == 0x09 })
            guard let document = try? JSONDocument(bytes: trimmed), document.root.kind == .object else {
                throw failure(.badResponse, deployment: deployment, message: "the response body is not a JSON object")
            }
            table.record(deployment: deployment.name, failure: nil)
            let usage = UsageReader.usage(in: document, object: document.root)
            if let usage {
                let cost = Cost.of(usage, at: model.pricing)
                trace.cost = cost
                metrics.recordUsage(model: model.id, usage: usage, cost: cost)
            } else {
                trace.cost = .unknown
            }
            metrics.recordRequest(model: model.id, deployment: deployment.name, status: 200, duration: .now - started)
            var headers = trace.headers()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: trimmed)))
        } catch let error as OpenAIError {
            metrics.recordRequest(model: trace.model ?? "unknown", deployment: trace.deployment?.name ?? "none", status: error.status, duration: .now - started)
            logger.info("request failed", metadata: ["error": .string(error.description)])
            return ErrorResponse.make(error, headers: trace.headers())
        } catch let error as HTTPError where error.status == .contentTooLarge {
            metrics.recordRequest(model: "unknown", deployment: "none", status: 413, duration: .now - started)
            return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes), headers: trace.headers())
        } catch is NIOTooManyBytesError {
            metrics.recordRequest(model: "unknown", deployment: "none", status: 413, duration: .now - started)
            return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes), headers: trace.headers())
        }
    }

    func failure(_ errorClass: UpstreamErrorClass, deployment: DeploymentConfig, message: String?) -> OpenAIError {
        table.record(deployment: deployment.name, failure: errorClass)
        metrics.recordUpstreamError(deployment: deployment.name, errorClass: errorClass)
        return UpstreamFailure(errorClass: errorClass, upstreamMessage: message, provider: deployment.provider, deployment: deployment.name).openAIError
    }
}

/// The tracing headers every chat response carries.
struct ResponseTrace: Sendable {
    var requestID: String
    var deployment: DeploymentConfig?
    var model: String?
    var cost: Cost?
    var upstreamHeaders: [(String, String)] = []

    /// Upstream headers that may reach the client. Everything else — `set-cookie`, hop-by-hop
    /// headers, the upstream's own rate-limit headers — stays behind.
    static let passedUpstreamHeaders: Set<String> = ["retry-after", "retry-after-ms", "openai-processing-ms"]

    func headers() -> HTTPFields {
        var fields = HTTPFields()
        fields[.init("x-request-id")!] = requestID
        if let deployment {
            fields[.init("x-switchyard-provider")!] = deployment.provider
            fields[.init("x-switchyard-deployment")!] = deployment.name
            fields[.init("x-switchyard-region")!] = deployment.region
        }
        if let model { fields[.init("x-switchyard-model")!] = model }
        if let cost { fields[.init("x-switchyard-cost-usd")!] = cost.headerValue }
        for (name, value) in upstreamHeaders {
            if Self.passedUpstreamHeaders.contains(name), let field = HTTPField.Name(name) { fields[field] = value }
            if name == "x-request-id" { fields[.init("x-upstream-request-id")!] = value }
        }
        return fields
    }
}

enum RequestID {
    /// The client's `x-request-id` when it is sane (≤ 128 printable ASCII), else a new one.
    static func from(_ headers: HTTPFields) -> String {
        if let given = headers[.init("x-request-id")!], !given.isEmpty, given.utf8.count <= 128,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return given
        }
        return "req_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
