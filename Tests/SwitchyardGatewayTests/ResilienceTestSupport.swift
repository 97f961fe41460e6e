import Foundation
import HummingbirdTesting
import SwitchyardCore
import SwitchyardGateway
import SwitchyardSimulator
import Testing

/// Runs `body` with one HTTP simulator per entry of `simulators`, each on its own loopback port.
func withSimulatorServers(_ simulators: [Simulator], _ body: @escaping @Sendable ([Int]) async throws -> Void) async throws {
    try await withSimulatorServers(simulators[...], ports: [], body)
}

private func withSimulatorServers(_ simulators: ArraySlice<Simulator>, ports: [Int],
                                  _ body: @escaping @Sendable ([Int]) async throws -> Void) async throws {
    guard let first = simulators.first else { return try await body(ports) }
    let rest = simulators.dropFirst()
    try await withSimulatorServer(first) { port in try await withSimulatorServers(rest, ports: ports + [port], body) }
}

/// A fast profile with one fault rate, for simulators standing in for a broken region.
func faultyProfile(_ fault: SimulatedFault, rate: Double = 1) -> SimulationProfile {
    var profile = SimulationProfile(ttftMs: 0, ttftJitter: 0, tokensPerSecond: 1_000_000, outputTokens: 5...5)
    profile.faultRates = [fault: rate]
    return profile
}

/// A quick, deterministic profile: answers in about a millisecond.
let quickProfile = SimulationProfile(ttftMs: 1, ttftJitter: 0, tokensPerSecond: 1_000_000, outputTokens: 5...5)

/// One provider whose deployments (`d0`, `d1`, …, regions `r0`, `r1`, …) point at `ports`,
/// all serving `models`, plus whatever `routing` says.
func resilienceConfig(family: String, ports: [Int], models: [String], routing: String,
                      timeouts: String = "{connect_ms: 500, first_token_ms: 2000, total_ms: 20000}") throws -> GatewayConfig {
    var yaml = "timeouts: \(timeouts)\nproviders:\n  - name: \(family)\n    family: \(family)\n    deployments:\n"
    for (i, port) in ports.enumerated() {
        let table = models.map { "\(JSONString.quoted($0)): " }.joined(separator: ", ")
        yaml += "      - {name: d\(i), region: r\(i), base_url: \"http://127.0.0.1:\(port)/v1\", models: {\(table)}}\n"
    }
    yaml += "routing:\n" + routing
    var config = try GatewayConfig.parse(yaml: yaml, file: "chaos.yaml", environment: [:])
    config.server.publicHealth = true  // The tests read /admin/health without an admin key.
    return config
}

/// A config with two providers of different families (for fallbacks across families).
func twoFamilyConfig(first: (family: String, port: Int, model: String), second: (family: String, port: Int, model: String),
                     routing: String) throws -> GatewayConfig {
    let yaml = """
        timeouts: {connect_ms: 500, first_token_ms: 2000, total_ms: 20000}
        providers:
          - name: \(first.family)
            family: \(first.family)
            deployments:
              - {name: \(first.family)-d, base_url: "http://127.0.0.1:\(first.port)/v1", models: {\(JSONString.quoted(first.model)): }}
          - name: \(second.family)
            family: \(second.family)
            deployments:
              - {name: \(second.family)-d, base_url: "http://127.0.0.1:\(second.port)/v1", models: {\(JSONString.quoted(second.model)): }}
        routing:
        \(routing)
        """
    var config = try GatewayConfig.parse(yaml: yaml, file: "chaos.yaml", environment: [:])
    config.server.publicHealth = true  // The tests read /admin/health without an admin key.
    return config
}

/// Percentile of durations (nearest rank), in milliseconds.
func percentileMs(_ samples: [Duration], _ p: Double) -> Double {
    guard !samples.isEmpty else { return 0 }
    let sorted = samples.map { $0.seconds * 1000 }.sorted()
    let rank = max(0, min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}

/// The figures of a chaos scenario, printed so that the test report shows them.
func report(_ line: String) {
    print("CHAOS " + line)
}
