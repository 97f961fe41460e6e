import SwitchyardCore

/// The text of `switchyard route explain`: how a request would be routed, with reasons.
package enum RouteExplainer {
    package static func explain(_ chat: ChatRequest, config: GatewayConfig, hint: String? = nil, region: String? = nil) -> String {
        let pool = DeploymentPool(deployments: config.deployments, routing: config.routing)
        let features = RequestFeatures(request: chat, hint: hint)
        var lines: [String] = []
        lines.append("request: model \(chat.model)\(chat.stream ? ", streaming" : "")")
        var found: [String] = []
        if features.hasImage { found.append("image") }
        if features.hasAudio { found.append("audio") }
        if features.hasVideo { found.append("video") }
        if features.looksLikeCode { found.append("code") }
        if features.wantsReasoning { found.append("reasoning") }
        found.append("chinese \(Int((features.chineseShare * 100).rounded()))%")
        found.append("~\(features.estimatedPromptTokens) prompt tokens")
        if let max = features.maxOutputTokens { found.append("max \(max) output tokens") }
        if let hint = features.hint { found.append("hint \(hint)") }
        lines.append("features: " + found.joined(separator: ", "))
        let planner = RoutePlanner(catalog: config.catalog, routing: config.routing, isServed: { pool.serves($0) })
        let plan: RoutePlanner.Plan
        do {
            plan = try planner.plan(chat, features: features)
        } catch {
            lines.append("decision: error \(error.status) \(error.code ?? error.type): \(error.message)")
            return lines.joined(separator: "\n")
        }
        lines.append("decision: rule \(plan.rule) → \(plan.models.first?.id ?? "none")")
        for note in plan.notes { lines.append("  " + note) }
        lines.append("models to try: " + plan.models.map(\.id).joined(separator: " → "))
        let (candidates, skipped) = pool.candidates(for: plan.models, preferredRegion: region)
        lines.append("candidates (first tried first; \(config.routing.retry.maxAttempts) attempts at most):")
        for (index, c) in candidates.enumerated() {
            let price = c.pricing.map { "$\($0.inputPer1M.priceString)/$\($0.outputPer1M.priceString) per 1M in/out" } ?? "price unknown"
            lines.append("  \(index + 1). \(c.model.id) @ \(c.deployment.name) (\(c.deployment.provider), region \(c.deployment.region), \(config.routing.strategy(for: c.model.id).rawValue); \(price))")
        }
        for s in skipped { lines.append("  skipped \(s)") }
        return lines.joined(separator: "\n")
    }
}
