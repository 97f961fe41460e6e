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

    /// The share of CJK ideographs among letters, counted by scalars (the reference).
    static func referenceChineseShare(_ text: String) -> Double {
        var cjk = 0
        var letters = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) { letters += 1 }
            } else if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0xF900...0xFAFF).contains(v) {
                cjk += 1
                letters += 1
            } else if v >= 0xC0 && v < 0x10000 && !(0x2000...0x206F).contains(v) && !(0x3000...0x303F).contains(v) && !(0xFF00...0xFF0F).contains(v) {
                letters += 1
            }
        }
        return letters == 0 ? 0 : Double(cjk) / Double(letters)
    }

    @Test func chineseShareCountsAsTheRule() {
        let fragments = ["hello", "Z", "@", "[", "`", "{", "你好", "世界", "é", "ß", "—", "。", "！", "😀", " ", "\n", "1", "Ω", "ｱ"]
        var rng = SeededRandom(seed: 8)
        for _ in 0..<3_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 10) { text += fragments[Int(rng.next() % UInt64(fragments.count))] }
            #expect(RequestFeatures.chineseShare(text) == Self.referenceChineseShare(text), "\(text.debugDescription)")
        }
    }
}
