import Foundation

/// A monthly (or any period's) token volume and its mix, priced exactly.
package struct Workload: Sendable, Hashable {
    package var tokens: Decimal
    /// Share of the tokens that are prompt (input) tokens, 0…1; the rest are output.
    package var inputShare: Decimal
    /// Share of the input tokens served from the provider's prompt cache, 0…1.
    package var cachedShare: Decimal

    package init(tokens: Decimal, inputShare: Decimal = Decimal(string: "0.5")!, cachedShare: Decimal = 0) {
        self.tokens = tokens
        self.inputShare = inputShare
        self.cachedShare = cachedShare
    }

    /// The cost of the whole volume at `pricing` (USD per 1M tokens).
    package func cost(at pricing: Pricing) -> Decimal {
        let million = tokens / 1_000_000
        let input = million * inputShare
        let cached = input * cachedShare
        let output = million * (1 - inputShare)
        return (input - cached) * pricing.inputPer1M + cached * pricing.cachedInputPer1M + output * pricing.outputPer1M
    }

    /// The effective price per 1M tokens of this mix.
    package func blendedRate(at pricing: Pricing) -> Decimal {
        inputShare * (1 - cachedShare) * pricing.inputPer1M + inputShare * cachedShare * pricing.cachedInputPer1M + (1 - inputShare) * pricing.outputPer1M
    }
}

/// What a workload costs on each model, cheapest first; models without a price come last.
package enum CostProjection {
    package struct Row: Sendable, Hashable {
        package var model: CatalogModel
        /// Nil when the model has no price.
        package var cost: Decimal?
        package var ratePer1M: Decimal?
    }

    package static func rows(_ workload: Workload, models: [CatalogModel]) -> [Row] {
        let rows = models.map { model in
            Row(model: model, cost: model.pricing.map(workload.cost(at:)), ratePer1M: model.pricing.map(workload.blendedRate(at:)))
        }
        return rows.sorted {
            switch ($0.cost, $1.cost) {
            case let (a?, b?) where a != b: return a < b
            case (.some, nil): return true
            case (nil, .some): return false
            default: return $0.model.id < $1.model.id
            }
        }
    }

    /// One share of a multi-region split.
    package struct RegionShare: Sendable, Hashable {
        package var deployment: String
        package var region: String
        package var tokens: Decimal
        package var cost: Decimal?
    }

    /// The workload split over the deployments serving `model`, by weight, each at its own price.
    package static func split(_ workload: Workload, model: CatalogModel, deployments: [DeploymentConfig]) -> [RegionShare] {
        let serving = deployments.filter { $0.models[model.id] != nil }
        let totalWeight = serving.reduce(0) { $0 + max(0, $1.weight) }
        return serving.map { d in
            let share = totalWeight > 0 ? Decimal(max(0, d.weight)) / Decimal(totalWeight) : 1 / Decimal(serving.count)
            var part = workload
            part.tokens = workload.tokens * share
            return RegionShare(deployment: d.name, region: d.region, tokens: part.tokens, cost: d.pricing(for: model).map(part.cost(at:)))
        }
    }
}

extension Decimal {
    /// Money for people: exact to a millionth of a dollar, at least two decimals (`250.00`,
    /// `0.0035`).
    package var usdString: String {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 6, .bankers)
        return rounded.priceString
    }
}
