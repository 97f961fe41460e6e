import Foundation

/// Validates the `routing:` section.
struct RoutingValidator {
    let validator: ConfigValidator
    let catalog: Catalog
    let timeouts: UpstreamTimeouts
    /// Catalog IDs some deployment serves.
    let served: Set<String>

    func routing(_ cursor: YAMLCursor) throws(ConfigError) -> RoutingSettings {
        let fields = try cursor.mapping(allowed: ["strategy", "retry", "breaker", "balance_cooldown_s", "hedge", "models", "rules", "probe_interval_s"])
        var routing = RoutingSettings()
        if let v = fields["strategy"] { routing.strategy = try strategy(v) }
        if let v = fields["retry"] {
            let f = try v.mapping(allowed: ["max_attempts", "initial_backoff_ms", "max_backoff_ms"])
            if let x = f["max_attempts"] { routing.retry.maxAttempts = try x.int(in: 1...10) }
            if let x = f["initial_backoff_ms"] { routing.retry.initialBackoff = .milliseconds(try x.int(in: 0...60_000)) }
            if let x = f["max_backoff_ms"] { routing.retry.maxBackoff = .milliseconds(try x.int(in: 0...600_000)) }
        }
        if let v = fields["breaker"] {
            let f = try v.mapping(allowed: ["consecutive_failures", "failure_rate", "minimum_requests", "window_s", "open_s"])
            if let x = f["consecutive_failures"] { routing.breaker.consecutiveFailures = try x.int(in: 1...10_000) }
            if let x = f["failure_rate"] { routing.breaker.failureRate = try x.number(in: 0.01...1) }
            if let x = f["minimum_requests"] { routing.breaker.minimumRequests = try x.int(in: 1...1_000_000) }
            if let x = f["window_s"] { routing.breaker.window = .milliseconds(Int64(try x.number(in: 0.1...86_400) * 1000)) }
            if let x = f["open_s"] { routing.breaker.openDuration = .milliseconds(Int64(try x.number(in: 0.01...86_400) * 1000)) }
        }
        if let v = fields["balance_cooldown_s"] { routing.balanceCooldown = .milliseconds(Int64(try v.number(in: 0...604_800) * 1000)) }
        if let v = fields["probe_interval_s"] { routing.probeInterval = .milliseconds(Int64(try v.number(in: 0.1...86_400) * 1000)) }
        if let v = fields["hedge"] {
            let f = try v.mapping(allowed: ["enabled", "delay_ms", "budget_percent"])
            if let x = f["enabled"] { routing.hedge.enabled = try x.bool() }
            if let x = f["delay_ms"] { routing.hedge.delay = .milliseconds(try x.int(in: 1...600_000)) }
            if let x = f["budget_percent"] { routing.hedge.budget = try x.number(in: 0...100) / 100 }
        }
        if let v = fields["models"] {
            for (name, entry) in try v.pairs() {
                let id = try modelID(name, at: entry)
                let f = try entry.mapping(allowed: ["strategy", "fallbacks", "timeouts"])
                var settings = ModelRouting()
                if let x = f["strategy"] { settings.strategy = try strategy(x) }
                if let x = f["fallbacks"] {
                    for item in try x.sequence() {
                        let fallback = try modelID(try item.string(), at: item)
                        guard fallback != id else { throw item.error("a model cannot be its own fallback") }
                        settings.fallbacks.append(fallback)
                    }
                }
                if let x = f["timeouts"] { settings.timeouts = try validator.upstreamTimeouts(x, base: timeouts, allowConnect: false) }
                routing.models[id] = settings
            }
        }
        if let v = fields["rules"] {
            let entries = try v.sequence()
            guard !entries.isEmpty else { throw v.error("must list at least one rule (leave it out for the built-in rules)") }
            routing.policy = RoutePolicy(rules: try entries.map { c throws(ConfigError) in try rule(c) })
        }
        return routing
    }

    private func strategy(_ cursor: YAMLCursor) throws(ConfigError) -> DeploymentStrategy {
        let name = try cursor.string()
        guard let strategy = DeploymentStrategy(rawValue: name) else {
            throw cursor.error("unknown strategy '\(name)' (expected one of: \(DeploymentStrategy.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return strategy
    }

    /// A model named in routing must be in the catalog and served by some deployment.
    private func modelID(_ name: String, at cursor: YAMLCursor) throws(ConfigError) -> String {
        guard let model = catalog.model(named: name) else { throw cursor.error("'\(name)' is not a catalog model") }
        guard served.contains(model.id) else { throw cursor.error("no deployment serves '\(model.id)'") }
        return model.id
    }

    private func rule(_ cursor: YAMLCursor) throws(ConfigError) -> RouteRule {
        let f = try cursor.mapping(allowed: ["name", "when", "models", "policy", "max_price_per_1m", "timeouts"])
        guard let nameCursor = f["name"] else { throw cursor.error("needs a name") }
        var condition = RouteRule.Condition()
        if let when = f["when"] {
            let w = try when.mapping(allowed: ["image", "audio_or_video", "code", "reasoning", "min_chinese_share", "min_prompt_tokens", "hint"])
            if let x = w["image"] { condition.image = try x.bool() }
            if let x = w["audio_or_video"] { condition.audioOrVideo = try x.bool() }
            if let x = w["code"] { condition.code = try x.bool() }
            if let x = w["reasoning"] { condition.reasoning = try x.bool() }
            if let x = w["min_chinese_share"] { condition.minChineseShare = try x.number(in: 0...1) }
            if let x = w["min_prompt_tokens"] { condition.minPromptTokens = try x.int(in: 0...100_000_000) }
            if let x = w["hint"] { condition.hint = try x.string().lowercased() }
        }
        let maxPrice = try f["max_price_per_1m"].map { c throws(ConfigError) in try c.decimal(max: 100_000) }
        let target: RouteRule.Target
        switch (f["models"], f["policy"]) {
        case (let models?, nil):
            let ids = try models.sequence().map { c throws(ConfigError) in try modelID(try c.string(), at: c) }
            guard !ids.isEmpty else { throw models.error("must name at least one model") }
            target = .models(ids)
        case (nil, let policy?):
            switch try policy.string() {
            case "cheapest-capable": target = .cheapestCapable(maxPricePer1M: maxPrice)
            case "fastest-capable": target = .fastestCapable(maxPricePer1M: maxPrice)
            default: throw policy.error("unknown policy (expected cheapest-capable or fastest-capable)")
            }
        default:
            throw cursor.error("needs either models: [...] or policy: cheapest-capable | fastest-capable")
        }
        let ruleTimeouts = try f["timeouts"].map { c throws(ConfigError) in try validator.upstreamTimeouts(c, base: timeouts, allowConnect: false) }
        return RouteRule(name: try nameCursor.string(), when: condition, target: target, timeouts: ruleTimeouts)
    }
}
