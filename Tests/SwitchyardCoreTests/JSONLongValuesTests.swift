import Testing
@testable import SwitchyardCore

/// Walks over a validated document step over long values by their recorded ends: every walk
/// must find exactly the values the text has, wherever long and short values sit.
@Suite struct JSONLongValuesTests {
    /// A value written by the generator, with the byte range it was written at.
    indirect enum Written {
        case object(Range<Int>, [(key: String, value: Written)])
        case array(Range<Int>, [Written])
        case scalar(Range<Int>, JSONValue.Kind)

        var range: Range<Int> {
            switch self {
            case .object(let r, _), .array(let r, _), .scalar(let r, _): r
            }
        }
        var kind: JSONValue.Kind {
            switch self {
            case .object: .object
            case .array: .array
            case .scalar(_, let kind): kind
            }
        }
    }

    /// Writes a random value into `text`: strings short and long (some with escapes), numbers,
    /// literals, and nested containers with white space here and there.
    static func write(_ rng: inout SeededRandom, depth: Int, into text: inout [UInt8]) -> Written {
        func space() { if rng.next() % 3 == 0 { text.append(contentsOf: Array("  \n".utf8).prefix(Int(rng.next() % 3) + 1)) } }
        let start = text.count
        let choice = depth >= 4 ? rng.next() % 3 : rng.next() % 6
        switch choice {
        case 0:
            // Inner lengths around the 64-byte line (62 + 2 quotes = 64), with escapes (an
            // escaped backslash can end a string), `\u` escapes and multi-byte UTF-8.
            let length = [0, 3, 61, 62, 63, 64, 200, 1000][Int(rng.next() % 8)]
            text.append(UInt8(ascii: "\""))
            var written = 0
            while written < length {
                let piece: [UInt8] = switch rng.next() % 23 {
                case 0: Array(#"\""#.utf8)
                case 1: Array(#"\\"#.utf8)
                case 2: Array(#"\u00e9"#.utf8)
                case 3: Array("é".utf8)
                case 4: Array("你".utf8)
                default: [UInt8(ascii: "a") + UInt8(rng.next() % 26)]
                }
                text.append(contentsOf: piece)
                written += piece.count
            }
            text.append(UInt8(ascii: "\""))
            return .scalar(start..<text.count, .string)
        case 1:
            text.append(contentsOf: Array(String(Int(rng.next() % 100_000) - 50_000).utf8))
            return .scalar(start..<text.count, .number)
        case 2:
            let literal = ["true", "false", "null"][Int(rng.next() % 3)]
            text.append(contentsOf: Array(literal.utf8))
            return .scalar(start..<text.count, literal == "null" ? .null : literal == "true" ? .true : .false)
        case 3, 4:
            text.append(UInt8(ascii: "{"))
            var members: [(String, Written)] = []
            for index in 0..<Int(rng.next() % 6) {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                space()
                let key = "k\(index)"
                text.append(contentsOf: Array("\"\(key)\"".utf8))
                space()
                text.append(UInt8(ascii: ":"))
                space()
                members.append((key, write(&rng, depth: depth + 1, into: &text)))
                space()
            }
            text.append(UInt8(ascii: "}"))
            return .object(start..<text.count, members)
        default:
            text.append(UInt8(ascii: "["))
            var elements: [Written] = []
            for index in 0..<Int(rng.next() % 6) {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                space()
                elements.append(write(&rng, depth: depth + 1, into: &text))
                space()
            }
            text.append(UInt8(ascii: "]"))
            return .array(start..<text.count, elements)
        }
    }

    /// Every container of the tree, walked through the document, gives back what was written.
    func check(_ written: Written, in document: JSONDocument) {
        let value = JSONValue(kind: written.kind, range: written.range)
        switch written {
        case .object(_, let members):
            let found = document.members(of: value)
            #expect(found.map(\.key) == members.map(\.key))
            #expect(found.map(\.value) == members.map { JSONValue(kind: $0.value.kind, range: $0.value.range) })
            for member in members {
                #expect(document.member(member.key, of: value)?.range == member.value.range)
                let removal = document.memberRemovalRange(member.key, of: value)
                #expect(removal.map { $0.contains(member.value.range.lowerBound) && $0.contains(member.value.range.upperBound - 1) } == true)
                check(member.value, in: document)
            }
        case .array(_, let elements):
            #expect(document.elements(of: value) == elements.map { JSONValue(kind: $0.kind, range: $0.range) })
            #expect(document.firstElement(of: value)?.range == elements.first?.range)
            for element in elements { check(element, in: document) }
        case .scalar:
            break
        }
    }

    @Test(arguments: [false, true])
    func walksFindEveryValueOfRandomDocuments(strict: Bool) throws {
        var rng = SeededRandom(seed: 20261203)
        var indexed = 0
        for _ in 0..<400 {
            var text: [UInt8] = []
            let written = Self.write(&rng, depth: 0, into: &text)
            let document = try JSONDocument(bytes: text, strict: strict)
            #expect(document.root == JSONValue(kind: written.kind, range: written.range))
            check(written, in: document)
            if !document.longValues.isEmpty { indexed += 1 }
        }
        #expect(indexed > 50)  // The long-value path was exercised.
    }

    /// The index is bounded by the text whatever its shape: nested chains of long containers
    /// are recorded only near the top.
    @Test func deepChainsAreRecordedOnlyNearTheTop() throws {
        let chain = String(repeating: "[", count: 100) + String(repeating: "7,", count: 40) + "7" + String(repeating: "]", count: 100)
        let text = "[" + Array(repeating: chain, count: 50).joined(separator: ",") + "]"
        let document = try JSONDocument(bytes: Array(text.utf8))
        var recorded = 0
        var position = 0
        for byte in text.utf8 {
            if document.longValues.end(of: position) != nil { recorded += 1 }
            _ = byte
            position += 1
        }
        // Depth 1 to 4 of each of the 50 chains.
        #expect(recorded == 50 * JSONLongValues.maximumDepth)
        let chains = document.elements(of: document.root)
        #expect(chains.count == 50)
        #expect(chains.allSatisfy { $0.range.count == chain.utf8.count })
    }

    @Test func aRequestsMessagesAreRecordedSoMembersAfterThemAreFoundByOneStep() throws {
        let prompt = String(repeating: "word ", count: 200)
        let text = #"{"messages":[{"role":"user","content":"\#(prompt)"}],"model":"glm-5","stream":false}"#
        let document = try JSONDocument(bytes: Array(text.utf8))
        let messages = try #require(document.member("messages", of: document.root))
        #expect(document.longValues.end(of: messages.range.lowerBound) == messages.range.upperBound)
        #expect(document.member("model", of: document.root).flatMap(document.string) == "glm-5")
        // Short values are not recorded.
        let model = try #require(document.member("model", of: document.root))
        #expect(document.longValues.end(of: model.range.lowerBound) == nil)
    }
}
