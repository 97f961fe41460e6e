import Foundation

/// The attributes of the CLIENT span of one upstream attempt, after the OpenTelemetry GenAI
/// semantic conventions, plus Switchyard's own (`switchyard.*`). Pure: the gateway fills in what
/// it knows and sets the result on the span. Message contents appear only when
/// `TraceSettings.captureContent` is on (`contentFields`).
package enum GenAISpan {
    /// `{gen_ai.operation.name} {gen_ai.request.model}`, e.g. `chat deepseek-v4-flash`.
    package static func name(operation: String, model: String) -> String {
        operation + " " + model
    }

    /// What an attempt is known to be before it is sent.
    package struct Attempt: Sendable {
        package var operation: String
        package var family: ModelFamily
        /// The catalog ID attempted.
        package var requestModel: String
        package var deployment: String
        package var region: String
        /// The deployment's base URL; nil for the in-process simulator.
        package var baseURL: String?
        package var route: String?
        /// 1 for the first attempt of the call, then 2, 3, …
        package var attempt: Int
        /// The attempt is the hedge sent alongside a slow first attempt.
        package var hedge: Bool
        package var keyID: String?
        package var team: String?
        package var stream: Bool?
        package var maxTokens: Int?
        package var temperature: Double?
        package var topP: Double?

        package init(operation: String, family: ModelFamily, requestModel: String, deployment: String, region: String, baseURL: String?,
                    route: String?, attempt: Int, hedge: Bool, keyID: String?, team: String?) {
            self.operation = operation
            self.family = family
            self.requestModel = requestModel
            self.deployment = deployment
            self.region = region
            self.baseURL = baseURL
            self.route = route
            self.attempt = attempt
            self.hedge = hedge
            self.keyID = keyID
            self.team = team
        }

        /// `max_tokens` (or `max_completion_tokens`), `temperature`, `top_p` and `stream` of a
        /// chat request.
        package mutating func read(_ request: ChatRequest) {
            let document = request.document
            stream = request.stream
            maxTokens = request.maxOutputTokens
            temperature = document.member("temperature", of: document.root).flatMap(document.double)
            topP = document.member("top_p", of: document.root).flatMap(document.double)
        }
    }

    /// What an attempt turned out to be.
    package struct Outcome: Sendable {
        /// The model the upstream says answered (its response's `model`).
        package var responseModel: String?
        package var responseID: String?
        package var finishReasons: [String] = []
        package var usage: TokenUsage?
        /// From sending the request to the first chunk with content (streams only).
        package var timeToFirstChunk: Duration?
        package var cost: Cost?
        /// Why the attempt failed (an upstream error class such as `timeout`, `rate_limit`).
        package var errorType: String?

        package init() {}

        /// An attempt that failed for `errorType`.
        package static func failed(_ errorType: String) -> Outcome {
            var outcome = Outcome()
            outcome.errorType = errorType
            return outcome
        }

        /// The `id`, `model` and finish reasons of a whole (non-streamed) chat completion, read
        /// in one pass over its top-level members.
        package mutating func read(completion document: JSONDocument) {
            var choices: JSONValue?
            var id: String?, model: String?
            document.scanMembers(of: document.root) { key, value in
                if document.key(key, is: "id") {
                    id = document.string(value)
                } else if document.key(key, is: "model") {
                    model = document.string(value)
                } else if document.key(key, is: "choices") {
                    choices = value
                }
            }
            responseID = id
            responseModel = model
            if let choices {
                for choice in document.elements(of: choices) {
                    if let reason = document.member("finish_reason", of: choice).flatMap(document.string) { finishReasons.append(reason) }
                }
            }
        }
    }

    package static func startFields(_ attempt: Attempt) -> SpanFields {
        // Room for the whole span: the end's attributes are appended to these.
        var fields = SpanFields(capacity: 1024)
        fields.set("gen_ai.operation.name", attempt.operation)
        fields.set("gen_ai.provider.name", GenAIConventions.providerName(attempt.family))
        fields.set("gen_ai.request.model", attempt.requestModel)
        fields.set("gen_ai.request.stream", attempt.stream)
        fields.set("gen_ai.request.max_tokens", attempt.maxTokens)
        fields.set("gen_ai.request.temperature", attempt.temperature)
        fields.set("gen_ai.request.top_p", attempt.topP)
        if let baseURL = attempt.baseURL, let server = serverAddress(baseURL) {
            fields.set("server.address", server.host)
            fields.set("server.port", server.port)
        }
        fields.set("switchyard.deployment", attempt.deployment)
        fields.set("switchyard.region", attempt.region)
        fields.set("switchyard.route", attempt.route)
        fields.set("switchyard.attempt", attempt.attempt)
        fields.set("switchyard.hedge", attempt.hedge)
        fields.set("switchyard.key_id", attempt.keyID)
        fields.set("switchyard.team", attempt.team)
        return fields
    }

    /// The host and port of an `http(s)://[user@]host[:port][/path]` base URL (the port from
    /// the scheme when absent; an IPv6 host without its brackets), read by hand: an attempt's
    /// span starts on every upstream call, and Foundation's URL parser showed in its profile.
    /// nil without a host or with a port that is not a number.
    package static func serverAddress(_ url: String) -> (host: String, port: Int)? {
        let bytes = Array(url.utf8)
        guard let schemeEnd = bytes.indices.first(where: { bytes[$0] == UInt8(ascii: ":") }),
              bytes.count >= schemeEnd + 3, bytes[schemeEnd + 1] == UInt8(ascii: "/"), bytes[schemeEnd + 2] == UInt8(ascii: "/") else { return nil }
        let scheme = String(decoding: bytes[..<schemeEnd], as: UTF8.self).lowercased()
        var authority = bytes[(schemeEnd + 3)...]
        if let end = authority.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            authority = authority[..<end]
        }
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        var host = authority, portText: ArraySlice<UInt8> = []
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[(authority.startIndex + 1)..<close]
            let rest = authority[(close + 1)...]
            if rest.first == UInt8(ascii: ":") { portText = rest.dropFirst() } else if !rest.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            portText = authority[(colon + 1)...]
        }
        guard !host.isEmpty else { return nil }
        var port = scheme == "https" ? 443 : 80
        if !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            port = portText.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        return (String(decoding: host, as: UTF8.self), port)
    }

    package static func endFields(_ outcome: Outcome) -> SpanFields {
        var fields = SpanFields(capacity: 384)
        fields.set("gen_ai.response.model", outcome.responseModel)
        fields.set("gen_ai.response.id", outcome.responseID)
        if !outcome.finishReasons.isEmpty { fields.set("gen_ai.response.finish_reasons", outcome.finishReasons) }
        if let usage = outcome.usage {
            fields.set("gen_ai.usage.input_tokens", usage.promptTokens)
            fields.set("gen_ai.usage.output_tokens", usage.completionTokens)
            fields.set("gen_ai.usage.cache_read.input_tokens", usage.cachedPromptTokens)
            fields.set("gen_ai.usage.reasoning.output_tokens", usage.reasoningTokens)
        }
        if let ttft = outcome.timeToFirstChunk { fields.set("gen_ai.response.time_to_first_chunk", ttft.seconds) }
        if let picodollars = outcome.cost?.picodollars { fields.set("switchyard.cost_usd", Double(picodollars) / 1e12) }
        fields.set("error.type", outcome.errorType)
        return fields
    }

    /// Message contents are attached up to this many bytes each (the rest is cut).
    package static let maxContentBytes = 64 << 10

    /// `gen_ai.input.messages` (the request's `messages`, as sent) and, for a whole answer,
    /// `gen_ai.output.messages` (its `choices`). Only with `captureContent` on.
    package static func contentFields(request: ChatRequest?, completion: JSONDocument?) -> SpanFields {
        var fields = SpanFields()
        if let request, let messages = request.document.member("messages", of: request.document.root) {
            fields.set("gen_ai.input.messages", clipped(request.document.raw(messages)))
        }
        if let completion, let choices = completion.member("choices", of: completion.root) {
            fields.set("gen_ai.output.messages", clipped(completion.raw(choices)))
        }
        return fields
    }

    private static func clipped(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix(maxContentBytes), as: UTF8.self)
    }
}

