/// Why an upstream call failed, normalised across providers (provider-apis.md §6.4).
package enum UpstreamErrorClass: String, Sendable, Hashable, CaseIterable {
    /// The provider account behind the deployment is out of balance or quota, or otherwise unable
    /// to serve until someone acts (locked, suspended).
    case balance
    case contentFilter = "content_filter"
    case rateLimit = "rate_limit"
    case overloaded
    case server
    /// The upstream rejected the gateway's credentials for it.
    case auth
    case invalidRequest = "invalid_request"
    case contextLength = "context_length"
    /// The upstream does not know the model it was asked for.
    case notFound = "not_found"
    case timeout
    case connect
    /// The upstream answered something that is not a valid response.
    case badResponse = "bad_response"

    /// Worth trying again, on another deployment or after a back-off.
    package var isRetryable: Bool {
        switch self {
        case .rateLimit, .overloaded, .server, .timeout, .connect, .badResponse: return true
        case .balance, .contentFilter, .auth, .invalidRequest, .contextLength, .notFound: return false
        }
    }

    /// Another deployment or provider may serve the request even though this one cannot
    /// (balance, credentials and model availability are per deployment).
    package var allowsFailover: Bool {
        switch self {
        case .contentFilter, .invalidRequest, .contextLength: return false
        default: return true
        }
    }
}

/// A failed upstream call as the gateway reports it.
package struct UpstreamFailure: Error, Sendable, Hashable, CustomStringConvertible {
    package var errorClass: UpstreamErrorClass
    /// The upstream's HTTP status, when it answered.
    package var status: Int?
    /// The upstream's own message, scrubbed of anything that looks like a credential; nil for
    /// credential errors, whose text is never passed on.
    package var upstreamMessage: String?
    /// The upstream's error code (e.g. `"1301"`, `"Arrearage"`), for logs.
    package var upstreamCode: String?
    /// `retry-after` the upstream sent, in seconds.
    package var retryAfterSeconds: Int?
    package var provider: String
    package var deployment: String

    package init(errorClass: UpstreamErrorClass, status: Int? = nil, upstreamMessage: String? = nil, upstreamCode: String? = nil,
                retryAfterSeconds: Int? = nil, provider: String, deployment: String) {
        self.errorClass = errorClass
        self.status = status
        // Configured secrets by value first (whole, before truncation can cut one in half), then
        // anything else that looks like a credential.
        self.upstreamMessage = upstreamMessage.map { Redactor.scrub(String(SecretScrubber.shared.scrub($0).prefix(500))) }
        self.upstreamCode = upstreamCode.map { Redactor.scrub(String(SecretScrubber.shared.scrub($0).prefix(64))) }
        self.retryAfterSeconds = retryAfterSeconds
        self.provider = provider
        self.deployment = deployment
    }

    package var description: String {
        "\(errorClass.rawValue) from \(provider)/\(deployment)\(status.map { " (HTTP \($0))" } ?? "")"
    }

    /// The error the client sees.
    package var openAIError: OpenAIError {
        let origin = "upstream \(provider)/\(deployment)"
        let detail = upstreamMessage.map { ": \($0)" } ?? ""
        switch errorClass {
        case .balance:
            return OpenAIError(.insufficientQuota, "The provider account behind \(origin) is out of balance or quota\(detail)")
        case .contentFilter:
            return OpenAIError(.contentFilter, "The request or its answer was blocked by the content filter of \(origin)\(detail)")
        case .rateLimit:
            return OpenAIError(.upstreamRateLimited, "Rate limited by \(origin)\(detail)", retryAfterSeconds: retryAfterSeconds ?? 1)
        case .overloaded:
            return OpenAIError(.upstreamOverloaded, "\(origin) is overloaded\(detail)", retryAfterSeconds: retryAfterSeconds)
        case .server:
            return OpenAIError(.upstreamError, "\(origin) failed\(detail)")
        case .auth:
            return OpenAIError(.upstreamAuthenticationFailed, "\(origin) rejected the gateway's credentials; check the deployment's API key.")
        case .invalidRequest:
            // The upstream's own code is named in the message; the API's code stays the catalogue's.
            let code = upstreamCode.map { " [\($0)]" } ?? ""
            return OpenAIError(.upstreamInvalidRequest, "\(origin) rejected the request\(code)\(detail)")
        case .contextLength:
            return OpenAIError(.contextLengthExceeded, "The request is too long for the model at \(origin)\(detail)", param: "messages")
        case .notFound:
            return OpenAIError(.upstreamModelNotFound, "\(origin) does not serve the configured model\(detail)")
        case .timeout:
            return OpenAIError(.upstreamTimeout, "\(origin) did not answer in time.")
        case .connect:
            return OpenAIError(.upstreamUnreachable, "\(origin) is unreachable.")
        case .badResponse:
            return OpenAIError(.upstreamBadResponse, "\(origin) sent an invalid response\(detail)")
        }
    }
}
