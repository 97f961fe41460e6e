/// Every error the API can return, declared once: HTTP status, OpenAI `type`, `code` and retry
/// hint. Codes are API — clients branch on them — so call sites name a member here and never spell
/// a code; the README's error table is checked against `all` by a test.
public struct APIError: Sendable, Hashable, CustomStringConvertible {
    public let status: Int
    public let type: String
    public let code: String?
    /// `x-should-retry`: nil leaves the header out.
    public let shouldRetry: Bool?

    private init(_ status: Int, _ type: String, _ code: String?, retry shouldRetry: Bool?) {
        self.status = status
        self.type = type
        self.code = code
        self.shouldRetry = shouldRetry
    }

    public var description: String { "\(status) \(type)/\(code ?? "-")" }

    private static let invalid = "invalid_request_error"
    private static let server = "server_error"

    // MARK: The request itself

    /// A request the gateway refuses with no more specific code (`param` names the field).
    public static let invalidRequest = APIError(400, invalid, nil, retry: false)
    /// Malformed JSON, not an object, a duplicate key, bytes that are not UTF-8.
    public static let invalidJSON = APIError(400, invalid, "invalid_json", retry: false)
    public static let missingRequiredParameter = APIError(400, invalid, "missing_required_parameter", retry: false)
    public static let invalidType = APIError(400, invalid, "invalid_type", retry: false)
    public static let invalidValue = APIError(400, invalid, "invalid_value", retry: false)
    public static let emptyArray = APIError(400, invalid, "empty_array", retry: false)
    public static let requestTooLarge = APIError(413, invalid, "request_too_large", retry: false)
    /// The head or the body arrived too slowly; the connection closes.
    public static let requestTimeout = APIError(408, invalid, "request_timeout", retry: true)
    /// The client half-closed before its body was complete; the connection closes.
    public static let incompleteRequest = APIError(400, invalid, "incomplete_request", retry: false)
    /// Not valid HTTP/1.1 (head or chunked framing); the connection closes.
    public static let malformedRequest = APIError(400, invalid, "malformed_request", retry: false)
    public static let unknownURL = APIError(404, invalid, "unknown_url", retry: nil)
    public static let methodNotAllowed = APIError(405, invalid, "method_not_allowed", retry: false)

    // MARK: Models and routing

    public static let modelNotFound = APIError(404, invalid, "model_not_found", retry: false)
    /// An entry of the request's `models` array names no catalog model.
    public static let fallbackModelNotFound = APIError(400, invalid, "model_not_found", retry: false)
    /// The prompt estimate plus `max_tokens` exceeds every window that could serve it, or the
    /// upstream says the prompt is too long.
    public static let contextLengthExceeded = APIError(400, invalid, "context_length_exceeded", retry: false)
    /// No served model has the capabilities the request needs (vision, audio, …).
    public static let noCapableModel = APIError(400, invalid, "no_capable_model", retry: false)
    /// Every deployment that could serve the request is unhealthy or skipped.
    public static let noHealthyDeployment = APIError(503, server, "no_healthy_deployment", retry: true)

    // MARK: Keys, budgets and limits

    /// No key, a wrong, revoked or expired key.
    public static let invalidAPIKey = APIError(401, invalid, "invalid_api_key", retry: false)
    /// The key may not use the requested model.
    public static let modelNotAllowed = APIError(403, invalid, "model_not_allowed", retry: false)
    /// The key's budget is used up, or the call's worst case no longer fits it; or the provider
    /// account behind a deployment is out of balance.
    public static let insufficientQuota = APIError(429, "insufficient_quota", "insufficient_quota", retry: false)
    /// The key is over its requests-per-minute limit.
    public static let keyRequestRateLimited = APIError(429, "requests", "rate_limit_exceeded", retry: true)
    /// The key is over its tokens-per-minute limit.
    public static let keyTokenRateLimited = APIError(429, "tokens", "rate_limit_exceeded", retry: true)
    /// One call needs more tokens than the key's per-minute limit: retrying cannot help.
    public static let keyTokenLimitTooSmall = APIError(429, "tokens", "rate_limit_exceeded", retry: false)
    /// The key store is unreachable and the cached keys are too old, or the admin API's store failed.
    public static let storeUnavailable = APIError(503, server, "store_unavailable", retry: true)

    // MARK: Operators' endpoints

