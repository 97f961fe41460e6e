import Testing
@testable import SwitchyardCore

@Suite struct JSONDocumentTests {
    @Test func keysMatchByteForByteOnceUnescaped() throws {
        // An escaped key matches its decoded bytes; a canonically equivalent spelling (e +
        // combining acute for é) is another key, whether looked up or scanned.
        let document = try JSONDocument(bytes: Array(#"{"\u00e9":1,"e\u0301":2,"id":3}"#.utf8))
        #expect(document.member("\u{e9}", of: document.root).flatMap(document.int) == 1)
        #expect(document.member("e\u{301}", of: document.root).flatMap(document.int) == 2)
        var seen: [Int] = []
        document.scanMembers(of: document.root) { key, value in
            if document.key(key, is: "\u{e9}") { seen.append(document.int(value) ?? -1) }
            if document.key(key, is: "id") { seen.append(document.int(value) ?? -1) }
        }
        #expect(seen == [1, 3])
        #expect(document.memberRemovalRange("e\u{301}", of: document.root) != nil)
        #expect(document.member("e", of: document.root) == nil)
    }

    func doc(_ text: String) throws -> JSONDocument { try JSONDocument(bytes: Array(text.utf8)) }

    @Test(arguments: ["{}", "[]", "\"x\"", "0", "-1.5e3", "true", "null", " {\"a\":[1,{\"b\":null}]} ", "{\"k\":\"\\u00e9\\ud83d\\ude00\"}"])
    func acceptsValidJSON(_ text: String) throws {
        _ = try doc(text)
    }

    @Test(arguments: ["", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "01", "1.", "tru", "\"unterminated", "{} {}", "{'a':1}",
                      "\"bad \\x escape\"", "\"tab\there\"", "NaN", "[1 2]"])
    func rejectsMalformedJSON(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try doc(text) }
    }

    @Test func deepNestingIsRejectedNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONDocument(bytes: Array(deep.utf8)) }
    }

    @Test func membersAndValues() throws {
        let d = try doc(#"{"model":"m","n":42,"neg":-7,"f":1.5,"b":true,"s":"a\"b\n","nested":{"x":{"y":[1,2,3]}},"dup":1,"dup":2}"#)
        #expect(d.member("model", of: d.root).flatMap(d.string) == "m")
        #expect(d.member("n", of: d.root).flatMap(d.int) == 42)
        #expect(d.member("neg", of: d.root).flatMap(d.int) == -7)
        #expect(d.member("f", of: d.root).flatMap(d.int) == nil)
        #expect(d.member("f", of: d.root).flatMap(d.double) == 1.5)
        #expect(d.member("b", of: d.root).flatMap(d.bool) == true)
        #expect(d.member("s", of: d.root).flatMap(d.string) == "a\"b\n")
        #expect(d.value(at: "nested", "x", "y").map { d.elements(of: $0).count } == 3)
        #expect(d.member("dup", of: d.root).flatMap(d.int) == 2)
        #expect(d.member("missing", of: d.root) == nil)
        #expect(d.members(of: d.root).map(\.key).prefix(2) == ["model", "n"])
    }

    @Test func unicodeEscapesDecode() throws {
        let d = try doc(#"{"k":"caf\u00e9 \ud83d\ude00 中文"}"#)
        #expect(d.member("k", of: d.root).flatMap(d.string) == "café 😀 中文")
    }

    @Test func quotingRoundTrips() throws {
        let text = "line\nbreak \"quoted\" back\\slash \u{01} 中文"
        let d = try doc("{\"k\":" + JSONString.quoted(text) + "}")
        #expect(d.member("k", of: d.root).flatMap(d.string) == text)
    }
}

@Suite struct HostileInputTests {
    /// Truncated `\u` escapes must be syntax errors, never a crash later when decoding.
    @Test(arguments: [#"{"model":"\u"}"#, #"{"model":"\u1"}"#, #"{"model":"\u12"}"#, #"{"model":"\u123"}"#, #""\u"#, #""\"#])
    func truncatedEscapes(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONDocument(bytes: Array(text.utf8)) }
    }

    @Test func absurdNumbersAreRejectedOrBounded() throws {
        #expect(throws: OpenAIError.self) {
            try ChatRequest(body: Array(#"{"model":"auto","messages":[{"role":"user","content":"x"}],"max_tokens":9223372036854775807}"#.utf8))
        }
        let doc = try JSONDocument(bytes: Array(#"{"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807}}"#.utf8))
        let usage = try #require(UsageReader.usage(in: doc, object: doc.root))
        #expect(usage.totalTokens == 2 << 40)
        var features = RequestFeatures()
        features.estimatedPromptTokens = .max
        features.maxOutputTokens = 10
        #expect(features.estimatedContextTokens == .max)
    }
}
