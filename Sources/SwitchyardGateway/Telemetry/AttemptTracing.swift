import SwitchyardCore

/// What the CLIENT spans of a call's attempts need from the call: the tracer, the call's SERVER
/// span (their parent) and the call's own attributes. Nil when traces are off.
struct AttemptTracing: Sendable {
    let tracer: GatewayTracer
    let parent: TraceSpan
    var route: String?
    var keyID: String?
    var team: String?

    /// The attempt numbered `number` (1 for the first) of the call.
    func attempt(_ number: Int, hedge: Bool = false) -> Numbered {
        Numbered(tracing: self, number: number, hedge: hedge)
    }

    struct Numbered: Sendable {
        let tracing: AttemptTracing
        let number: Int
        let hedge: Bool

        /// Starts the span of this attempt on `candidate`.
        func start(_ candidate: DeploymentPool.Candidate, operation: UpstreamOperation) -> TraceSpan {
            let deployment = candidate.deployment
            let baseURL: String? = if case .http(let url) = deployment.endpoint { url } else { nil }
            var attempt = GenAISpan.Attempt(
                operation: operation.genAIName, family: deployment.family, requestModel: candidate.model.id, deployment: deployment.name,
                region: deployment.region, baseURL: baseURL, route: tracing.route, attempt: number, hedge: hedge, keyID: tracing.keyID,
                team: tracing.team)
            if case .chat(let chat) = operation { attempt.read(chat) }
            let span = tracing.tracer.startAttempt(attempt, parent: tracing.parent)
            if span.capturesContent, case .chat(let chat) = operation {
                span.set(GenAISpan.contentFields(request: chat, completion: nil))
            }
            return span
        }
    }
}

extension UpstreamOperation {
    /// `gen_ai.operation.name`.
    var genAIName: String {
        switch self {
        case .chat: GenAIConventions.chatOperation
        case .embeddings: "embeddings"
        }
    }
}
