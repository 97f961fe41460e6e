/// An error in OpenAI's shape: `{"error":{"message","type","param","code"}}` plus the HTTP status
/// and the retry hint the gateway sends with it.
public struct OpenAIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// `x-should-retry`: nil to leave it out.
    public var shouldRetry: Bool?
    /// `retry-after` in seconds, when known.
    public var retryAfterSeconds: Int?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                shouldRetry: Bool? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.shouldRetry = shouldRetry
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(type)\(code.map { "/\($0)" } ?? ""): \(message)" }

    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code, shouldRetry: false)
    }

    public static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(
            status: 404,
            message: "The model '\(model.prefix(256))' does not exist or is not served here. GET /v1/models lists the valid model IDs and aliases.",
            type: "invalid_request_error", param: "model", code: "model_not_found", shouldRetry: false)
    }

    public static func bodyTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(status: 413, message: "The request body is larger than the limit of \(limit) bytes.",
                    type: "invalid_request_error", code: "request_too_large", shouldRetry: false)
    }

    /// A failure inside the gateway itself (never an upstream's): no details leave the process.
    public static let internalError = OpenAIError(status: 500, message: "Internal error in the gateway.", type: "server_error", code: "internal_error")

    public static func notFound(_ path: String) -> OpenAIError {
        OpenAIError(status: 404, message: "Unknown endpoint \(path.prefix(200)).", type: "invalid_request_error", code: "unknown_url")
    }

    /// The JSON body.
    public var body: String {
        var out = "{\"error\":{\"message\":" + JSONString.quoted(message)
        out += ",\"type\":" + JSONString.quoted(type)
        out += ",\"param\":" + (param.map(JSONString.quoted) ?? "null")
        out += ",\"code\":" + (code.map(JSONString.quoted) ?? "null")
        out += "}}"
        return out
    }
}
