import SwitchyardCore

/// What each provider family refuses, as its documentation says (provider-apis.md §7): the
/// simulator answers these with the family's 400, so an application learns them before
/// production. Where a family's documentation is silent the OpenAI contract applies.
enum FamilyRules {
    /// The problem the family would answer with, or nil when it serves the request.
    static func problem(_ request: SimulatedRequest, model: CatalogModel, thinking: Bool) -> RequestProblem? {
        if let problem = request.problem { return problem }
        let stopLimit: Int
        switch model.family {
        case .deepseek: stopLimit = 16
        case .kimi: stopLimit = 5
        case .glm: stopLimit = 1
        case .qwen, .openai: stopLimit = 4
        }
        if request.stop.count > stopLimit {
            if model.family == .glm {
                return RequestProblem(message: "stop 参数只支持一个停止词 (only one stop word is supported)", param: "stop", code: "1210")
            }
            return RequestProblem(message: "Invalid 'stop': at most \(stopLimit) stop sequences are allowed.", param: "stop")
        }
        switch model.family {
        case .deepseek:
            // Thinking mode (V4's default): the tool_choice rule from a live capture, logprobs
            // from the V3.2 thinking doc, reasoning_content in tool turns (provider-apis.md §7.1).
            if thinking {
                if request.toolChoice == .required || request.toolChoice.isNamed {
                    return RequestProblem(message: "Thinking mode does not support this tool_choice", param: "tool_choice")
                }
                if request.logprobs { return RequestProblem(message: "Thinking mode does not support logprobs", param: "logprobs") }
                if request.hasToolTurnWithoutReasoning {
                    return RequestProblem(message: "The reasoning_content in the thinking mode must be passed back to the API.", param: "messages")
                }
            }
        case .kimi:
            // K2.5 and later: n fixed at 1; tool_choice `required` refused on K2.x, a named tool
            // refused with thinking on; reasoning_content needed back in tool turns.
            if request.n > 1 { return RequestProblem(message: "Invalid request: n must be 1 for \(model.id)", param: "n") }
            if request.toolChoice == .required {
                return RequestProblem(message: "Invalid request: tool_choice 'required' is not supported by \(model.id)", param: "tool_choice")
            }
            if thinking && request.toolChoice.isNamed {
                return RequestProblem(message: "Invalid request: tool_choice 'specified' is incompatible with thinking enabled", param: "tool_choice")
            }
            if request.stop.contains(where: { $0.utf8.count > 32 }) {
                return RequestProblem(message: "Invalid request: each stop sequence may be at most 32 bytes", param: "stop")
            }
            if thinking && request.hasToolTurnWithoutReasoning {
                return RequestProblem(message: "Invalid request: The reasoning_content in the thinking mode must be passed back to the API.", param: "messages")
            }
        case .qwen:
            if request.responseFormat == .jsonObject && !request.mentionsJSON {
                return RequestProblem(message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
                                      param: "messages", code: "invalid_parameter_error")
            }
            // Open-source Qwen3 models refuse non-streaming calls with thinking on.
            if thinking && !request.stream && model.thinking == .onByDefault {
                return RequestProblem(message: "parameter.enable_thinking must be set to false for non-streaming calls",
                                      param: "enable_thinking", code: "invalid_parameter_error")
            }
        case .glm:
            if request.toolChoiceGiven && request.toolChoice != .auto {
                return RequestProblem(message: "tool_choice 只支持 auto (only \"auto\" is supported)", param: "tool_choice", code: "1210")
            }
        case .openai:
            break
        }
        return nil
    }

    /// Whether the family answers with several tool calls at once when asked, unless the
    /// request says: Qwen only with `parallel_tool_calls: true` (provider-apis.md §7.1).
    static func parallelToolCalls(_ request: SimulatedRequest, family: ModelFamily) -> Bool {
        request.parallelToolCalls ?? (family != .qwen)
    }

    /// Whether tool-call arguments stream in fragments: GLM sends each call whole unless
    /// `tool_stream: true`; the others stream fragments keyed by index.
    static func streamsToolArguments(_ request: SimulatedRequest, family: ModelFamily) -> Bool {
        family != .glm || request.toolStream
    }

    /// Finish reasons a `[sim finish=…]` directive may force, per family.
    static func finishReasons(family: ModelFamily) -> Set<String> {
        family == .glm ? ["stop", "length", "sensitive", "network_error", "model_context_window_exceeded"] : ["stop", "length", "content_filter"]
    }
}

extension SimulatedRequest.ToolChoice {
    var isNamed: Bool {
        if case .named = self { return true }
        return false
    }
}
