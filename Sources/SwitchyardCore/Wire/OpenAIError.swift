/// An error in OpenAI's shape: `{"error":{"message","type","param","code"}}` plus the HTTP status
/// and the retry hint the gateway sends with it.
package struct OpenAIError: Error, Sendable, Hashable, CustomStringConvertible {
    package private(set) var status: Int
    package var message: String
    package private(set) var type: String
    package var param: String?
    package private(set) var code: String?
    /// `x-should-retry`: nil to leave it out.
    package private(set) var shouldRetry: Bool?
    /// `retry-after` in seconds, when known.
    package var retryAfterSeconds: Int?

    /// An error of the catalogue's `kind` (status, type, code and retry hint) with this message.
    package init(_ kind: APIError, _ message: String, param: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = kind.status
        self.message = message
        self.type = kind.type
        self.param = param
        self.code = kind.code
        self.shouldRetry = kind.shouldRetry
        self.retryAfterSeconds = retryAfterSeconds
    }

    package var description: String { "\(status) \(type)\(code.map { "/\($0)" } ?? ""): \(message)" }

    /// A refused request: `kind` is `.invalidRequest` unless a more specific code applies.
    package static func invalidRequest(_ message: String, param: String? = nil, as kind: APIError = .invalidRequest) -> OpenAIError {
        OpenAIError(kind, message, param: param)
    }

    package static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(.modelNotFound,
                    "The model '\(model.prefix(256))' does not exist or is not served here. GET /v1/models lists the valid model IDs and aliases.",
                    param: "model")
    }

    package static func bodyTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(.requestTooLarge, "The request body is larger than the limit of \(limit) bytes.")
    }

    /// A failure inside the gateway itself (never an upstream's): no details leave the process.
    package static let internalError = OpenAIError(.internalError, "Internal error in the gateway.")

    package static func notFound(_ path: String) -> OpenAIError {
        OpenAIError(.unknownURL, "Unknown endpoint \(path.prefix(200)).")
    }

    /// The JSON body.
    package var body: String {
        var out = "{\"error\":{\"message\":" + JSONString.quoted(message)
        out += ",\"type\":" + JSONString.quoted(type)
        out += ",\"param\":" + (param.map(JSONString.quoted) ?? "null")
        out += ",\"code\":" + (code.map(JSONString.quoted) ?? "null")
        out += "}}"
        return out
    }
}
