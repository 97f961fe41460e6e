import NIOCore
import NIOHTTP1
import Testing
@testable import SwitchyardHTTPClient

@Suite struct UpstreamTargetTests {
    @Test func baseURLsBecomeOriginsAndPaths() throws {
        let plain = try #require(UpstreamTarget(baseURL: "http://127.0.0.1:8000/v1"))
        #expect(plain.origin == .init(tls: false, host: "127.0.0.1", port: 8000))
        #expect(plain.basePath == "/v1")
        #expect(plain.hostHeader == "127.0.0.1:8000")

        let tls = try #require(UpstreamTarget(baseURL: "https://api.deepseek.com/"))
        #expect(tls.origin == .init(tls: true, host: "api.deepseek.com", port: 443))
        #expect(tls.basePath == "")
        #expect(tls.hostHeader == "api.deepseek.com")

        let nested = try #require(UpstreamTarget(baseURL: "https://dashscope.aliyuncs.com/compatible-mode/v1//"))
        #expect(nested.basePath == "/compatible-mode/v1")

        let ipv6 = try #require(UpstreamTarget(baseURL: "http://[::1]:11434/v1"))
        #expect(ipv6.origin.host == "::1")
        #expect(ipv6.hostHeader == "[::1]:11434")
    }

    @Test func nonHTTPURLsAreRefused() {
        #expect(UpstreamTarget(baseURL: "ftp://example.com/v1") == nil)
        #expect(UpstreamTarget(baseURL: "not a url") == nil)
        #expect(UpstreamTarget(baseURL: "http:///v1") == nil)
        #expect(UpstreamTarget(baseURL: "http://example.com:70000/v1") == nil)
    }

    @Test func keepAliveTimeoutIsRead() {
        #expect(UpstreamExchange.keepAliveTimeout(HTTPHeaders([("Keep-Alive", "timeout=5, max=100")])) == .seconds(5))
        #expect(UpstreamExchange.keepAliveTimeout(HTTPHeaders([("keep-alive", "max=10 , timeout = 20")])) == .seconds(20))
        #expect(UpstreamExchange.keepAliveTimeout(HTTPHeaders([("keep-alive", "timeout=abc")])) == nil)
        #expect(UpstreamExchange.keepAliveTimeout(HTTPHeaders()) == nil)
    }
}
