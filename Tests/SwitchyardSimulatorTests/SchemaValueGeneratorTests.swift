import Foundation
import SwitchyardCore
import Testing
@testable import SwitchyardSimulator

@Suite struct SchemaValueGeneratorTests {
    /// Generates a value for `schema` (a JSON text) placed in a request the way a tool's
    /// parameters are, and parses the result.
    func generate(_ schema: String, seed: UInt64 = 1) throws -> (text: String, doc: JSONDocument) {
        let body = #"{"tools":[{"type":"function","function":{"name":"t","parameters":"# + schema + "}}]}"
        let request = try JSONDocument(bytes: Array(body.utf8))
        let parameters = try #require(request.value(at: "tools").flatMap { request.firstElement(of: $0) }
            .flatMap { request.value(at: "function", "parameters", from: $0) })
        var rng = SeededRandom(seed: seed)
        let text = SchemaValueGenerator.value(for: parameters, in: request, rng: &rng)
        return (text, try JSONDocument(bytes: Array(text.utf8), strict: true))
    }

    @Test func requiredPropertiesAlwaysOptionalOnesSometimes() throws {
        let schema = #"{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city"]}"#
        var sawUnit = false, missedUnit = false
        for seed in 0..<40 {
            let (_, doc) = try generate(schema, seed: UInt64(seed))
            let city = try #require(doc.member("city", of: doc.root).flatMap(doc.string))
            #expect(!city.isEmpty)
            if let unit = doc.member("unit", of: doc.root) { sawUnit = true; #expect(["c", "f"].contains(doc.string(unit))) } else { missedUnit = true }
            if let days = doc.member("days", of: doc.root).flatMap(doc.int) { #expect((1...7).contains(days)) }
        }
        #expect(sawUnit && missedUnit)
    }

    @Test func typesNestingAndArrays() throws {
        let schema = #"{"type":"object","required":["tags","point","ok","score","note","when"],"properties":{"tags":{"type":"array","items":{"type":"string"},"minItems":2,"maxItems":4,"uniqueItems":true},"point":{"type":"object","required":["x","y"],"properties":{"x":{"type":"number","exclusiveMinimum":0,"maximum":1},"y":{"type":"integer","multipleOf":5}}},"ok":{"type":"boolean"},"score":{"type":["number","null"]},"note":{"type":"string","minLength":12,"maxLength":14},"when":{"type":"string","format":"date-time"}}}"#
        for seed in 0..<20 {
            let (text, doc) = try generate(schema, seed: UInt64(seed))
            let tags = try #require(doc.member("tags", of: doc.root))
            let items = doc.elements(of: tags).compactMap(doc.string)
            #expect((2...4).contains(items.count) && Set(items).count == items.count, "\(text)")
            let x = try #require(doc.value(at: "point", "x").flatMap(doc.double))
            #expect(x > 0 && x <= 1)
            #expect(try #require(doc.value(at: "point", "y").flatMap(doc.int)) % 5 == 0)
            #expect(doc.member("ok", of: doc.root).flatMap(doc.bool) != nil)
            #expect(doc.member("score", of: doc.root)?.kind == .number)
            #expect((12...14).contains(try #require(doc.member("note", of: doc.root).flatMap(doc.string)).count))
            #expect(try #require(doc.member("when", of: doc.root).flatMap(doc.string)).hasSuffix("Z"))
        }
    }

    @Test func refsAnyOfAllOfAndConst() throws {
        let schema = ##"{"$defs":{"Item":{"type":"object","properties":{"name":{"type":"string"},"kind":{"const":"fixed"}},"required":["name","kind"]}},"type":"object","required":["item","maybe","both"],"properties":{"item":{"$ref":"#/$defs/Item"},"maybe":{"anyOf":[{"type":"integer"},{"type":"null"}]},"both":{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"boolean"}},"required":["b"]}]}}}"##
        let (_, doc) = try generate(schema)
        #expect(doc.value(at: "item", "kind").flatMap(doc.string) == "fixed")
        #expect(doc.value(at: "item", "name").flatMap(doc.string) != nil)
        #expect(doc.member("maybe", of: doc.root)?.kind == .number)
        #expect(doc.value(at: "both", "a").flatMap(doc.int) != nil && doc.value(at: "both", "b").flatMap(doc.bool) != nil)
    }

    /// Hostile schemas: a `$ref` loop through a required property, deep nesting, a huge enum,
    /// unknown types and junk all end in bounded, valid JSON.
    @Test func hostileSchemasStayBounded() throws {
        let loop = ##"{"type":"object","required":["next"],"properties":{"next":{"$ref":"#"}}}"##
        let selfRef = ##"{"$ref":"#"}"##
        let deep = String(repeating: #"{"type":"array","minItems":1,"items":"#, count: 100) + #"{"type":"string"}"# + String(repeating: "}", count: 100)
        let wide = "{\"type\":\"object\",\"required\":[" + (0..<300).map { "\"p\($0)\"" }.joined(separator: ",") + "],\"properties\":{"
            + (0..<300).map { "\"p\($0)\":{\"$ref\":\"#\"}" }.joined(separator: ",") + "}}"
        let hugeEnum = "{\"enum\":[" + (0..<50_000).map(String.init).joined(separator: ",") + "]}"
        let junk = [##"{"type":"teapot"}"##, ##"{"type":7}"##, ##"{"$ref":"#/nowhere/at/all"}"##, ##"{"minItems":-4,"maxItems":-9,"type":"array"}"##,
                    #"{"type":"integer","minimum":10,"maximum":2}"#, #"{"type":"number","minimum":1e308,"multipleOf":1e-300}"#,
                    #"{"enum":[]}"#, #"{"anyOf":[]}"#, #"{"type":"string","minLength":999999999}"#, #"{"type":"object","minProperties":100000}"#]
        for schema in [loop, selfRef, deep, wide, hugeEnum] + junk {
            let (text, _) = try generate(schema)
            #expect(text.utf8.count < 5 * SchemaValueGenerator.maxBytes, "\(schema.prefix(60))")
        }
        let (text, _) = try generate(hugeEnum)
        #expect(Int(text).map { $0 < SchemaValueGenerator.maxChoices } == true)
    }

    @Test func deterministicForASeed() throws {
        let schema = #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}}}"#
        #expect(try generate(schema, seed: 5).text == generate(schema, seed: 5).text)
    }
}
