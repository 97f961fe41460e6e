import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct ConfigTests {
    let env = ["DEEPSEEK_API_KEY": "sk-supersecret123456", "EMPTY": "  "]

    func parse(_ yaml: String) throws(ConfigError) -> GatewayConfig {
        try GatewayConfig.parse(yaml: yaml, file: "test.yaml", environment: env)
    }

    func expectError(_ yaml: String, line: Int?, field: String, contains text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(yaml)
            Issue.record("expected a config error", sourceLocation: sourceLocation)
        } catch {
            #expect(error.file == "test.yaml", sourceLocation: sourceLocation)
            #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
            #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.contains(text), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("sk-supersecret123456"), sourceLocation: sourceLocation)
        }
    }

    let valid = """
        server:
          port: 9000
        timeouts:
          total_ms: 1500
        models:
          - id: deepseek-v4-flash
            pricing: {input: 0.14, output: 0.28, cached_input: 0.014}
          - id: my-llama
            family: openai
            context_window: 8192
            capabilities: [text, code]
            pricing: {input: 0, output: 0}
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - name: deepseek-global
                region: global
                base_url: https://api.deepseek.com
                api_key_env: DEEPSEEK_API_KEY
                models:
                  deepseek-v4-flash: deepseek-v4-flash
                  deepseek-r1:
          - name: local
            family: openai
            deployments:
              - name: vllm
                base_url: http://127.0.0.1:8000/v1
                weight: 3
                models: {my-llama: meta-llama/Llama-3-8B}
        """

    @Test func validConfig() throws {
        let config = try parse(valid)
        #expect(config.server.port == 9000)
        #expect(config.timeouts.total == .milliseconds(1500))
        #expect(config.deployments.count == 2)
        let ds = config.deployments[0]
        #expect(ds.apiKey?.value == "sk-supersecret123456")
        #expect("\(ds.apiKey!)" == "***")
        #expect(ds.models["deepseek-v4-flash"] == "deepseek-v4-flash")
        #expect(ds.models["deepseek-r1"] == "deepseek-r1", "an empty upstream ID means the catalog ID")
        #expect(config.deployments[1].weight == 3)
        #expect(config.deployments[1].region == "default")
        let flash = try #require(config.catalog.model(named: "deepseek-v4-flash")?.pricing)
        #expect(flash.inputPer1M == Decimal(string: "0.14") && flash.outputPer1M == Decimal(string: "0.28") && flash.cachedInputPer1M == Decimal(string: "0.014"))
        let llama = try #require(config.catalog.model(named: "my-llama"))
        #expect(llama.family == .openai && llama.contextWindow == 8192 && llama.capabilities == [.text, .code])
        #expect(llama.pricing?.outputPer1M == 0)
    }

    @Test func errorsNameFileLineAndField() {
        expectError("providers: []\n", line: 1, field: "providers", contains: "at least one provider")
        expectError("server:\n  prot: 1\nproviders: []\n", line: 2, field: "server.prot", contains: "unknown field")
        expectError("server:\n  port: 99999\n", line: 2, field: "server.port", contains: "between 0 and 65535")
        expectError("""
            providers:
              - name: p
                family: deepseek
                deployments:
                  - name: d
                    base_url: ftp://example.com
                    models: {deepseek-v4-flash: x}
            """, line: 6, field: "providers[0].deployments[0].base_url", contains: "http:// or https://")
        expectError("""
            providers:
              - name: p
                family: deepseek
                deployments:
                  - name: d
                    base_url: https://api.deepseek.com
                    api_key_env: NOT_SET_ANYWHERE
                    models: {deepseek-v4-flash: x}
            """, line: 7, field: "providers[0].deployments[0].api_key_env", contains: "NOT_SET_ANYWHERE is not set")
        expectError("""
            providers:
              - name: p
                family: martian
                deployments: []
            """, line: 3, field: "providers[0].family", contains: "unknown family")
        expectError("""
            providers:
              - name: p
                family: glm
                deployments:
                  - name: d
                    base_url: https://open.bigmodel.cn/api/paas/v4
                    models:
                      gpt-17: x
            """, line: 8, field: "providers[0].deployments[0].models.gpt-17", contains: "not a catalog model")
        expectError("""
            models:
              - id: deepseek-v4-flash
                pricing: {input: 1e3, output: 1}
            providers: []
            """, line: 3, field: "models[0].pricing.input", contains: "plain decimal")
        expectError("""
            models:
              - id: new-model
                family: openai
            providers: []
            """, line: 2, field: "models[0]", contains: "context_window")
    }

    @Test func emptyKeyVariableIsAnError() {
        expectError("""
            providers:
              - name: p
                family: deepseek
                deployments:
                  - name: d
                    base_url: https://api.deepseek.com
                    api_key_env: EMPTY
                    models: {deepseek-v4-flash: x}
            """, line: 7, field: "providers[0].deployments[0].api_key_env", contains: "EMPTY is not set")
    }

    @Test func duplicateDeploymentNames() {
        expectError("""
            providers:
              - name: p
                family: qwen
                deployments:
                  - {name: d, base_url: "http://a", models: {qwen3-32b: qwen3-32b}}
                  - {name: d, base_url: "http://b", models: {qwen3-32b: qwen3-32b}}
            """, line: 2, field: "providers[0]", contains: "used twice")
    }

    @Test func yamlSyntaxErrorsHaveALine() {
        do {
            _ = try parse("providers:\n  - name: [unclosed\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line != nil)
            #expect(error.description.contains("invalid YAML"))
        }
    }

    @Test func embeddedDefaultServesEveryModel() {
        let config = GatewayConfig.embedded()
        let served = Set(config.deployments.flatMap(\.models.keys))
        #expect(served == Set(Catalog.builtIn.models.map(\.id)))
        #expect(config.deployments.allSatisfy { $0.endpoint == .simulator && $0.apiKey == nil })
    }

    @Test func shippedExamplesAreValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var environment: [String: String] = [:]
        for name in ["DEEPSEEK_API_KEY", "DASHSCOPE_INTL_API_KEY", "DASHSCOPE_CN_API_KEY", "DASHSCOPE_API_KEY_INTL", "DASHSCOPE_API_KEY_CN",
                     "MOONSHOT_API_KEY", "MOONSHOT_CN_API_KEY", "MOONSHOT_API_KEY_INTL", "MOONSHOT_API_KEY_CN", "MOONSHOT_INTL_API_KEY",
                     "ZHIPU_API_KEY", "ZAI_API_KEY", "GLM_CN_API_KEY", "GLM_INTL_API_KEY", "BIGMODEL_API_KEY", "SIM_API_KEY"] {
            environment[name] = "test-key"
        }
        let readme = try String(contentsOfFile: root.appendingPathComponent("README.md").path, encoding: .utf8)
        let reference = try #require(readme.components(separatedBy: "## Configuration reference").last?
            .components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        for file in ["examples/switchyard.yaml", "examples/local.yaml", "examples/routing.yaml", "README.md"] {
            let path = root.appendingPathComponent(file).path
            let text = file == "README.md" ? reference : try String(contentsOfFile: path, encoding: .utf8)
            // Every variable the example names gets a value, so that only real mistakes fail.
            for line in text.split(separator: "\n") where line.contains("api_key_env:") {
                if let name = line.split(separator: ":").last?.split(separator: "#").first?.trimmingCharacters(in: .whitespaces) {
                    environment[name] = "test-key"
                }
            }
            let config = try GatewayConfig.parse(yaml: text, file: file, environment: environment)
            #expect(!config.deployments.isEmpty)
        }
    }
}
