import SwitchyardCore

/// Renders bodies, chunks and errors the way each provider family does on the wire
/// (provider-apis.md §2–5): where usage goes, which extra fields appear, how errors look.
struct WireFormat {
    let family: ModelFamily
    let id: String
    let model: String
    let created: Int
    var contextWindow = 0

    // MARK: Usage

    func usageJSON(prompt: Int, completion: Int, reasoning: Int) -> String {
        var s = "{\"prompt_tokens\":\(prompt),\"completion_tokens\":\(completion),\"total_tokens\":\(prompt + completion)"
        switch family {
        case .deepseek:
            s += ",\"prompt_cache_hit_tokens\":0,\"prompt_cache_miss_tokens\":\(prompt)"
            s += ",\"prompt_tokens_details\":{\"cached_tokens\":0}"
        case .kimi:
            s += ",\"cached_tokens\":0"
        case .qwen, .glm, .openai:
            s += ",\"prompt_tokens_details\":{\"cached_tokens\":0}"
        }
        // GLM's usage has no completion_tokens_details (provider-apis.md §7.4).
        if reasoning > 0 && family != .glm { s += ",\"completion_tokens_details\":{\"reasoning_tokens\":\(reasoning)}" }
        return s + "}"
    }

    private var extraTopLevel: String {
        switch family {
        case .glm: return ",\"request_id\":\(JSONString.quoted(id))"
        case .openai, .deepseek: return ",\"system_fingerprint\":\"fp_switchyard_sim\""
        default: return ""
        }
    }

    // MARK: Non-streaming

    func completion(choices: [SimulatedChoice], usage: String) -> String {
        let rendered = choices.enumerated().map { index, choice in
            var message = "{\"role\":\"assistant\",\"content\":" + (choice.toolCalls.isEmpty ? JSONString.quoted(choice.content.joined()) : "null")
            if !choice.reasoning.isEmpty { message += ",\"reasoning_content\":" + JSONString.quoted(choice.reasoning.joined()) }
            if !choice.toolCalls.isEmpty {
                message += ",\"tool_calls\":[" + choice.toolCalls.map {
                    "{\"id\":\(JSONString.quoted($0.id)),\"type\":\"function\",\"function\":{\"name\":\(JSONString.quoted($0.name)),\"arguments\":\(JSONString.quoted($0.arguments))}}"
                }.joined(separator: ",") + "]"
            }
            message += "}"
            return "{\"index\":\(index),\"message\":\(message),\"logprobs\":\(logprobsJSON(choice.logprobs)),\"finish_reason\":\(JSONString.quoted(choice.finishReason))}"
        }
        return "{\"id\":\(JSONString.quoted(id)),\"object\":\"chat.completion\",\"created\":\(created),\"model\":\(JSONString.quoted(model))"
            + ",\"choices\":[\(rendered.joined(separator: ","))]"
            + ",\"usage\":\(usage)\(extraTopLevel)}"
    }

    private func logprobsJSON(_ entries: [String]?) -> String {
        entries.map { "{\"content\":[" + $0.joined(separator: ",") + "]}" } ?? "null"
    }

    // MARK: Streaming

    private func chunk(choices: String, usage: String? = nil) -> String {
        "{\"id\":\(JSONString.quoted(id)),\"object\":\"chat.completion.chunk\",\"created\":\(created),\"model\":\(JSONString.quoted(model))"
            + ",\"choices\":\(choices)" + (usage.map { ",\"usage\":\($0)" } ?? (family == .openai ? ",\"usage\":null" : "")) + "\(extraTopLevel)}"
    }

