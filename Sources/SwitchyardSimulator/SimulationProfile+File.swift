import Foundation
import SwitchyardCore
import Yams

extension Simulator.Options {
    /// Reads a profile file:
    /// ```yaml
    /// seed: 7
    /// defaults: {ttft_ms: 300, ttft_jitter: 0.25, tokens_per_second: 50, output_tokens: [20, 80],
    ///            faults: {rate_limit: 0.01, server: 0.005}}
    /// models:
    ///   deepseek-v4-flash: {ttft_ms: 250, tokens_per_second: 60, concurrency_knee: 40, overload_ms_per_request: 25}
    /// ```
    /// Model entries start from that model's defaults; `defaults` applies to every model.
    package static func load(profilePath path: String, catalog: Catalog, into options: inout Simulator.Options) throws(ConfigError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, line: nil, column: nil, field: "", message: "cannot read the file")
        }
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else {
                throw ConfigError(file: path, line: 1, column: 1, field: "", message: "the file is empty")
            }
            node = parsed
        } catch let error as ConfigError { throw error } catch {
            throw ConfigError(file: path, line: nil, column: nil, field: "", message: "invalid YAML: \(error)")
        }
        let top = try YAMLCursor(node: node, field: "", file: path).mapping(allowed: ["seed", "defaults", "models"])
        if let seed = top["seed"] { options.seed = UInt64(try seed.int(in: 0...Int.max)) }
        var base: [String: YAMLCursor] = [:]
        if let defaults = top["defaults"] { base = try defaults.mapping(allowed: profileKeys) }
        var entries: [String: [String: YAMLCursor]] = [:]
        if let models = top["models"] {
            for (name, value) in try models.pairs() {
                guard let model = catalog.model(named: name) else { throw value.error("'\(name)' is not a catalog model") }
                entries[model.id] = try value.mapping(allowed: profileKeys)
            }
        }
        for model in catalog.models where !base.isEmpty || entries[model.id] != nil {
            var profile = SimulationProfile.defaults(for: model)
            try apply(base, to: &profile)
            try apply(entries[model.id] ?? [:], to: &profile)
            options.profiles[model.id] = profile
        }
    }

    private static let profileKeys: Set<String> = [
        "ttft_ms", "ttft_jitter", "tokens_per_second", "output_tokens", "faults", "concurrency_knee", "overload_ms_per_request", "keep_alive_ms",
    ]

    private static func apply(_ fields: [String: YAMLCursor], to profile: inout SimulationProfile) throws(ConfigError) {
        if let v = fields["ttft_ms"] { profile.ttftMs = try v.number(in: 0...3_600_000) }
        if let v = fields["ttft_jitter"] { profile.ttftJitter = try v.number(in: 0...3) }
        if let v = fields["tokens_per_second"] { profile.tokensPerSecond = try v.number(in: 0.01...1_000_000) }
        if let v = fields["output_tokens"] {
            let pair = try v.sequence()
            guard pair.count == 2 else { throw v.error("must be [min, max]") }
            let low = try pair[0].int(in: 0...1_000_000)
            let high = try pair[1].int(in: low...1_000_000)
            profile.outputTokens = low...high
        }
        if let v = fields["faults"] {
            var rates: [SimulatedFault: Double] = [:]
            for (name, rate) in try v.pairs() {
                guard let fault = SimulatedFault(rawValue: name) else {
                    throw rate.error("unknown fault (expected one of: \(SimulatedFault.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                rates[fault] = try rate.number(in: 0...1)
            }
            guard rates.values.reduce(0, +) <= 1 else { throw v.error("fault rates add up to more than 1") }
            profile.faultRates = rates
        }
        if let v = fields["concurrency_knee"] { profile.concurrencyKnee = try v.int(in: 1...1_000_000) }
        if let v = fields["overload_ms_per_request"] { profile.overloadMsPerRequest = try v.number(in: 0...60_000) }
        if let v = fields["keep_alive_ms"] { profile.keepAliveMs = try v.number(in: 1...600_000) }
    }
}
