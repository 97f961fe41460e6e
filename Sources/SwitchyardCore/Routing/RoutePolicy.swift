import Foundation

/// One rule of task-aware routing: when a request looks like this, use these models.
package struct RouteRule: Sendable, Hashable {
    package var name: String
    package var when: Condition
    package var target: Target
    /// Timeouts for requests this rule routes (else each model's, else the global ones).
    package var timeouts: UpstreamTimeouts?

    /// Every condition given must hold (an empty condition always matches).
    package struct Condition: Sendable, Hashable {
        package var image: Bool?
        package var audioOrVideo: Bool?
        package var code: Bool?
        package var reasoning: Bool?
        package var minChineseShare: Double?
        package var minPromptTokens: Int?
        package var hint: String?

        package init(image: Bool? = nil, audioOrVideo: Bool? = nil, code: Bool? = nil, reasoning: Bool? = nil,
                    minChineseShare: Double? = nil, minPromptTokens: Int? = nil, hint: String? = nil) {
            self.image = image
            self.audioOrVideo = audioOrVideo
            self.code = code
            self.reasoning = reasoning
            self.minChineseShare = minChineseShare
            self.minPromptTokens = minPromptTokens
            self.hint = hint
        }

        /// Nil when it matches; otherwise the first condition that failed, in words.
        func mismatch(_ f: RequestFeatures) -> String? {
            if let image, f.hasImage != image { return image ? "no image part" : "has an image part" }
            if let audioOrVideo, (f.hasAudio || f.hasVideo) != audioOrVideo { return audioOrVideo ? "no audio or video part" : "has audio or video" }
            if let code, f.looksLikeCode != code { return code ? "no code signals" : "looks like code" }
            if let reasoning, f.wantsReasoning != reasoning { return reasoning ? "no reasoning hint" : "asks for reasoning" }
            if let minChineseShare, f.chineseShare < minChineseShare {
                return "Chinese share \(Int(f.chineseShare * 100))% < \(Int(minChineseShare * 100))%"
            }
            if let minPromptTokens, f.estimatedPromptTokens < minPromptTokens { return "prompt ~\(f.estimatedPromptTokens) tokens < \(minPromptTokens)" }
            if let hint, f.hint != hint { return "hint is not '\(hint)'" }
            return nil
        }
    }

    package enum Target: Sendable, Hashable {
        /// These models in order: the first capable one serves, the rest are its fallbacks.
        case models([String])
        /// Every capable model at or under the price, cheapest first.
        case cheapestCapable(maxPricePer1M: Decimal?)
        /// Every capable model at or under the price, highest tokens/s first.
        case fastestCapable(maxPricePer1M: Decimal?)
    }

    package init(name: String, when: Condition = .init(), target: Target, timeouts: UpstreamTimeouts? = nil) {
        self.name = name
        self.when = when
        self.target = target
        self.timeouts = timeouts
    }
}

/// The outcome of routing one request: the rule that chose, the models in the order to try,
/// and why the others were skipped.
package struct RouteDecision: Sendable, Hashable {
    package var rule: String
    package var models: [String]
    package var notes: [String]
    package var timeouts: UpstreamTimeouts?
}

