import Foundation
import Testing
@testable import SwitchyardCore

/// The response cache's pure parts: the key, the byte-bounded LRU store with its TTL, and the
/// recording and replay of answers.
@Suite struct ResponseCacheTests {
    static func document(_ json: String) -> JSONDocument {
        try! JSONDocument(bytes: Array(json.utf8), strict: true)
    }

    static func key(_ json: String, front: UsageRecord.Front = .chat, model: String = "deepseek-v4-flash",
                    scope: CacheKey.Scope = .team("a")) -> CacheKey {
        CacheKey.make(front: front, model: model, scope: scope, request: document(json))
    }

    // MARK: The key

    @Test func fieldOrderAndWhiteSpaceDoNotChangeTheKey() {
        let a = Self.key(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0,"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}"#)
        let b = Self.key(#"{ "temperature": 0, "tools": [ {"function": {"parameters": {"a": 2, "b": 1}, "name": "f"}, "type": "function"} ], "messages": [ {"content": "hi", "role": "user"} ], "model": "m" }"#)
        #expect(a == b)
        // Escapes are compared by value.
        #expect(Self.key(#"{"messages":[{"role":"user","content":"A\n"}]}"#) == Self.key(#"{"messages":[{"role":"user","content":"\u0041\u000a"}]}"#))
    }

    @Test func streamStreamOptionsUserAndTheModelFieldAreLeftOut() {
        let plain = Self.key(#"{"model":"deepseek","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(plain == Self.key(#"{"model":"deepseek-v4-flash","stream":true,"stream_options":{"include_usage":true},"user":"u-1","messages":[{"role":"user","content":"hi"}]}"#))
        #expect(CacheKey.canonicalBody(Self.document(#"{"user":"x","b":[1, 2.50,true,null],"a":"s","stream":false}"#), front: .chat)
                == Array(#"{"a":"s","b":[1,2.50,true,null]}"#.utf8))
        // Only at the top level: a nested `user` is part of the request.
        #expect(Self.key(#"{"messages":[{"role":"user","content":"hi","user":"a"}]}"#) != Self.key(#"{"messages":[{"role":"user","content":"hi","user":"b"}]}"#))
    }

    @Test func everythingElseChangesTheKey() {
        let body = #"{"messages":[{"role":"user","content":"hi"}],"temperature":0}"#
        let base = Self.key(body)
        #expect(base != Self.key(#"{"messages":[{"role":"user","content":"hi!"}],"temperature":0}"#))
        #expect(base != Self.key(#"{"messages":[{"role":"user","content":"hi"}],"temperature":0.0}"#), "numbers as written")
        #expect(base != Self.key(#"{"messages":[{"role":"user","content":"hi"}],"temperature":0,"max_tokens":5}"#))
        #expect(base != Self.key(body, model: "glm-5"), "another served model")
        #expect(base != Self.key(body, scope: .team("b")), "another team")
        #expect(base != Self.key(body, scope: .anonymous))
        #expect(base != Self.key(body, scope: .shared))
        #expect(Self.key(body, scope: .team("k1")) != Self.key(body, scope: .key("k1")), "a team and a key of the same name")
        #expect(base != Self.key(body, front: .messages), "a Messages body never meets a chat one")
        #expect(Self.key(body, scope: .shared) == Self.key(body, scope: .shared))
    }

    @Test func messagesLeaveOutStreamAndMetadata() {
        let a = Self.key(#"{"model":"x","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#, front: .messages)
        let b = Self.key(#"{"metadata":{"user_id":"u"},"stream":true,"max_tokens":10,"messages":[{"role":"user","content":"hi"}],"model":"y"}"#, front: .messages)
        #expect(a == b)
        // `user` is not a Messages field: it stays in (and the parser refuses it anyway).
        #expect(a != Self.key(#"{"user":"u","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#, front: .messages))
    }

    // MARK: The store

    static func answer(_ text: String, cost: Int64? = 5) -> CachedAnswer {
        var answer = CachedAnswer(id: "c", created: "1", model: "m")
        answer.content = Array(text.utf8)
        answer.pieces = [.init(.content, length: text.utf8.count)]
        answer.finishReason = "stop"
        answer.costPicodollars = cost
        return answer
    }

    static func key(_ n: Int) -> CacheKey { key(#"{"n":\#(n)}"#) }

    @Test func theStoreStaysWithinItsBytesAndEvictsTheLeastRecentlyUsed() {
        let size = Self.answer(String(repeating: "x", count: 100)).byteCount
        var store = ResponseCacheStore(maxBytes: size * 3)
        let t = ContinuousClock.now
        for n in 0..<3 {
            #expect(store.insert(Self.key(n), Self.answer(String(repeating: "x", count: 100)), now: t, ttl: .seconds(60)) == .init(stored: true, evicted: 0))
        }
        #expect(store.bytes == size * 3 && store.count == 3)
        // Using 0 makes 1 the least recently used: it goes first.
        guard case .hit = store.lookup(Self.key(0), now: t) else { Issue.record("0 should hit"); return }
        #expect(store.keysByRecency == [Self.key(0), Self.key(2), Self.key(1)])
        #expect(store.insert(Self.key(3), Self.answer(String(repeating: "x", count: 100)), now: t, ttl: .seconds(60)) == .init(stored: true, evicted: 1))
        #expect(store.keysByRecency == [Self.key(3), Self.key(0), Self.key(2)])
        guard case .miss = store.lookup(Self.key(1), now: t) else { Issue.record("1 was evicted"); return }
        // A bigger entry pushes out as many as it needs, oldest first.
        let big = Self.answer(String(repeating: "y", count: size + 50))
        #expect(store.insert(Self.key(4), big, now: t, ttl: .seconds(60)) == .init(stored: true, evicted: 2))
        #expect(store.keysByRecency == [Self.key(4), Self.key(3)])
        #expect(store.bytes == big.byteCount + size && store.bytes <= store.maxBytes)
        // Larger than the whole store: not stored, nothing evicted.
        let huge = Self.answer(String(repeating: "z", count: size * 3))
        #expect(store.insert(Self.key(5), huge, now: t, ttl: .seconds(60)) == .init(stored: false, evicted: 0))
        #expect(store.count == 2)
        // Replacing an entry counts its bytes once.
        #expect(store.insert(Self.key(3), Self.answer("short"), now: t, ttl: .seconds(60)).stored)
        #expect(store.bytes == big.byteCount + Self.answer("short").byteCount && store.count == 2)
        // A refresh whose answer is too large still removes the stale entry.
        #expect(store.insert(Self.key(3), huge, now: t, ttl: .seconds(60)) == .init(stored: false, evicted: 0))
        #expect(store.keysByRecency == [Self.key(4)] && store.bytes == big.byteCount)
    }

    @Test func manyInsertsNeverExceedTheBoundAndReuseSlots() {
        var store = ResponseCacheStore(maxBytes: 10_000)
        let t = ContinuousClock.now
        for n in 0..<2_000 {
            _ = store.insert(Self.key(n), Self.answer(String(repeating: "a", count: n % 300)), now: t, ttl: .seconds(60))
            #expect(store.bytes <= 10_000)
        }
        #expect(store.count == store.keysByRecency.count && store.count > 10)
        #expect(store.keysByRecency.first == Self.key(1_999))
    }

    @Test func entriesExpireAfterTheirTTLOnTheInjectedClock() {
        var store = ResponseCacheStore(maxBytes: 100_000)
        let t0 = ContinuousClock.now
        _ = store.insert(Self.key(1), Self.answer("one"), now: t0, ttl: .seconds(10))
        _ = store.insert(Self.key(2), Self.answer("two"), now: t0 + .seconds(5), ttl: .seconds(10))
        guard case .hit(let hit) = store.lookup(Self.key(1), now: t0 + .milliseconds(9_999)) else { Issue.record("still fresh"); return }
        #expect(hit.content == Array("one".utf8))
        guard case .expired = store.lookup(Self.key(1), now: t0 + .seconds(10)) else { Issue.record("expired at ttl"); return }
        guard case .miss = store.lookup(Self.key(1), now: t0 + .seconds(10)) else { Issue.record("removed"); return }
        #expect(store.count == 1 && store.bytes == Self.answer("two").byteCount)
        guard case .hit = store.lookup(Self.key(2), now: t0 + .seconds(14)) else { Issue.record("two is fresh until 15 s"); return }
        guard case .expired = store.lookup(Self.key(2), now: t0 + .seconds(15)) else { Issue.record("two expired"); return }
        #expect(store.count == 0 && store.bytes == 0)
    }

    // MARK: Recording and replay

    static func chunk(_ delta: String, finish: String = "null", usage: String = "") -> String {
        #"data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{\#(delta)},"finish_reason":\#(finish)}]\#(usage)}"# + "\n\n"
    }

    static let usageChunk = #"data: {"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}"# + "\n\n"

    /// The data payloads of an SSE stream as JSON objects.
    static func events(_ bytes: [UInt8]) -> [[String: Any]] {
        var parser = SSEParser()
        let events = (try? parser.feed(bytes)) ?? []
        return events.compactMap { event -> [String: Any]? in
            guard case .data(let payload) = event, payload != Array("[DONE]".utf8) else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
        }
    }

    static func deltas(_ bytes: [UInt8]) -> [[String: Any]] {
        events(bytes).compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any] }
    }

    /// An upstream stream through the relay, recording, as the gateway runs it.
    static func recorded(_ stream: String, limit: Int = 1 << 20) -> (relay: StreamRelay, answer: CachedAnswer?) {
        var relay = StreamRelay(clientWantsUsage: false, adapter: ProviderAdapters.adapter(for: .deepseek), pricing: nil)
        relay.recorder = AnswerRecorder(limit: limit)
        // In two uneven pieces: recording does not depend on how the bytes arrive.
        let bytes = Array(stream.utf8)
        _ = relay.consume(bytes[..<(bytes.count / 3)])
        _ = relay.consume(bytes[(bytes.count / 3)...])
        return (relay, relay.recorder?.finish(usage: relay.usage, costPicodollars: 42))
    }

    @Test func aStreamReplaysWithItsOriginalChunking() throws {
        let stream = Self.chunk(#""role":"assistant","content":"""#) + Self.chunk(#""reasoning_content":"Think""#)
            + Self.chunk(#""content":"Hel""#) + Self.chunk(#""content":"lo, \"wörld\"""#) + Self.chunk(#""content":"!""#)
            + Self.chunk("", finish: #""stop""#) + Self.usageChunk + "data: [DONE]\n\n"
        let (relay, recorded) = Self.recorded(stream)
        #expect(relay.outcome == .completed)
        let answer = try #require(recorded)
        #expect(answer.usage == TokenUsage(promptTokens: 9, completionTokens: 4) && answer.costPicodollars == 42)
        let replay = CacheReplay.stream(answer, includeUsage: true)
        let deltas = Self.deltas(replay)
        #expect(deltas.map { $0["content"] as? String } == ["", nil, "Hel", "lo, \"wörld\"", "!", nil])
        #expect(deltas.map { $0["reasoning_content"] as? String } == [nil, "Think", nil, nil, nil, nil])
        #expect(deltas.first?["role"] as? String == "assistant")
        let events = Self.events(replay)
        #expect(events.allSatisfy { $0["id"] as? String == "c1" && $0["model"] as? String == "m" && $0["created"] as? Int == 7 })
        #expect((events[5]["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "stop")
        let usage = try #require(events.last?["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 9 && usage["completion_tokens"] as? Int == 4 && usage["cost_usd"] as? String == "0")
        #expect(replay.suffix(14) == Array("data: [DONE]\n\n".utf8))
        // Without include_usage: the cost comment instead of the usage chunk.
        let plain = CacheReplay.stream(answer, includeUsage: false)
        #expect(Self.events(plain).count == 6)
        #expect(String(decoding: plain, as: UTF8.self).contains(": x-switchyard-cost-usd=0\n\n"))
        // The whole answer from the same entry.
        let whole = try JSONSerialization.jsonObject(with: Data(CacheReplay.completion(answer))) as? [String: Any]
        let message = ((whole?["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any]
        #expect(message?["content"] as? String == "Hello, \"wörld\"!" && message?["reasoning_content"] as? String == "Think")
        #expect(whole?["object"] as? String == "chat.completion" && (whole?["usage"] as? [String: Any])?["total_tokens"] as? Int == 13)
    }

    @Test func toolCallsReplayInBothForms() throws {
        let stream = Self.chunk(#""role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":""}}]"#)
            + Self.chunk(#""tool_calls":[{"index":0,"function":{"arguments":"{\"a\":"}}]"#)
            + Self.chunk(#""tool_calls":[{"index":0,"function":{"arguments":"1}"}}]"#)
            + Self.chunk("", finish: #""tool_calls""#) + Self.usageChunk + "data: [DONE]\n\n"
        let answer = try #require(Self.recorded(stream).answer)
        let deltas = Self.deltas(CacheReplay.stream(answer, includeUsage: false))
        let calls = deltas.compactMap { ($0["tool_calls"] as? [[String: Any]])?.first }
        #expect(calls.count == 3)
        #expect(calls[0]["id"] as? String == "call_1" && (calls[0]["function"] as? [String: Any])?["name"] as? String == "get")
        #expect(calls[1]["id"] == nil && (calls[1]["function"] as? [String: Any])?["arguments"] as? String == "{\"a\":")
        let whole = try JSONSerialization.jsonObject(with: Data(CacheReplay.completion(answer))) as? [String: Any]
        let choice = (whole?["choices"] as? [[String: Any]])?.first
        let message = choice?["message"] as? [String: Any]
        #expect(message?["content"] is NSNull && choice?["finish_reason"] as? String == "tool_calls")
        let call = (message?["tool_calls"] as? [[String: Any]])?.first
        #expect((call?["function"] as? [String: Any])?["arguments"] as? String == "{\"a\":1}" && call?["id"] as? String == "call_1")
    }

    @Test func aWholeAnswerReplaysAsAStreamAndBack() throws {
        let body = #"{"id":"w1","object":"chat.completion","created":3,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Fine.","reasoning_content":"Hmm"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}"#
        let answer = try #require(CachedAnswer(completion: Array(body.utf8)))
        let deltas = Self.deltas(CacheReplay.stream(answer, includeUsage: false))
        #expect(deltas.map { $0["reasoning_content"] as? String } == ["Hmm", nil, nil])
        #expect(deltas.map { $0["content"] as? String } == [nil, "Fine.", nil])
        let again = try #require(CachedAnswer(completion: CacheReplay.completion(answer)))
        #expect(again.content == answer.content && again.reasoning == answer.reasoning && again.usage == answer.usage && again.id == "w1")
    }

    @Test func answersThatCannotBeReplayedFaithfullyAreNotRecorded() {
        // Two choices.
        let two = #"data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}"# + "\n\n" + Self.usageChunk + "data: [DONE]\n\n"
        #expect(Self.recorded(two).answer == nil)
        let second = Self.chunk(#""content":"a""#) + #"data: {"id":"c","choices":[{"index":1,"delta":{"content":"b"}}]}"# + "\n\n" + "data: [DONE]\n\n"
        #expect(Self.recorded(second).answer == nil)
        // Larger than the limit: recording stops.
        let long = Self.chunk(#""content":"\#(String(repeating: "x", count: 600))""#) + Self.usageChunk + "data: [DONE]\n\n"
        #expect(Self.recorded(long, limit: 500).answer == nil)
        #expect(Self.recorded(long, limit: 2_000).answer != nil)
        // Whole answers: two choices, log probabilities, content parts.
        #expect(CachedAnswer(completion: Array(#"{"choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]}"#.utf8)) == nil)
        #expect(CachedAnswer(completion: Array(#"{"choices":[{"message":{"content":"a"},"logprobs":{"content":[]}}]}"#.utf8)) == nil)
        #expect(CachedAnswer(completion: Array(#"{"choices":[{"message":{"content":[{"type":"text"}]}}]}"#.utf8)) == nil)
        #expect(CachedAnswer(completion: Array("not json".utf8)) == nil)
    }

    // MARK: Configuration

    static let providers = """
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - name: d
                simulated: true
                models: {deepseek-v4-flash: }
        """

    @Test func cacheSettingsGloballyAndPerModel() throws {
        let config = try GatewayConfig.parse(yaml: """
            cache: {enabled: true, ttl_s: 120, max_bytes: 1000000, shared: false, default: use}
            models:
              - id: deepseek-v4-flash
                cache: {ttl_s: 5, max_bytes: 50000, shared: true, deterministic: true}
              - id: glm-5
                cache: {enabled: false}
            \(Self.providers)
            """, file: "c.yaml", environment: [:])
        #expect(config.cache.anyEnabled)
        let flash = config.cache.resolved(for: "deepseek-v4-flash")
        #expect(flash == .init(enabled: true, ttl: .seconds(5), maxBytes: 50_000, shared: true, defaultUse: .use, deterministic: true,
                               partition: "deepseek-v4-flash"))
        #expect(config.cache.resolved(for: "glm-5").enabled == false)
        #expect(config.cache.resolved(for: "kimi-k2.5") == .init(enabled: true, ttl: .seconds(120), maxBytes: 1_000_000, shared: false,
                                                                 defaultUse: .use, deterministic: false, partition: nil))
        // Off unless enabled.
        let off = try GatewayConfig.parse(yaml: Self.providers, file: "c.yaml", environment: [:])
        #expect(!off.cache.anyEnabled && !off.cache.resolved(for: "deepseek-v4-flash").enabled)
    }

    @Test func cacheConfigErrorsNameFileLineAndField() {
        func error(_ yaml: String) -> ConfigError? {
            do { _ = try GatewayConfig.parse(yaml: yaml + "\n" + Self.providers, file: "c.yaml", environment: [:]) } catch { return error }
            return nil
        }
        let ttl = error("cache:\n  enabled: true\n  ttl_s: 0")
        #expect(ttl?.file == "c.yaml" && ttl?.line == 3 && ttl?.field == "cache.ttl_s")
        let unknown = error("cache: {enabled: true, size: 5}")
        #expect(unknown?.field == "cache.size" && unknown?.description.contains("unknown field") == true)
        let policy = error("cache: {default: always}")
        #expect(policy?.field == "cache.default" && policy?.description.contains("use or off") == true)
        let small = error("models:\n  - id: glm-5\n    cache: {max_bytes: 10}")
        #expect(small?.field == "models[0].cache.max_bytes" && small?.line == 3)
        let global = error("cache: {deterministic: true}")
        #expect(global?.field == "cache.deterministic")
    }
}
