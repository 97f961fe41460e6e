/// An error in OpenAI's shape: `{"error":{"message","type","param","code"}}` plus the HTTP status
/// and the retry hint the gateway sends with it.
public struct OpenAIError: Error, Sendable, Hashable, CustomStringConvertible {
    public private(set) var status: Int
    public var message: String
    public private(set) var type: String
    public var param: String?
    public private(set) var code: String?
    /// `x-should-retry`: nil to leave it out.
    public private(set) var shouldRetry: Bool?
    /// `retry-after` in seconds, when known.
    public var retryAfterSeconds: Int?

    /// An error of the catalogue's `kind` (status, type, code and retry hint) with this message.
    public init(_ kind: APIError, _ message: String, param: String? = nil, retryAfterSeconds: Int? = nil) {
        self.status = kind.status
        self.message = message
        self.type = kind.type
        self.param = param
        self.code = kind.code
        self.shouldRetry = kind.shouldRetry
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(type)\(code.map { "/\($0)" } ?? ""): \(message)" }

    /// A refused request: `kind` is `.invalidRequest` unless a more specific code applies.
    public static func invalidRequest(_ message: String, param: String? = nil, as kind: APIError = .invalidRequest) -> OpenAIError {
        OpenAIError(kind, message, param: param)
    }

    public static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(.modelNotFound,
                    "The model '\(model.prefix(256))' does not exist or is not served here. GET /v1/models lists the valid model IDs and aliases.",
                    param: "model")
    }

    public static func bodyTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(.requestTooLarge, "The request body is larger than the limit of \(limit) bytes.")
    }

    /// A failure inside the gateway itself (never an upstream's): no details leave the process.
    public static let internalError = OpenAIError(.internalError, "Internal error in the gateway.")

    public static func notFound(_ path: String) -> OpenAIError {
        OpenAIError(.unknownURL, "Unknown endpoint \(path.prefix(200)).")
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
