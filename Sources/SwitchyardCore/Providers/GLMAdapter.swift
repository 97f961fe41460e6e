/// Zhipu GLM: a business `code` string in the body decides, not the HTTP status
/// (`"1301"` content safety, `"1302"` concurrency, `"1113"` balance, `1110–1121` account state
/// (locked, inactive: sent with HTTP 429 but no rate limit), `1000–1004` auth, `1210–1215`
/// parameters, `1261` prompt too long; provider-apis.md §5, §7.6). Streams may also end with
/// `finish_reason` `sensitive`, `network_error` or `model_context_window_exceeded`.
package struct GLMAdapter: ProviderAdapter {
    package var family: ModelFamily { .glm }
    package init() {}

    package func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        if let code = error.code.flatMap({ Int($0) }) {
            switch code {
            case 1301: return .contentFilter
            case 1302, 1303, 1305: return .rateLimit
            // Balance, and the account states around it: the account cannot serve until someone
            // acts, so the deployment cools down instead of being retried.
            case 1110...1121: return .balance
            case 1000...1004: return .auth
            case 1211: return .notFound
            case 1210...1215: return .invalidRequest
            case 1261: return .contextLength
            default: break
            }
        }
        return StandardErrorClassifier.classify(status: status, error: error)
    }

    package func failure(forFinishReason reason: String) -> UpstreamErrorClass? {
        switch reason {
        case "sensitive": return .contentFilter
        case "network_error": return .server
        case "model_context_window_exceeded": return .contextLength
        default: return nil
        }
    }
}
