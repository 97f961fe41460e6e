import Foundation

/// The seed's model-choice framework as data plus a scorer: given requirements, every catalog
/// model is checked against them and the eligible ones are ranked, with the reasons.
package enum Recommender {
    package struct Requirements: Sendable, Hashable {
        package var needs: Set<Capability> = []
        /// The most a model may cost, USD per 1M tokens (its input/output average).
        package var budgetPer1M: Decimal?
        package var minTokensPerSecond: Double?
        /// Milliseconds; checked only against measured figures.
        package var p99SLOMs: Double?
        /// Measured figures per model ID (from `switchyard bench --json`), preferred to the catalog's.
        package var measured: [String: Measurement] = [:]

        package init(needs: Set<Capability> = [], budgetPer1M: Decimal? = nil, minTokensPerSecond: Double? = nil, p99SLOMs: Double? = nil,
                    measured: [String: Measurement] = [:]) {
            self.needs = needs
            self.budgetPer1M = budgetPer1M
            self.minTokensPerSecond = minTokensPerSecond
            self.p99SLOMs = p99SLOMs
            self.measured = measured
        }
    }

    package struct Measurement: Sendable, Hashable {
        package var p99Ms: Double?
        package var tokensPerSecond: Double?

        package init(p99Ms: Double? = nil, tokensPerSecond: Double? = nil) {
            self.p99Ms = p99Ms
            self.tokensPerSecond = tokensPerSecond
        }
    }

    package struct Recommendation: Sendable, Hashable {
        package var model: CatalogModel
        package var eligible: Bool
        /// "✓ …" for requirements met, "✗ …" for those failed, "· …" for notes.
        package var reasons: [String]
        /// Position in the seed framework's preference for these needs (nil: not preferred).
        package var preference: Int?
    }

    package static func rank(_ requirements: Requirements, catalog: Catalog) -> [Recommendation] {
        let preferred = RoutePolicy.seedDefault.decide(features(for: requirements), catalog: catalog, isServed: { _ in true })
        let all = catalog.models.map { model in
            evaluate(model, requirements, preference: preferred.models.firstIndex(of: model.id), rule: preferred.rule)
        }
        return all.sorted { a, b in
            if a.eligible != b.eligible { return a.eligible }
            switch (a.preference, b.preference) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            let pa = a.model.pricing?.blendedPer1M
            let pb = b.model.pricing?.blendedPer1M
            switch (pa, pb) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.model.id < b.model.id
            }
        }
    }

    /// The request shape that the routing rules would see for these needs.
    static func features(for requirements: Requirements) -> RequestFeatures {
        var f = RequestFeatures()
        f.hasImage = requirements.needs.contains(.vision)
        f.hasAudio = requirements.needs.contains(.audio)
        f.hasVideo = requirements.needs.contains(.video)
        f.looksLikeCode = requirements.needs.contains(.code)
        f.wantsReasoning = requirements.needs.contains(.reasoning)
        f.chineseShare = requirements.needs.contains(.chinese) ? 1 : 0
        return f
    }

    static func evaluate(_ model: CatalogModel, _ r: Requirements, preference: Int?, rule: String) -> Recommendation {
        var reasons: [String] = []
        var eligible = true
        if !model.chats && !r.needs.contains(.embeddings) {
            reasons.append("✗ an embeddings model: it does not chat")
            eligible = false
        }
        for need in r.needs.sorted() {
            if model.capabilities.contains(need) {
                reasons.append("✓ has \(need.rawValue)")
            } else if need == .chinese && model.family == .qwen {
                reasons.append("· no catalog 'chinese' mark (the seed prefers GLM for Chinese-centred work)")
            } else {
                reasons.append("✗ lacks \(need.rawValue)")
                eligible = false
            }
        }
        let price = model.pricing?.blendedPer1M
        if let budget = r.budgetPer1M {
            if let price, price <= budget {
                reasons.append("✓ $\(price.priceString)/1M within the $\(budget.priceString) budget")
            } else if let price {
                reasons.append("✗ $\(price.priceString)/1M over the $\(budget.priceString) budget")
                eligible = false
            } else {
                reasons.append("✗ price unknown (set it in the config to compare)")
                eligible = false
            }
        } else if let price {
            reasons.append("· $\(price.priceString)/1M")
        } else {
            reasons.append("· price unknown")
        }
        let measured = r.measured[model.id]
        if let minTPS = r.minTokensPerSecond {
            if let tps = measured?.tokensPerSecond {
                let ok = tps >= minTPS
                reasons.append("\(ok ? "✓" : "✗") \(format(tps)) tokens/s measured \(ok ? "≥" : "<") \(format(minTPS))")
                eligible = eligible && ok
            } else if let tps = model.tokensPerSecond {
                let ok = Double(tps) >= minTPS
                reasons.append("\(ok ? "✓" : "✗") ~\(tps) tokens/s (catalog note) \(ok ? "≥" : "<") \(format(minTPS))")
                eligible = eligible && ok
            } else {
                reasons.append("✗ no throughput figure: measure it with `switchyard bench` and pass --bench")
                eligible = false
            }
        }
        if let slo = r.p99SLOMs {
            if let p99 = measured?.p99Ms {
                let ok = p99 <= slo
                reasons.append("\(ok ? "✓" : "✗") p99 \(format(p99)) ms measured \(ok ? "≤" : ">") \(format(slo)) ms")
                eligible = eligible && ok
            } else {
                reasons.append("· p99 not measured: run `switchyard bench --find-knee` against it")
            }
        }
        if let preference {
            reasons.append("· the seed's framework (rule \(rule)) puts it #\(preference + 1) for these needs")
        }
        if !model.notes.isEmpty { reasons.append("· " + model.notes) }
        return Recommendation(model: model, eligible: eligible, reasons: reasons, preference: preference)
    }

    /// A `switchyard.yaml` snippet: the top model with the next ones as its fallback chain,
    /// and an `auto` rule for requests with these needs.
    package static func configSnippet(_ ranked: [Recommendation], requirements: Requirements) -> String? {
        let top = ranked.filter(\.eligible).prefix(3).map(\.model.id)
        guard !top.isEmpty else { return nil }
        var when: [String] = []
        if requirements.needs.contains(.vision) { when.append("image: true") }
        if requirements.needs.contains(.audio) || requirements.needs.contains(.video) { when.append("audio_or_video: true") }
        if requirements.needs.contains(.code) { when.append("code: true") }
        if requirements.needs.contains(.reasoning) { when.append("reasoning: true") }
        if requirements.needs.contains(.chinese) { when.append("min_chinese_share: 0.3") }
        let quoted = top.map { $0.contains("/") ? JSONString.quoted($0) : $0 }
        var lines = ["routing:", "  models:", "    \(quoted[0]):"]
        if top.count > 1 { lines.append("      fallbacks: [\(quoted.dropFirst().joined(separator: ", "))]") } else { lines.append("      fallbacks: []") }
        lines.append("  rules:")
        lines.append("    - {name: recommended, when: {\(when.joined(separator: ", "))}, models: [\(quoted.joined(separator: ", "))]}")
        return lines.joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
