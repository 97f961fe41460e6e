import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import NIOPosix
import SwitchyardCore

/// The process entry point. Before any async code runs, NIO's event loops become the executor
/// of Swift concurrency: a request's tasks then run on the loop that owns its connections
/// instead of hopping to a separate thread pool and back (measured in BENCHMARKS.md).
@main
enum Main {
    static func main() {
        // SWITCHYARD_EXECUTOR=default keeps Swift's own thread pool (for comparisons).
        if ProcessInfo.processInfo.environment["SWITCHYARD_EXECUTOR"] != "default" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        Task {
            await Switchyard.main()
            exit(0)
        }
        dispatchMain()
    }
}

struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "A self-hosted, OpenAI-compatible LLM gateway for the DeepSeek, Qwen, Kimi and GLM families.",
        discussion: """
            Start with `switchyard serve`: with no config it serves every catalog model from built-in \
            simulated providers, so it works offline with no keys. Point it at real providers with \
            `--config switchyard.yaml` (see examples/).
            """,
        version: Switchyard.version,
        subcommands: [Serve.self, Sim.self, Bench.self, Models.self, Route.self, CostCommand.self, Recommend.self, Keys.self, UsageCommand.self, BatchesCommand.self],
        defaultSubcommand: nil
    )

    /// `switchyard VERSION (COMMIT)`: the version from `SwitchyardVersion`, the commit the
    /// BuildCommit plugin recorded (`unknown` when built without git).
    static let version = "switchyard \(SwitchyardVersion.number) (\(buildCommit))"
}
