import ArgumentParser
import Foundation
import SwitchyardCore
import SwitchyardGateway

struct Route: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect routing decisions.",
        subcommands: [Explain.self])

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how a chat request would be routed: its features, the rule that chose, the models and deployments in order, and why others were skipped.",
            discussion: """
                REQUEST is a JSON chat completion body (use "-" for standard input). Send model "auto" to see \
                task-aware routing; any other model shows its fallback chain. Nothing is sent upstream.

                Example: echo '{"model":"auto","messages":[{"role":"user","content":"用中文总结这份合同"}]}' | switchyard route explain -
                """)

        @Argument(help: "A JSON chat completion request body, or - for standard input.")
        var request: String

        @Option(help: "Config file whose deployments, fallbacks and rules to use (default: the embedded default).")
        var config: String?

        @Option(help: "Routing hint, as the x-switchyard-hint header would give it (e.g. reasoning, code).")
        var hint: String?

        @Option(help: "Preferred region, as the x-switchyard-region header would give it.")
        var region: String?

        func run() throws {
            let gatewayConfig: GatewayConfig
            if let config {
                gatewayConfig = try loadConfigOrExit(config)
            } else {
                gatewayConfig = .embedded(environment: ProcessInfo.processInfo.environment)
            }
            let data: Data
            do {
                data = request == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: request))
            } catch {
                throw ValidationError("cannot read \(request): \(error.localizedDescription)")
            }
            let chat: ChatRequest
            do { chat = try ChatRequest(body: Array(data)) } catch {
                throw ValidationError("\(request): \(error.message)")
            }
            print(RouteExplainer.explain(chat, config: gatewayConfig, hint: hint, region: region))
        }
    }
}
