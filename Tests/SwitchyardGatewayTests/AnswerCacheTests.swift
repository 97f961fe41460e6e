import Foundation
import NIOHTTP1
import Prometheus
import Synchronization
import Testing
@testable import SwitchyardCore
@testable import SwitchyardGateway

/// The gateway side of the response cache: which calls use it, under which scope, and what its
/// metrics say — with the clock injected.
@Suite struct AnswerCacheTests {
    final class Clock: Sendable {
        let now = Mutex(ContinuousClock.now)
        func advance(_ by: Duration) { now.withLock { $0 += by } }
    }

    static func chat(_ json: String) -> ChatRequest { try! ChatRequest(body: Array(json.utf8)) }
    static let body = #"{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}"#
    static func key(_ id: String, team: String?) -> VirtualKey {
        VirtualKey(id: id, name: id, team: team, hash: "h-\(id)", hint: "sy-…", createdAt: Date())
    }

    static func make(_ settings: CacheSettings, clock: Clock = Clock()) -> (AnswerCache, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        return (AnswerCache(settings: settings, metrics: Gateway.makeMetrics(registry: registry), clock: { clock.now.withLock { $0 } }), registry)
    }

    static func metrics(_ registry: PrometheusCollectorRegistry) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func decide(_ cache: AnswerCache, _ directive: AnswerCache.Directive?, body: String = body, key: VirtualKey? = nil,
                       model: String = "deepseek-v4-flash") -> AnswerCache.Ticket? {
        let chat = Self.chat(body)
        return cache.decide(directive, chat: chat, request: chat.document, front: .chat, model: model, key: key)
    }

    @Test func theHeaderIsParsedStrictly() throws {
        var headers = HTTPHeaders()
        #expect(try AnswerCache.directive(headers) == nil)
        for (value, directive) in [("use", AnswerCache.Directive.use), (" No-Store ", .noStore), ("REFRESH", .refresh)] {
            headers.replaceOrAdd(name: "x-switchyard-cache", value: value)
            #expect(try AnswerCache.directive(headers) == directive)
        }
        headers.replaceOrAdd(name: "x-switchyard-cache", value: "yes")
        #expect(throws: OpenAIError.self) { try AnswerCache.directive(headers) }
    }

    @Test func whichCallsUseTheCache() {
        var settings = CacheSettings()
        settings.enabled = true
        let (cache, _) = Self.make(settings)
        #expect(Self.decide(cache, .use) != nil)
        #expect(Self.decide(cache, .refresh)?.refresh == true)
        #expect(Self.decide(cache, .noStore) == nil)
        #expect(Self.decide(cache, nil) == nil, "default off: only when asked")
        var off = settings
        off.models["deepseek-v4-flash"] = { var o = CacheSettings.Override(); o.enabled = false; return o }()
        #expect(Self.decide(Self.make(off).0, .use) == nil, "a model can turn it off")

        var byDefault = settings
        byDefault.defaultUse = .use
        let (defaulted, _) = Self.make(byDefault)
        let zero = #"{"model":"deepseek-v4-flash","temperature":0,"messages":[{"role":"user","content":"hi"}]}"#
        #expect(Self.decide(defaulted, nil, body: zero) != nil)
        #expect(Self.decide(defaulted, nil, body: zero.replacingOccurrences(of: ":0,", with: ":0.0e1,")) != nil)
        #expect(Self.decide(defaulted, nil, body: zero.replacingOccurrences(of: ":0,", with: ":0.2,")) == nil)
        #expect(Self.decide(defaulted, nil) == nil, "no temperature: not deterministic")
        #expect(Self.decide(defaulted, .noStore, body: zero) == nil)
        byDefault.models["deepseek-v4-flash"] = { var o = CacheSettings.Override(); o.deterministic = true; return o }()
        #expect(Self.decide(Self.make(byDefault).0, nil) != nil, "a deterministic model: every request")
    }

    @Test func scopesKeepTeamsApart() {
        var settings = CacheSettings()
        settings.enabled = true
        let (cache, _) = Self.make(settings)
        let a1 = Self.decide(cache, .use, key: Self.key("k1", team: "a"))?.key
        let a2 = Self.decide(cache, .use, key: Self.key("k2", team: "a"))?.key
        let b = Self.decide(cache, .use, key: Self.key("k3", team: "b"))?.key
        let lone1 = Self.decide(cache, .use, key: Self.key("k4", team: nil))?.key
        let lone2 = Self.decide(cache, .use, key: Self.key("k5", team: nil))?.key
        let anonymous = Self.decide(cache, .use)?.key
        #expect(a1 != nil && a1 == a2)
        #expect(Set([a1, b, lone1, lone2, anonymous].compactMap { $0 }).count == 5)
        settings.shared = true
        let (shared, _) = Self.make(settings)
        #expect(Self.decide(shared, .use, key: Self.key("k1", team: "a"))?.key == Self.decide(shared, .use, key: Self.key("k3", team: "b"))?.key)
    }

    @Test func hitsMissesExpiryAndSizeInTheMetrics() throws {
        var settings = CacheSettings()
        settings.enabled = true
        settings.ttl = .seconds(30)
        settings.maxBytes = 4096
        settings.models["glm-5"] = { var o = CacheSettings.Override(); o.maxBytes = 8192; return o }()
        let clock = Clock()
        let (cache, registry) = Self.make(settings, clock: clock)
        let ticket = try #require(Self.decide(cache, .use))
        #expect(cache.lookup(ticket) == nil)
        var answer = CachedAnswer(id: "c", created: "1", model: "m")
        answer.content = Array("hello".utf8)
        answer.pieces = [.init(.content, length: 5)]
        cache.store(ticket, answer)
        #expect(cache.lookup(ticket) == answer)
        clock.advance(.seconds(29))
        #expect(cache.lookup(ticket) == answer)
        clock.advance(.seconds(1))
        #expect(cache.lookup(ticket) == nil, "expired")
        // A model with its own max_bytes has its own store.
        let glm = try #require(Self.decide(cache, .use, model: "glm-5"))
        #expect(glm.maxBytes == 8192 && ticket.maxBytes == 4096)
        cache.store(glm, answer)
        var big = answer
        big.content = Array(repeating: 0x61, count: 5000)
        cache.store(ticket, big)  // larger than the global store: not stored
        let text = Self.metrics(registry)
        #expect(text.contains(#"switchyard_cache_hits_total{model="deepseek-v4-flash"} 2"#))
        #expect(text.contains(#"switchyard_cache_misses_total{model="deepseek-v4-flash"} 2"#))
        #expect(text.contains(#"switchyard_cache_evictions_total{reason="expired"} 1"#))
        #expect(text.contains(#"switchyard_cache_stores_total{result="too_large"} 1"#))
        #expect(text.contains("switchyard_cache_bytes \(Double(answer.byteCount))"))
        #expect(text.contains("switchyard_cache_entries 1.0"))
    }
}