    public static let adminDisabled = APIError(403, invalid, "admin_disabled", retry: false)
    public static let invalidAdminKey = APIError(401, invalid, "invalid_admin_key", retry: false)
    public static let keyNotFound = APIError(404, invalid, "key_not_found", retry: nil)

    // MARK: Files and batches

    /// No such file for this key (another key's files are not found either).
    public static let fileNotFound = APIError(404, invalid, "file_not_found", retry: nil)
    /// No such batch for this key (another key's batches are not found either).
    public static let batchNotFound = APIError(404, invalid, "batch_not_found", retry: nil)
    /// `POST /v1/batches/{id}/cancel` of a batch that is finalizing or over.
    public static let batchNotCancellable = APIError(409, invalid, "batch_not_cancellable", retry: false)
    public static let invalidMetricsToken = APIError(401, invalid, "invalid_metrics_token", retry: false)
    /// `POST /admin/reload`: the config file is invalid or unreadable; the running config keeps serving.
    public static let configInvalid = APIError(400, invalid, "config_invalid", retry: false)
    /// `POST /admin/reload` on the embedded default: there is no config file to re-read.
    public static let noConfigFile = APIError(409, invalid, "no_config_file", retry: false)

    // MARK: The gateway

    /// A failure inside the gateway itself: no details leave the process.
    public static let internalError = APIError(500, server, "internal_error", retry: nil)
    /// Shutdown grace over while the call was in flight.
    public static let gatewayShuttingDown = APIError(503, server, "gateway_shutting_down", retry: true)

    // MARK: Upstream failures (with `insufficientQuota` and `contextLengthExceeded`, one per `UpstreamErrorClass`)

    public static let contentFilter = APIError(400, invalid, "content_filter", retry: false)
    public static let upstreamRateLimited = APIError(429, "rate_limit_error", "rate_limit_exceeded", retry: true)
    public static let upstreamOverloaded = APIError(503, server, "upstream_overloaded", retry: true)
    public static let upstreamError = APIError(502, server, "upstream_error", retry: true)
    public static let upstreamAuthenticationFailed = APIError(502, server, "upstream_authentication_failed", retry: false)
    /// The upstream rejected the request as invalid (its message is passed on).
    public static let upstreamInvalidRequest = APIError(400, invalid, "invalid_request", retry: false)
    public static let upstreamModelNotFound = APIError(502, server, "upstream_model_not_found", retry: false)
    public static let upstreamTimeout = APIError(504, server, "upstream_timeout", retry: true)
    public static let upstreamUnreachable = APIError(502, server, "upstream_unreachable", retry: true)
    /// Not JSON, or `usage` no real call produces.
    public static let upstreamBadResponse = APIError(502, server, "upstream_bad_response", retry: true)

    /// The whole catalogue, for the README check and for documentation.
    public static let all: [APIError] = [
        .invalidRequest, .invalidJSON, .missingRequiredParameter, .invalidType, .invalidValue, .emptyArray, .requestTooLarge,
        .requestTimeout, .incompleteRequest, .malformedRequest, .unknownURL, .methodNotAllowed,
        .modelNotFound, .fallbackModelNotFound, .contextLengthExceeded, .noCapableModel, .noHealthyDeployment,
        .invalidAPIKey, .modelNotAllowed, .insufficientQuota, .keyRequestRateLimited, .keyTokenRateLimited, .keyTokenLimitTooSmall,
        .storeUnavailable, .adminDisabled, .invalidAdminKey, .keyNotFound, .fileNotFound, .batchNotFound, .batchNotCancellable, .invalidMetricsToken, .configInvalid, .noConfigFile, .internalError, .gatewayShuttingDown,
        .contentFilter, .upstreamRateLimited, .upstreamOverloaded, .upstreamError, .upstreamAuthenticationFailed,
        .upstreamInvalidRequest, .upstreamModelNotFound, .upstreamTimeout, .upstreamUnreachable,
        .upstreamBadResponse,
    ]

    /// The entry for an HTTP status the web framework raised on its own (a route's decoding, …).
    public static func forFrameworkStatus(_ status: Int) -> APIError {
        switch status {
        case 404: return .unknownURL
        case 405: return .methodNotAllowed
        case 408: return .requestTimeout
        case 413: return .requestTooLarge
        case 500...: return .internalError
        default: return .invalidRequest
        }
    }
}
