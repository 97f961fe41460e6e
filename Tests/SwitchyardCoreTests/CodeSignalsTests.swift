import Testing
@testable import SwitchyardCore

/// `RequestFeatures.hasCodeSignals` reads a prompt once; it must decide as the rule says (the
/// rule written out below, one search per marker, is the reference).
@Suite struct CodeSignalsTests {
    static let markers = ["def ", "func ", "function ", "class ", "#include", "import ", "SELECT ", "public static",
                          "=> {", "console.log", "fn main", "package main", "</div>", "#!/"]

    /// The rule: a code fence; or two different markers and one of `( { ; =`; or three lines
    /// ending in `;`, `{` or `}` (trailing blanks ignored).
    static func reference(_ text: String) -> Bool {
        if text.contains("```") { return true }
        let hits = markers.filter { text.contains($0) }.count
        if hits >= 2 && text.contains(where: { "({;=".contains($0) }) { return true }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let codeLines = lines.filter { line in
            guard let last = line.last(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { return false }
            return last == ";" || last == "{" || last == "}"
        }.count
        return codeLines >= 3
    }

    @Test func oneReadDecidesAsTheRule() {
        let fragments = Self.markers + ["`", "``", "```", "(", "{", "}", ";", "=", "\n", " ", "\t", "hello", "de", "f", "SELECT", "fn", "ma", "in",
                                        "</di", "v>", "#!", "/", "你好", "é"]
        var rng = SeededRandom(seed: 7)
        var positives = 0
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 12) { text += fragments[Int(rng.next() % UInt64(fragments.count))] }
            let expected = Self.reference(text)
            #expect(RequestFeatures.hasCodeSignals(text) == expected, "\(text.debugDescription)")
            if expected { positives += 1 }
        }
        #expect(positives > 500 && positives < 4_500)  // Both answers were exercised.
    }

    @Test(arguments: [("Write a haiku about autumn.", false), ("```swift\nlet x = 1\n```", true), ("def f(x):\n  import os", true),
                      ("a;\nb{\n}\n", true), ("a;\nb{\n", false), ("import this and the class of def", false)])
    func examples(_ text: String, _ expected: Bool) {
        #expect(RequestFeatures.hasCodeSignals(text) == expected)
    }
}