/// Ordered rules, evaluated top to bottom; the first rule with a capable, served model wins.
package struct RoutePolicy: Sendable, Hashable {
    package var rules: [RouteRule]

    package init(rules: [RouteRule]) {
        self.rules = rules
    }

    /// The seed's decision framework: vision → Qwen3-VL-32B (GLM-4.6V for Chinese documents);
    /// audio/video → Qwen3-Omni-30B; code → coder models; complex reasoning → Kimi K2.5 /
    /// Qwen3.5-397B; Chinese-centred text → GLM; otherwise DeepSeek V4 Flash.
    package static let seedDefault = RoutePolicy(rules: [
        RouteRule(name: "vision-chinese", when: .init(image: true, minChineseShare: 0.3), target: .models(["glm-4.6v", "Qwen/Qwen3-VL-32B"])),
        RouteRule(name: "vision", when: .init(image: true), target: .models(["Qwen/Qwen3-VL-32B", "glm-4.6v"])),
        RouteRule(name: "audio-video", when: .init(audioOrVideo: true), target: .models(["Qwen/Qwen3-Omni-30B"])),
        RouteRule(name: "code", when: .init(code: true), target: .models(["Qwen/Qwen3-Coder-30B", "deepseek-coder", "deepseek-v4-flash"])),
        RouteRule(name: "reasoning", when: .init(reasoning: true), target: .models(["kimi-k2.5", "Qwen/Qwen3.5-397B", "deepseek-v4-pro"])),
        RouteRule(name: "chinese", when: .init(minChineseShare: 0.3), target: .models(["glm-5", "glm-4-9b", "Qwen/Qwen3-32B"])),
        RouteRule(name: "default", target: .models(["deepseek-v4-flash", "Qwen/Qwen3-32B"])),
    ])

    /// Chooses models for `features`. `isServed` tells whether some deployment serves a model.
    package func decide(_ features: RequestFeatures, catalog: Catalog, isServed: (String) -> Bool) -> RouteDecision {
        var notes: [String] = []
        for rule in rules {
            if let why = rule.when.mismatch(features) {
                notes.append("rule \(rule.name): no match (\(why))")
                continue
            }
            let models = candidates(for: rule.target, features: features, catalog: catalog, isServed: isServed, notes: &notes)
            if models.isEmpty {
                notes.append("rule \(rule.name): matched, but no capable model is served")
                continue
            }
            notes.append("rule \(rule.name): matched → \(models.joined(separator: " → "))")
            return RouteDecision(rule: rule.name, models: models, notes: notes, timeouts: rule.timeouts)
        }
        let fallback = candidates(for: .cheapestCapable(maxPricePer1M: nil), features: features, catalog: catalog, isServed: isServed, notes: &notes)
        notes.append("no rule chose a model: cheapest capable → \(fallback.first ?? "none")")
        return RouteDecision(rule: "cheapest-capable", models: fallback, notes: notes, timeouts: nil)
    }

    private func candidates(for target: RouteRule.Target, features: RequestFeatures, catalog: Catalog,
                            isServed: (String) -> Bool, notes: inout [String]) -> [String] {
        switch target {
        case .models(let names):
            var out: [String] = []
            for name in names {
                guard let model = catalog.model(named: name) else { notes.append("  skip \(name): not in the catalog"); continue }
                if let why = Self.unfit(model, features, isServed) { notes.append("  skip \(model.id): \(why)"); continue }
                if !out.contains(model.id) { out.append(model.id) }
            }
            return out
        case .cheapestCapable(let cap), .fastestCapable(let cap):
            let fit = catalog.models.filter { model in
                guard Self.unfit(model, features, isServed) == nil, let price = model.pricing?.blendedPer1M else { return false }
                return cap.map { price <= $0 } ?? true
            }
            if case .fastestCapable = target {
                return fit.sorted { ($0.tokensPerSecond ?? 0, $1.id) > ($1.tokensPerSecond ?? 0, $0.id) }.map(\.id)
            }
            return fit.sorted { ($0.pricing!.blendedPer1M, $0.id) < ($1.pricing!.blendedPer1M, $1.id) }.map(\.id)
        }
    }

    /// Why `model` cannot serve the request, or nil.
    package static func unfit(_ model: CatalogModel, _ features: RequestFeatures, _ isServed: (String) -> Bool) -> String? {
        if !isServed(model.id) { return "no deployment serves it" }
        let missing = features.requiredCapabilities.subtracting(model.capabilities)
        if !missing.isEmpty { return "lacks \(missing.sorted().map(\.rawValue).joined(separator: ", "))" }
        if features.estimatedContextTokens > model.contextWindow {
            return "request (~\(features.estimatedContextTokens) tokens) exceeds its \(model.contextWindow)-token context"
        }
        return nil
    }
}