/// The attributes of the SERVER span of one HTTP request (the HTTP semantic conventions).
package enum HTTPServerSpan {
    /// `{method} {route}`, e.g. `POST /v1/chat/completions`; the method alone without a route.
    package static func name(method: String, route: String?) -> String {
        route.map { method + " " + $0 } ?? method
    }

    package struct Request: Sendable {
        package var method: String
        package var path: String
        package var route: String?
        package var serverAddress: String?
        package var serverPort: Int?
        package var clientAddress: String?
        package var userAgent: String?
        /// `1.1`, `1.0`.
        package var protocolVersion: String?
        package var requestID: String?

        package init(method: String, path: String, route: String?) {
            self.method = method
            self.path = path
            self.route = route
        }
    }

    package static func startFields(_ request: Request) -> SpanFields {
        // Room for the whole span: the end's attributes are appended to these.
        var fields = SpanFields(capacity: 768)
        fields.set("http.request.method", request.method)
        fields.set("url.path", request.path)
        fields.set("url.scheme", "http")
        fields.set("http.route", request.route)
        fields.set("server.address", request.serverAddress)
        fields.set("server.port", request.serverPort)
        fields.set("client.address", request.clientAddress)
        fields.set("user_agent.original", request.userAgent.map { String($0.prefix(256)) })
        fields.set("network.protocol.version", request.protocolVersion)
        fields.set("switchyard.request_id", request.requestID)
        return fields
    }

    /// The status; `error.type` for answers the conventions count as server errors (5xx):
    /// the gateway's error code when it has one, else the status.
    package static func endFields(status: Int, errorType: String?) -> SpanFields {
        var fields = SpanFields(capacity: 384)
        fields.set("http.response.status_code", status)
        if status >= 500 { fields.set("error.type", errorType ?? String(status)) }
        return fields
    }
}
