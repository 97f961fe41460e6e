/// Zhipu GLM: a business `code` string in the body decides, not the HTTP status
/// (`"1301"` content safety, `"1302"` concurrency, `"1113"` balance, `1000–1004` auth,
/// `1210–1215` parameters). Streams may also end with `finish_reason` `sensitive` or `network_error`.
public struct GLMAdapter: ProviderAdapter {
    public var family: ModelFamily { .glm }
    public init() {}

    public func classify(status: Int, error: UpstreamErrorBody) -> UpstreamErrorClass {
        if let code = error.code.flatMap({ Int($0) }) {
            switch code {
            case 1301: return .contentFilter
            case 1302, 1303, 1305: return .rateLimit
            case 1113: return .balance
            case 1000...1004: return .auth
            case 1211: return .notFound
            case 1210...1215: return .invalidRequest
            default: break
            }
        }
        return StandardErrorClassifier.classify(status: status, error: error)
    }

    public func failure(forFinishReason reason: String) -> UpstreamErrorClass? {
        switch reason {
        case "sensitive": return .contentFilter
        case "network_error": return .server
        default: return nil
        }
    }
}
