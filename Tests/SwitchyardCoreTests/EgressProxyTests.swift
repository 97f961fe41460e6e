import Testing
@testable import SwitchyardCore

@Suite struct EgressProxyTests {
    @Test func proxyURLs() {
        let plain = EgressProxy(url: "http://proxy.corp:3128")
        #expect(plain == EgressProxy(host: "proxy.corp", port: 3128))
        #expect(EgressProxy(url: "proxy.corp:8080")?.port == 8080)
        #expect(EgressProxy(url: "http://proxy.corp")?.port == 80)
        #expect(EgressProxy(url: "http://u%40x:p%3Aw@proxy:1")?.authorization?.value == "Basic dUB4OnA6dw==")   // u@x:p:w
        #expect(EgressProxy(url: "socks5://proxy:1080") == nil)
        #expect(EgressProxy(url: "https://proxy:443") == nil)
        #expect(EgressProxy(url: "http://proxy:99999") == nil)
        #expect(EgressProxy(url: "http://[::1]:3128")?.host == "::1")
    }

    @Test func environmentFollowsCurl() {
        let env = ["https_proxy": "http://s:1", "HTTPS_PROXY": "http://S:2", "HTTP_PROXY": "http://upper:3"]
        #expect(EgressProxy.fromEnvironment(env, scheme: "https", host: "api.deepseek.com")?.host == "s")
        #expect(EgressProxy.fromEnvironment(["HTTPS_PROXY": "http://S:2"], scheme: "https", host: "a")?.host == "S")
        // Upper-case HTTP_PROXY is ignored for http, as curl does (httpoxy).
        #expect(EgressProxy.fromEnvironment(env, scheme: "http", host: "a") == nil)
        #expect(EgressProxy.fromEnvironment(["http_proxy": "http://h:4"], scheme: "http", host: "a")?.port == 4)
        #expect(EgressProxy.fromEnvironment(["http_proxy": "http://h:4", "no_proxy": "a"], scheme: "http", host: "a") == nil)
        #expect(EgressProxy.fromEnvironment(["http_proxy": "http://h:4", "no_proxy": "", "NO_PROXY": "a"], scheme: "http", host: "a") == nil)
        #expect(EgressProxy.fromEnvironment(["http_proxy": "", "no_proxy": "x"], scheme: "http", host: "a") == nil)
    }

    @Test(arguments: [
        ("*", "anything.example", true),
        ("example.com", "example.com", true),
        ("example.com", "api.example.com", true),
        (".example.com", "api.example.com", true),
        ("example.com", "badexample.com", false),
        ("example.com", "example.com.evil", false),
        ("Example.COM", "API.example.com.", true),
        ("127.0.0.1", "127.0.0.1", true),
        ("127.0.0.1", "127.0.0.2", false),
        ("10.0.0.0/8", "10.200.3.4", true),
        ("10.0.0.0/8", "11.0.0.1", false),
        ("192.168.1.0/24", "192.168.1.77", true),
        ("192.168.1.0/24", "192.168.2.1", false),
        ("::1", "[::1]", true),
        ("fd00::/8", "fd12::1", true),
        ("fd00::/8", "fe80::1", false),
        ("", "127.0.0.1", false),
        ("a.com, b.com", "x.b.com", true),
        ("10.0.0.0/99", "10.0.0.1", false),
    ])
    func noProxy(_ list: String, _ host: String, _ exempt: Bool) {
        #expect(NoProxy(list).exempts(host) == exempt, "\(list) / \(host)")
    }

    @Test func deploymentProxyFromConfig() throws {
        func parse(_ extra: String, env: [String: String] = [:]) throws(ConfigError) -> GatewayConfig {
            try GatewayConfig.parse(yaml: """
                providers:
                  - name: d
                    family: deepseek
                    deployments:
                      - name: d1
                        base_url: https://api.deepseek.com
                \(extra)
                        models: {deepseek-v4-flash: }
                """, file: "p.yaml", environment: env)
        }
        #expect(try parse("").deployments[0].proxy == nil)
        #expect(try parse("", env: ["HTTPS_PROXY": "http://p:3128"]).deployments[0].proxy == EgressProxy(host: "p", port: 3128))
        #expect(try parse("        proxy: none", env: ["HTTPS_PROXY": "http://p:3128"]).deployments[0].proxy == nil)
        #expect(try parse("        proxy: http://q:1").deployments[0].proxy == EgressProxy(host: "q", port: 1))
        do {
            _ = try parse("        proxy: socks5://q:1")
            Issue.record("accepted a SOCKS proxy")
        } catch {
            #expect(error.field.hasSuffix("proxy") && error.line == 7, "\(error)")
        }
    }
}
