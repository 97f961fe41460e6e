/// Every error the API can return, declared once: HTTP status, OpenAI `type`, `code` and retry
/// hint. Codes are API — clients branch on them — so call sites name a member here and never spell
/// a code; the README's error table is checked against `all` by a test.
package struct APIError: Sendable, Hashable, CustomStringConvertible {
    package let status: Int
    package let type: String
    package let code: String?
    /// `x-should-retry`: nil leaves the header out.
    package let shouldRetry: Bool?

    private init(_ status: Int, _ type: String, _ code: String?, retry shouldRetry: Bool?) {
        self.status = status
        self.type = type
        self.code = code
        self.shouldRetry = shouldRetry
    }

    package var description: String { "\(status) \(type)/\(code ?? "-")" }

    private static let invalid = "invalid_request_error"
    private static let server = "server_error"

    // MARK: The request itself

    /// A request the gateway refuses with no more specific code (`param` names the field).
    package static let invalidRequest = APIError(400, invalid, nil, retry: false)
    /// Malformed JSON, not an object, a duplicate key, bytes that are not UTF-8.
    package static let invalidJSON = APIError(400, invalid, "invalid_json", retry: false)
    package static let missingRequiredParameter = APIError(400, invalid, "missing_required_parameter", retry: false)
    package static let invalidType = APIError(400, invalid, "invalid_type", retry: false)
    package static let invalidValue = APIError(400, invalid, "invalid_value", retry: false)
    package static let emptyArray = APIError(400, invalid, "empty_array", retry: false)
    package static let requestTooLarge = APIError(413, invalid, "request_too_large", retry: false)
    /// The head or the body arrived too slowly; the connection closes.
    package static let requestTimeout = APIError(408, invalid, "request_timeout", retry: true)
    /// The client half-closed before its body was complete; the connection closes.
    package static let incompleteRequest = APIError(400, invalid, "incomplete_request", retry: false)
    /// Not valid HTTP/1.1 (head or chunked framing); the connection closes.
    package static let malformedRequest = APIError(400, invalid, "malformed_request", retry: false)
    package static let unknownURL = APIError(404, invalid, "unknown_url", retry: nil)
    package static let methodNotAllowed = APIError(405, invalid, "method_not_allowed", retry: false)

    // MARK: Models and routing

    package static let modelNotFound = APIError(404, invalid, "model_not_found", retry: false)
    /// An entry of the request's `models` array names no catalog model.
    package static let fallbackModelNotFound = APIError(400, invalid, "model_not_found", retry: false)
    /// The prompt estimate plus `max_tokens` exceeds every window that could serve it, or the
    /// upstream says the prompt is too long.
    package static let contextLengthExceeded = APIError(400, invalid, "context_length_exceeded", retry: false)
    /// No served model has the capabilities the request needs (vision, audio, …).
    package static let noCapableModel = APIError(400, invalid, "no_capable_model", retry: false)
    /// Every deployment that could serve the request is unhealthy or skipped.
    package static let noHealthyDeployment = APIError(503, server, "no_healthy_deployment", retry: true)

    // MARK: Keys, budgets and limits

    /// No key, a wrong, revoked or expired key.
    package static let invalidAPIKey = APIError(401, invalid, "invalid_api_key", retry: false)
    /// The key may not use the requested model.
    package static let modelNotAllowed = APIError(403, invalid, "model_not_allowed", retry: false)
    /// The key's budget is used up, or the call's worst case no longer fits it; or the provider
    /// account behind a deployment is out of balance.
    package static let insufficientQuota = APIError(429, "insufficient_quota", "insufficient_quota", retry: false)
    /// The key is over its requests-per-minute limit.
    package static let keyRequestRateLimited = APIError(429, "requests", "rate_limit_exceeded", retry: true)
    /// The key is over its tokens-per-minute limit.
    package static let keyTokenRateLimited = APIError(429, "tokens", "rate_limit_exceeded", retry: true)
    /// One call needs more tokens than the key's per-minute limit: retrying cannot help.
    package static let keyTokenLimitTooSmall = APIError(429, "tokens", "rate_limit_exceeded", retry: false)
    /// The key store is unreachable and the cached keys are too old, or the admin API's store failed.
    package static let storeUnavailable = APIError(503, server, "store_unavailable", retry: true)

    // MARK: Operators' endpoints

    package static let adminDisabled = APIError(403, invalid, "admin_disabled", retry: false)
    package static let invalidAdminKey = APIError(401, invalid, "invalid_admin_key", retry: false)
    package static let keyNotFound = APIError(404, invalid, "key_not_found", retry: nil)

    // MARK: Files and batches

    /// No such file for this key (another key's files are not found either).
    package static let fileNotFound = APIError(404, invalid, "file_not_found", retry: nil)
    /// No such batch for this key (another key's batches are not found either).
    package static let batchNotFound = APIError(404, invalid, "batch_not_found", retry: nil)
    /// `POST /v1/batches/{id}/cancel` of a batch that is finalizing or over.
    package static let batchNotCancellable = APIError(409, invalid, "batch_not_cancellable", retry: false)
    package static let invalidMetricsToken = APIError(401, invalid, "invalid_metrics_token", retry: false)
    /// `POST /admin/reload`: the config file is invalid or unreadable; the running config keeps serving.
    package static let configInvalid = APIError(400, invalid, "config_invalid", retry: false)
    /// `POST /admin/reload` on the embedded default: there is no config file to re-read.
    package static let noConfigFile = APIError(409, invalid, "no_config_file", retry: false)

    // MARK: The gateway

    /// A failure inside the gateway itself: no details leave the process.
    package static let internalError = APIError(500, server, "internal_error", retry: nil)
    /// Shutdown grace over while the call was in flight.
    package static let gatewayShuttingDown = APIError(503, server, "gateway_shutting_down", retry: true)

    // MARK: Upstream failures (with `insufficientQuota` and `contextLengthExceeded`, one per `UpstreamErrorClass`)

    package static let contentFilter = APIError(400, invalid, "content_filter", retry: false)
    package static let upstreamRateLimited = APIError(429, "rate_limit_error", "rate_limit_exceeded", retry: true)
    package static let upstreamOverloaded = APIError(503, server, "upstream_overloaded", retry: true)
    package static let upstreamError = APIError(502, server, "upstream_error", retry: true)
    package static let upstreamAuthenticationFailed = APIError(502, server, "upstream_authentication_failed", retry: false)
    /// The upstream rejected the request as invalid (its message is passed on).
    package static let upstreamInvalidRequest = APIError(400, invalid, "invalid_request", retry: false)
    package static let upstreamModelNotFound = APIError(502, server, "upstream_model_not_found", retry: false)
    package static let upstreamTimeout = APIError(504, server, "upstream_timeout", retry: true)
    package static let upstreamUnreachable = APIError(502, server, "upstream_unreachable", retry: true)
    /// Not JSON, or `usage` no real call produces.
    package static let upstreamBadResponse = APIError(502, server, "upstream_bad_response", retry: true)

    /// The whole catalogue, for the README check and for documentation.
    package static let all: [APIError] = [
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
    package static func forFrameworkStatus(_ status: Int) -> APIError {
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
