import SwitchyardCore
import Synchronization

/// An OpenAI-compatible fake upstream: every catalog model, with per-model latency, speed,
/// answer length, injected faults and each family's wire quirks.
///
/// The same `Simulator` backs the embedded default of `switchyard serve` (called in-process)
/// and `switchyard sim` (served over HTTP by `SimulatorServer`). With a fixed seed, the n-th
/// request to a model always gets the same draw of latency, length and faults.
package final class Simulator: Sendable {
    package struct Options: Sendable {
        /// Seed of every random draw.
        package var seed: UInt64 = 42
        /// Answer at once: no time to first token, no pacing (for overhead benchmarks).
        package var fast = false
        /// Profile per catalog model ID; models not listed use `SimulationProfile.defaults(for:)`.
        package var profiles: [String: SimulationProfile] = [:]

        package init(seed: UInt64 = 42, fast: Bool = false, profiles: [String: SimulationProfile] = [:]) {
            self.seed = seed
            self.fast = fast
            self.profiles = profiles
        }
    }

    package let catalog: Catalog
    package let options: Options
    package let stats = SimulatorStats()
    private let sequence = Mutex<[String: UInt64]>([:])
    private let overrides = Mutex<[String: SimulationProfile]>([:])

    package init(catalog: Catalog = .builtIn, options: Options = Options()) {
        self.catalog = catalog
        self.options = options
    }

    /// Changes a model's behaviour while running (a latency spike, an outage, a recovery);
    /// nil goes back to the configured profile.
    package func setProfile(_ profile: SimulationProfile?, for modelID: String) {
        guard let model = catalog.model(named: modelID) else { return }
        overrides.withLock { $0[model.id] = profile }
    }

    package func profile(for model: CatalogModel) -> SimulationProfile {
        if let profile = overrides.withLock({ $0[model.id] }) { return profile }
        if let profile = options.profiles[model.id] { return profile }
        return SimulationProfile.defaults(for: model)
    }

    /// Answers one `POST /chat/completions`. `headers` are the request's (lower-case names),
    /// used only by `[sim echo]`.
    package func respond(body: [UInt8], headers: [(String, String)] = []) -> SimulatedResponse {
        guard let request = SimulatedRequest(body: body) else {
            let error = "{\"error\":{\"message\":\"Invalid request body: expected a JSON object with model and messages.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
            return Self.immediate(status: 400, body: error)
        }
        guard let model = catalog.model(named: request.model) else {
            let wire = WireFormat(family: .openai, id: "", model: request.model, created: 0)
            let (status, body) = wire.modelNotFound()
            return Self.immediate(status: status, body: body)
        }
        let n = sequence.withLock { counters -> UInt64 in
            defer { counters[model.id, default: 0] += 1 }
            return counters[model.id, default: 0]
        }
        // A request with a `seed` draws from the seed and its messages, so the same seed and
        // messages always get the same answer (which `stop`, `max_tokens`, … then shape);
        // others from the model's request count.
        let draw = request.seed.map { SeededRandom.hash($0) ^ SeededRandom.hash(request.messagesText) } ?? (n &* 0x9E37_79B9_7F4A_7C15)
        var rng = SeededRandom(seed: options.seed ^ SeededRandom.hash(model.id) ^ draw)
        let profile = profile(for: model)
        let wire = WireFormat(family: model.family, id: "chatcmpl-sim\(options.seed)x\(n)", model: request.model, created: 1_764_000_000 + Int(n),
                              contextWindow: model.contextWindow)
        let plan = ResponsePlan(request: request, model: model, profile: profile, fast: options.fast,
                                inFlight: stats.inFlight(model: model.id), rng: &rng, headers: headers)
        return plan.render(wire: wire, ticket: InFlightTicket(stats: stats, model: model.id))
    }

    static func immediate(status: Int, body: String, headers: [(String, String)] = []) -> SimulatedResponse {
        SimulatedResponse(status: status, headers: [("content-type", "application/json")] + headers,
                          body: SimulatedBody(steps: [.bytes(Array(body.utf8))], ticket: nil))
    }
}

