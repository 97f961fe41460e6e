import ArgumentParser
import Foundation
import Logging
import NIOCore
import UnixSignals
import ServiceLifecycle
import SwitchyardCore
import SwitchyardSimulator

struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the provider simulator: an OpenAI-compatible fake upstream for every catalog model.",
        discussion: """
            Each model answers with its family's wire quirks (DeepSeek keep-alives and 402, Qwen \
            data_inspection_failed, Kimi's double usage, GLM's string business codes), a log-normal \
            time to first token and a fixed token rate (60 tokens/s for deepseek-v4-flash, per the seed).

            Deterministic: with the same --seed, the n-th request to a model always gets the same latency, \
            length and injected fault. Per-request directives in the last user message force one behaviour, \
            e.g. "[sim fail=mid_stream after=3]", "[sim tokens=200 tps=60]", "[sim echo]". \
            GET /sim/stats reports requests, in-flight and cancelled counts.
            """)

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free port.")
    var port: Int = 9090

    @Option(help: "Seed of every random draw (latency, length, faults).")
    var seed: UInt64 = 42

    @Flag(help: "Answer at once, with no simulated latency (for gateway overhead benchmarks).")
    var fast = false

    @Option(help: "YAML profile file: per-model latency, speed, length, fault rates and concurrency knee.")
    var profile: String?

    @Option(help: "Log level.")
    var logLevel: String = "info"

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
    }

    func run() async throws {
        let logger = makeLogger(label: "switchyard.sim", level: logLevel)
        var options = Simulator.Options(seed: seed, fast: fast)
        if let profile {
            do {
                try Simulator.Options.load(profilePath: profile, catalog: .builtIn, into: &options)
            } catch {
                FileHandle.standardError.write(Data("switchyard sim: invalid profile: \(error)\n".utf8))
                throw ExitCode(2)
            }
            if options.seed != seed && seed != 42 { options.seed = seed }
        }
        let simulator = Simulator(options: options)
        let finalOptions = options
        let host = self.host
        let application = SimulatorServer.buildApplication(
            simulator: simulator, host: host, port: port, logger: logger,
            onServerRunning: { channel in
                printFlush("Switchyard simulator listening on http://\(host):\(channel.localAddress?.port ?? 0)/v1 (seed \(finalOptions.seed)\(finalOptions.fast ? ", fast" : ""))")
                            })
        let group = ServiceGroup(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