    private func delta(_ index: Int, _ delta: String, logprobs: String? = nil) -> String {
        chunk(choices: "[{\"index\":\(index),\"delta\":\(delta),\"logprobs\":\(logprobs.map { "{\"content\":[\($0)]}" } ?? "null"),\"finish_reason\":null}]")
    }

    func roleChunk(index: Int = 0) -> String {
        delta(index, "{\"role\":\"assistant\",\"content\":\"\"}")
    }

    func contentChunk(_ text: String, index: Int = 0, logprob: String? = nil) -> String {
        delta(index, "{\"content\":\(JSONString.quoted(text))}", logprobs: logprob)
    }

    func reasoningChunk(_ text: String, index: Int = 0) -> String {
        delta(index, "{\"content\":null,\"reasoning_content\":\(JSONString.quoted(text))}")
    }

    /// The first chunk of a tool call: id, name and the first `arguments` (empty when the rest
    /// follows in fragments; the whole text for GLM without `tool_stream`).
    func toolCallStart(index: Int, call: Int, id: String, name: String, arguments: String) -> String {
        delta(index, "{\"tool_calls\":[{\"index\":\(call),\"id\":\(JSONString.quoted(id)),\"type\":\"function\",\"function\":{\"name\":\(JSONString.quoted(name)),\"arguments\":\(JSONString.quoted(arguments))}}]}")
    }

    /// A later fragment of a tool call's arguments, keyed by the call's index.
    func toolCallFragment(index: Int, call: Int, arguments: String) -> String {
        delta(index, "{\"tool_calls\":[{\"index\":\(call),\"function\":{\"arguments\":\(JSONString.quoted(arguments))}}]}")
    }

    /// The last chunks of a stream: a finish chunk per choice and, where the family does it, usage.
    func closingChunks(finishReasons: [String], usage: String, includeUsage: Bool) -> [String] {
        let finishes = finishReasons.enumerated().map { "{\"index\":\($0.offset),\"delta\":{},\"logprobs\":null,\"finish_reason\":\(JSONString.quoted($0.element))" }
        var out = finishes.dropLast().map { chunk(choices: "[\($0)}]") }
        let last = finishes.last ?? "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\""
        switch family {
        case .deepseek:
            // Usage at top level on the finish chunk, and the include_usage chunk when asked.
            out.append(chunk(choices: "[\(last)}]", usage: usage))
            if includeUsage { out.append(chunk(choices: "[]", usage: usage)) }
        case .kimi:
            // Usage inside choices[0] on the finish chunk AND again at top level when asked:
            // a naive accumulator counts it twice.
            out.append(chunk(choices: "[\(last),\"usage\":\(usage)}]"))
            if includeUsage { out.append(chunk(choices: "[]", usage: usage)) }
        case .glm:
            // Usage on the finish chunk only.
            out.append(chunk(choices: "[\(last)}]", usage: usage))
        case .qwen, .openai:
            out.append(chunk(choices: "[\(last)}]"))
            if includeUsage { out.append(chunk(choices: "[]", usage: usage)) }
        }
        return out
    }

    // MARK: Errors

    /// HTTP status and body of an injected fault, in the family's dialect.
    func error(_ fault: SimulatedFault) -> (status: Int, body: String) {
        switch (family, fault) {
        case (.deepseek, .balance): return (402, openAIStyle("Insufficient Balance", type: "unknown_error", code: "invalid_request_error"))
        case (.deepseek, .contentFilter): return (400, openAIStyle("Content Exists Risk", type: "invalid_request_error", code: "invalid_request_error"))
        case (.qwen, .balance): return (400, openAIStyle("Access denied, please make sure your account is in good standing.", type: "Arrearage", code: "Arrearage"))
        case (.qwen, .contentFilter): return (400, openAIStyle("Input data may contain inappropriate content.", type: "data_inspection_failed", code: "data_inspection_failed"))
        case (.qwen, .rateLimit): return (429, openAIStyle("Requests rate limit exceeded, please try again later.", type: "limit_requests", code: "limit_requests"))
        // Kimi's balance fault is 429 (provider-apis.md §7.6; older pages said 403).
        case (.kimi, .balance): return (429, kimiStyle("Your account is suspended due to insufficient balance, please recharge your account or check your plan", type: "exceeded_current_quota_error"))
        case (.kimi, .contentFilter): return (400, kimiStyle("The request was rejected because it was considered high risk", type: "content_filter"))
        case (.kimi, .rateLimit): return (429, kimiStyle("Your account reached max request rate", type: "rate_limit_reached_error"))
        case (.kimi, .overloaded): return (429, kimiStyle("The engine is currently overloaded, please try again later", type: "engine_overloaded_error"))
        case (.kimi, .auth): return (401, kimiStyle("Invalid Authentication", type: "invalid_authentication_error"))
        case (.glm, .balance): return (429, glmStyle("余额不足或无可用资源包,请充值。", code: "1113"))
        case (.glm, .contentFilter): return (400, glmStyle("系统检测到输入或生成内容可能包含不安全或敏感内容", code: "1301"))
        case (.glm, .rateLimit): return (429, glmStyle("您当前使用该API的并发数过高", code: "1302"))
        case (.glm, .auth): return (401, glmStyle("令牌已过期或验证不正确", code: "1001"))
        case (_, .balance): return (429, openAIStyle("You exceeded your current quota.", type: "insufficient_quota", code: "insufficient_quota"))
        case (_, .contentFilter): return (400, openAIStyle("The content was filtered.", type: "invalid_request_error", code: "content_filter"))
        case (_, .rateLimit): return (429, openAIStyle("Rate limit reached for requests.", type: "requests", code: "rate_limit_exceeded"))
        case (_, .overloaded): return (503, openAIStyle("The server is overloaded.", type: "server_error", code: "overloaded"))
        case (_, .auth): return (401, openAIStyle("Incorrect API key provided: sk-simu***.", type: "invalid_request_error", code: "invalid_api_key"))
        case (.deepseek, .contextLength):
            return (400, openAIStyle("This model's maximum context length is \(contextWindow) tokens. However, you requested more tokens. Please reduce the length of the messages.",
                                     type: "invalid_request_error", code: "invalid_request_error"))
        case (.qwen, .contextLength):
            return (400, openAIStyle("Range of input length should be [1, \(contextWindow)]", type: "invalid_request_error", code: "invalid_parameter_error"))
        case (.kimi, .contextLength):
            return (400, kimiStyle("Invalid request: Input token length too long", type: "invalid_request_error"))
        case (.glm, .contextLength): return (400, glmStyle("Prompt 超长 (the prompt is too long)", code: "1261"))
        case (_, .contextLength):
            return (400, openAIStyle("This model's maximum context length is \(contextWindow) tokens. Please reduce the length of the messages.",
                                     type: "invalid_request_error", code: "context_length_exceeded"))
        case (_, .server), (_, .midStream), (_, .drop), (_, .timeout):
            return (500, openAIStyle("The server had an error while processing your request.", type: "server_error", code: "internal_error"))
        }
    }

    /// The event a stream sends when it fails after it started.
    func midStreamError() -> String {
        switch family {
        case .glm: return glmStyle("Network error, please retry.", code: "1234")
        case .kimi: return kimiStyle("The engine encountered an internal error", type: "server_error")
        default: return openAIStyle("The stream was interrupted by an internal error.", type: "server_error", code: "internal_error")
        }
    }

    /// A request the family refuses, in its dialect (HTTP 400).
    func invalidRequest(_ problem: RequestProblem) -> (status: Int, body: String) {
        switch family {
        case .kimi: return (400, kimiStyle(problem.message, type: "invalid_request_error"))
        case .glm: return (400, glmStyle(problem.message, code: problem.code ?? "1210"))
        case .deepseek, .qwen, .openai:
            let param = problem.param.map(JSONString.quoted) ?? "null"
            let code = problem.code ?? (family == .openai ? "invalid_value" : "invalid_request_error")
            return (400, "{\"error\":{\"message\":\(JSONString.quoted(problem.message)),\"type\":\"invalid_request_error\",\"param\":\(param),\"code\":\(JSONString.quoted(code))}}")
        }
    }

    func modelNotFound() -> (status: Int, body: String) {
        (404, openAIStyle("The model `\(model)` does not exist.", type: "invalid_request_error", code: "model_not_found"))
    }

    private func openAIStyle(_ message: String, type: String, code: String) -> String {
        "{\"error\":{\"message\":\(JSONString.quoted(message)),\"type\":\(JSONString.quoted(type)),\"param\":null,\"code\":\(JSONString.quoted(code))}}"
    }

    private func kimiStyle(_ message: String, type: String) -> String {
        "{\"error\":{\"message\":\(JSONString.quoted(message)),\"type\":\(JSONString.quoted(type))}}"
    }

    private func glmStyle(_ message: String, code: String) -> String {
        "{\"error\":{\"code\":\(JSONString.quoted(code)),\"message\":\(JSONString.quoted(message))}}"
    }
}
