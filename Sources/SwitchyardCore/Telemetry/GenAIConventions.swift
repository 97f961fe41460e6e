/// The OpenTelemetry semantic conventions for generative AI that Switchyard emits: metric names
/// in their Prometheus form, label names, bucket boundaries, and the provider name of each
/// model family. Pure data, shared by the metrics and (later) the traces.
package enum GenAIConventions {
    /// `gen_ai.operation.name` of a chat completion (the Messages door included).
    package static let chatOperation = "chat"

    /// `gen_ai.client.token.usage`: a histogram of tokens per operation, label `gen_ai_token_type`.
    package static let tokenUsage = "gen_ai_client_token_usage"
    /// `gen_ai.client.operation.duration`, in seconds.
    package static let operationDuration = "gen_ai_client_operation_duration_seconds"
    /// `gen_ai.client.operation.time_to_first_chunk`, in seconds (streams only).
    package static let timeToFirstChunk = "gen_ai_client_operation_time_to_first_chunk_seconds"
    /// `gen_ai.client.operation.time_per_output_chunk`, in seconds, one observation per chunk
    /// after the first (streams only).
    package static let timePerOutputChunk = "gen_ai_client_operation_time_per_output_chunk_seconds"

    /// Every GenAI series `/metrics` can show (the Grafana dashboard is checked against these).
    package static let metricNames = [tokenUsage, operationDuration, timeToFirstChunk, timePerOutputChunk]

    /// The conventions' bucket boundaries for token counts.
    package static let tokenBuckets: [Double] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
    /// …for operation durations and time to first chunk, in seconds.
    package static let durationBuckets: [Double] = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
    /// …for the time per output chunk, in seconds.
    package static let chunkBuckets: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5]

    /// `gen_ai.provider.name`: the conventions' well-known value for a family where there is
    /// one, else the family's own name.
    package static func providerName(_ family: ModelFamily) -> String {
        switch family {
        case .deepseek: "deepseek"
        case .kimi: "moonshot_ai"
        case .openai: "openai"
        case .qwen: "qwen"
        case .glm: "glm"
        }
    }

    /// The labels of one operation: `gen_ai_operation_name`, `gen_ai_provider_name`,
    /// `gen_ai_request_model` (the catalog model attempted) and `gen_ai_response_model` (the
    /// deployment's name for it, which is what the upstream answers with). All come from the
    /// configuration, never from a request or an upstream, so their number is bounded.
    package static func labels(family: ModelFamily, requestModel: String, responseModel: String) -> [(String, String)] {
        [("gen_ai_operation_name", chatOperation), ("gen_ai_provider_name", providerName(family)),
         ("gen_ai_request_model", requestModel), ("gen_ai_response_model", responseModel)]
    }
}
