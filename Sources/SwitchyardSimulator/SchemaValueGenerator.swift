import Foundation
import SwitchyardCore

/// Writes a JSON value that validates against a JSON Schema: the arguments of a simulated tool
/// call and the answer to `response_format: json_schema`.
///
/// What it honours: `type` (one or a list), `enum`, `const`, `$ref` (JSON pointers into the
/// request, e.g. `#/$defs/Item`), `anyOf`/`oneOf` (one alternative), `allOf` (objects merged),
/// `properties` + `required` (required ones always, optional ones about half the time),
/// `minProperties`/`maxProperties`, `items`/`prefixItems`, `minItems`/`maxItems`/`uniqueItems`,
/// `minimum`/`maximum` (exclusive too), `multipleOf`, `minLength`/`maxLength` and the common
/// string `format`s. What it cannot honour (`pattern`, `not`, conditionals) it ignores.
///
/// Schemas come from clients and are untrusted: nesting and `$ref` chains stop at `maxDepth`
/// (a `$ref` loop ends there with the smallest value of the type), enums are sampled from their
/// first `maxChoices` entries, and once the text passes `maxBytes` only what `required` and the
/// minimum counts demand is added. Deterministic for a given generator state.
struct SchemaValueGenerator {
    static let maxDepth = 24
    static let maxBytes = 16 * 1024
    static let maxChoices = 256
    static let maxItems = 64
    /// Values written in all (every object, array, property and item counts one).
    static let maxNodes = 2_048

    let document: JSONDocument
    var rng: SeededRandom
    private(set) var text = ""
    private var nodes = 0
    private let schemaRoots: [JSONValue]

    init(document: JSONDocument, rng: SeededRandom) {
        self.document = document
        self.rng = rng
        schemaRoots = Self.schemaRoots(in: document)
    }

    /// The JSON text of a value for `schema` (nil: any value; an object for tool arguments).
    static func value(for schema: JSONValue?, in document: JSONDocument, rng: inout SeededRandom, name: String? = nil) -> String {
        var generator = SchemaValueGenerator(document: document, rng: rng)
        generator.write(schema, depth: 0, name: name)
        rng = generator.rng
        return generator.text
    }

    private var overBudget: Bool { text.utf8.count > Self.maxBytes }

    // MARK: Dispatch

    mutating func write(_ input: JSONValue?, depth: Int, name: String?) {
        // A hard stop for schemas no finite value satisfies (a required property that refers
        // back to its object) or that would fan out without end: the smallest value of the
        // declared type, without looking further.
        guard let input else { writeWords(name: name, min: 0, max: nil); return }
        nodes += 1
        if exhausted || depth >= 2 * Self.maxDepth {
            text += input.kind == .object ? minimal(document.member("type", of: input).flatMap(document.string) ?? "null") : "null"
            return
        }
        var depth = depth
        let schema = resolve(input, depth: &depth)
        switch schema.kind {
        case .true: writeWords(name: name, min: 0, max: nil); return
        case .object: break
        default: text += "null"; return  // `false` (nothing validates) or not a schema at all
        }
        if let constant = document.member("const", of: schema) { writeRaw(constant); return }
        if let list = document.member("enum", of: schema), list.kind == .array {
            let choices = Array(document.elements(of: list).prefix(Self.maxChoices))
            if let pick = pick(from: choices) { writeRaw(pick) } else { text += "null" }
            return
        }
        let deep = depth >= Self.maxDepth
        for key in ["anyOf", "oneOf"] {
            if let list = document.member(key, of: schema), list.kind == .array,
               let alternative = pickAlternative(Array(document.elements(of: list).prefix(Self.maxChoices)), depth: depth) {
                write(alternative, depth: depth + 1, name: name)
                return
            }
        }
        var parts = [schema]
        if let list = document.member("allOf", of: schema), list.kind == .array {
            for part in document.elements(of: list).prefix(Self.maxChoices) {
                var partDepth = depth
                let resolved = resolve(part, depth: &partDepth)
                if resolved.kind == .object { parts.append(resolved) }
            }
        }
        switch type(of: parts) {
        case "object": writeObject(parts, depth: depth, deep: deep)
        case "array": writeArray(schema, depth: depth, deep: deep)
        case "integer": writeNumber(parts, integer: true)
        case "number": writeNumber(parts, integer: false)
        case "boolean": text += rng.next() % 2 == 0 ? "true" : "false"
        case "null": text += "null"
        default: writeString(parts, name: name)
        }
    }

    /// Follows `$ref` pointers (each one counts as a level of depth).
    private func resolve(_ schema: JSONValue, depth: inout Int) -> JSONValue {
        var current = schema
        while current.kind == .object, let ref = document.member("$ref", of: current).flatMap(document.string) {
            depth += 1
            guard depth < Self.maxDepth, let target = pointer(ref) else { return current }
            current = target
        }
        return current
    }

    /// A JSON pointer into the request document (`#/$defs/Item`), looked up from the schema
    /// roots the request has: the whole body, `response_format.json_schema.schema` and each
    /// tool's `function.parameters`.
    private func pointer(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        let tokens = ref.dropFirst().split(separator: "/", omittingEmptySubsequences: true).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        for root in schemaRoots {
            var current: JSONValue? = root
            for token in tokens {
                guard let value = current else { break }
                if value.kind == .array, let index = Int(token), index >= 0 {
                    current = document.elements(of: value).dropFirst(index).first
                } else {
                    current = document.member(token, of: value)
                }
            }
            if let current { return current }
        }
        return nil
    }

    private static func schemaRoots(in document: JSONDocument) -> [JSONValue] {
        var roots: [JSONValue] = []
        if let schema = document.value(at: "response_format", "json_schema", "schema") { roots.append(schema) }
        if let tools = document.member("tools", of: document.root), tools.kind == .array {
            for tool in document.elements(of: tools).prefix(128) {
                if let parameters = document.value(at: "function", "parameters", from: tool) { roots.append(parameters) }
            }
        }
        roots.append(document.root)
        return roots
    }

    /// Prefers an alternative that is not `null` (a model answering an `Optional` field usually
    /// fills it), and a shallow one when the depth is running out.
    private mutating func pickAlternative(_ alternatives: [JSONValue], depth: Int) -> JSONValue? {
        guard !alternatives.isEmpty else { return nil }
        let nonNull = alternatives.filter { alternative in
            guard alternative.kind == .object else { return alternative.kind == .true }
            return document.member("type", of: alternative).flatMap(document.string) != "null"
        }
        if depth >= Self.maxDepth / 2, let null = alternatives.first(where: { !nonNull.contains($0) }) { return null }
        return pick(from: nonNull.isEmpty ? alternatives : nonNull)
    }

    private func minimal(_ type: String) -> String {
        switch type {
        case "object": return "{}"
        case "array": return "[]"
        case "integer", "number": return "0"
        case "boolean": return "false"
        case "null": return "null"
        default: return "\"\""
        }
    }

    private func type(of parts: [JSONValue]) -> String {
        for part in parts {
            guard let value = document.member("type", of: part) else { continue }
            if let name = document.string(value) { return name }
            if value.kind == .array {
                let names = document.elements(of: value).compactMap(document.string)
                return names.first { $0 != "null" } ?? names.first ?? "string"
            }
        }
        for part in parts {
            if document.member("properties", of: part) != nil || document.member("required", of: part) != nil { return "object" }
            if document.member("items", of: part) != nil || document.member("prefixItems", of: part) != nil { return "array" }
            if document.member("minimum", of: part) != nil || document.member("maximum", of: part) != nil { return "number" }
        }
        return "string"
    }

    // MARK: Values

    private mutating func writeObject(_ parts: [JSONValue], depth: Int, deep: Bool) {
        var properties: [String: JSONValue] = [:]
        var order: [String] = []
        var required: [String] = []
        var requiredSet: Set<String> = []
        var minProperties = 0
        var maxProperties = Int.max
        var extra: JSONValue?
        for part in parts {
            if let list = document.member("properties", of: part), list.kind == .object {
                for member in document.members(of: list).prefix(Self.maxChoices) where properties[member.key] == nil {
                    properties[member.key] = member.value
                    order.append(member.key)
                }
            }
            if let list = document.member("required", of: part), list.kind == .array {
                for name in document.elements(of: list).prefix(Self.maxChoices).compactMap(document.string) where requiredSet.insert(name).inserted {
                    required.append(name)
                }
            }
            if let n = document.member("minProperties", of: part).flatMap(document.int) { minProperties = max(minProperties, n) }
            if let n = document.member("maxProperties", of: part).flatMap(document.int) { maxProperties = min(maxProperties, n) }
            if let more = document.member("additionalProperties", of: part) { extra = more }
        }
        var chosen: [(key: String, schema: JSONValue?)] = required.map { ($0, properties[$0] ?? extra) }
        var optional = order.filter { !requiredSet.contains($0) }
        var skipped: [String] = []
        for key in optional {
            if !deep && chosen.count < maxProperties && rng.unit() < 0.5 { chosen.append((key, properties[key])) } else { skipped.append(key) }
        }
        optional = skipped
        while chosen.count < min(minProperties, Self.maxItems), !optional.isEmpty {
            let key = optional.removeFirst()
            chosen.append((key, properties[key]))
        }
        if extra?.kind != .false {
            var n = 0
            while chosen.count < min(minProperties, Self.maxItems) {
                n += 1
                chosen.append(("extra_\(n)", extra?.kind == .object ? extra : nil))
            }
        }
        text += "{"
        for (index, property) in chosen.enumerated() {
            // Past the hard stop nothing more is added: the value is already cut short.
            if exhausted { break }
            if index > 0 { text += "," }
            text += JSONString.quoted(property.key) + ":"
            write(property.schema, depth: depth + 1, name: property.key)
        }
        text += "}"
    }

    /// The node or size budget is spent.
    private var exhausted: Bool { nodes > Self.maxNodes || text.utf8.count > 4 * Self.maxBytes }

    private mutating func writeArray(_ schema: JSONValue, depth: Int, deep: Bool) {
        let minItems = min(max(0, document.member("minItems", of: schema).flatMap(document.int) ?? 0), Self.maxItems)
        var maxItems = min(max(0, document.member("maxItems", of: schema).flatMap(document.int) ?? Self.maxItems), Self.maxItems)
        maxItems = max(maxItems, minItems)
        let prefix = document.member("prefixItems", of: schema).map { $0.kind == .array ? Array(document.elements(of: $0).prefix(Self.maxItems)) : [] } ?? []
        let items = document.member("items", of: schema)
        if items?.kind == .false { maxItems = min(maxItems, prefix.count) }
        let wanted = deep || overBudget ? minItems : minItems + Int(rng.next() % UInt64(min(3, maxItems - minItems) + 1))
        let count = max(min(wanted, maxItems), min(prefix.count, minItems))
        let unique = document.member("uniqueItems", of: schema).flatMap(document.bool) ?? false
        var written: Set<String> = []
        text += "["
        for index in 0..<count where !exhausted {
            let itemSchema = index < prefix.count ? prefix[index] : (items?.kind == .array ? nil : items)
            let start = text.utf8.count
            if index > 0 { text += "," }
            var attempt = 0
            var added = false
            while !added && attempt < 8 {
                let mark = text.utf8.count
                write(itemSchema, depth: depth + 1, name: nil)
                let item = String(decoding: text.utf8.dropFirst(mark), as: UTF8.self)
                if !unique || written.insert(item).inserted {
                    added = true
                } else {
                    text = String(decoding: text.utf8.prefix(mark), as: UTF8.self)
                    attempt += 1
                }
            }
            if !added {
                text = String(decoding: text.utf8.prefix(start), as: UTF8.self)
                break
            }
        }
        text += "]"
    }

    private mutating func writeNumber(_ parts: [JSONValue], integer: Bool) {
        var low = -Double.infinity
        var high = Double.infinity
        var lowOpen = false
        var highOpen = false
        var step: Double?
        for part in parts {
            func number(_ key: String) -> Double? { document.member(key, of: part).flatMap(document.double).flatMap { $0.isFinite ? $0 : nil } }
            if let v = number("minimum"), v >= low { low = v; lowOpen = false }
            if let v = number("exclusiveMinimum"), v >= low { low = v; lowOpen = true }
            if let v = number("maximum"), v <= high { high = v; highOpen = false }
            if let v = number("exclusiveMaximum"), v <= high { high = v; highOpen = true }
            if let v = number("multipleOf"), v > 0 { step = v }
        }
        // Without bounds, numbers a model would plausibly give (0...100); bounds far apart are
        // narrowed to 100 above the lower one, so values stay short.
        let limit = 1e15
        if low == -.infinity { low = high == .infinity ? 0 : min(high, limit) - 100 }
        if high == .infinity { high = low + 100 }
        low = min(max(low, -limit), limit)
        high = min(max(high, -limit), limit)
        if high - low > 1_000 { high = low + 1_000 }
        if integer || step.map({ $0 == $0.rounded() }) == true {
            let unit = min(max(1, (step ?? 1).rounded()), limit)
            var lo = (low / unit).rounded(.up)
            var hi = (high / unit).rounded(.down)
            if lowOpen && lo * unit <= low { lo += 1 }
            if highOpen && hi * unit >= high { hi -= 1 }
            let k = hi >= lo ? lo + Double(rng.next() % UInt64(min(hi - lo, 1_000) + 1)) : lo
            text += format(k * unit)
            return
        }
        if let step, step >= 1e-9 {
            let lo = (low / step).rounded(.up) + (lowOpen ? 1 : 0)
            let hi = max(lo, (high / step).rounded(.down) - (highOpen ? 1 : 0))
            if lo.isFinite, hi.isFinite, abs(lo) < 1e15 {
                let k = lo + Double(rng.next() % UInt64(min(hi - lo, 1_000) + 1))
                text += format(k * step)
                return
            }
        }
        var value = ((low + rng.unit() * (high - low)) * 100).rounded() / 100
        if value < low || (lowOpen && value <= low) || value > high || (highOpen && value >= high) { value = (low + high) / 2 }
        text += format(value)
    }

    private func format(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    private mutating func writeString(_ parts: [JSONValue], name: String?) {
        var minLength = 0
        var maxLength: Int?
        var format: String?
        for part in parts {
            if let n = document.member("minLength", of: part).flatMap(document.int) { minLength = max(minLength, min(n, 4_096)) }
            if let n = document.member("maxLength", of: part).flatMap(document.int) { maxLength = min(maxLength ?? .max, max(0, n)) }
            format = format ?? document.member("format", of: part).flatMap(document.string)
        }
        if let format, let value = formatted(format) {
            text += JSONString.quoted(value)
            return
        }
        writeWords(name: name, min: minLength, max: maxLength)
    }

    private mutating func formatted(_ format: String) -> String? {
        let n = Int(rng.next() % 28) + 1
        switch format {
        case "date-time": return "2026-12-\(pad(n))T\(pad(n % 24)):\(pad(n * 2 % 60)):00Z"
        case "date": return "2026-12-\(pad(n))"
        case "time": return "\(pad(n % 24)):\(pad(n * 2 % 60)):00Z"
        case "email": return "\(Self.words[n % Self.words.count])@example.com"
        case "uri", "url", "iri": return "https://example.com/\(Self.words[n % Self.words.count])"
        case "uuid":
            let hex = (0..<32).map { _ in String(rng.next() % 16, radix: 16) }.joined()
            let c = Array(hex)
            return String(c[0..<8]) + "-" + String(c[8..<12]) + "-4" + String(c[13..<16]) + "-a" + String(c[17..<20]) + "-" + String(c[20..<32])
        case "ipv4": return "192.0.2.\(n)"
        case "hostname": return "\(Self.words[n % Self.words.count]).example.com"
        default: return nil
        }
    }

    private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Words a model might put in a field of that name (a city for `city`), within the lengths.
    private mutating func writeWords(name: String?, min minLength: Int, max maxLength: Int?) {
        let lower = name?.lowercased() ?? ""
        let pool = lower.contains("city") || lower.contains("location") ? Self.cities : Self.words
        var value = pool[Int(rng.next() % UInt64(pool.count))]
        if pool == Self.words, rng.next() % 2 == 0 { value += " " + Self.words[Int(rng.next() % UInt64(Self.words.count))] }
        if value.count < minLength { value += String(repeating: "x", count: minLength - value.count) }
        if let maxLength, value.count > maxLength { value = String(value.prefix(max(maxLength, minLength))) }
        text += JSONString.quoted(value)
    }

    private mutating func writeRaw(_ value: JSONValue) {
        text += String(decoding: document.raw(value), as: UTF8.self)
    }

    /// One of `choices`, preferring a short one when the random pick is large.
    private mutating func pick(from choices: [JSONValue]) -> JSONValue? {
        guard !choices.isEmpty else { return nil }
        let choice = choices[Int(rng.next() % UInt64(choices.count))]
        if choice.range.count > 1_024 { return choices.min { $0.range.count < $1.range.count } }
        return choice
    }

    static let words = ["alpha", "report", "blue", "summary", "gateway", "river", "green", "token", "model", "answer", "north", "value"]
    static let cities = ["Paris", "Berlin", "Tokyo", "Lagos", "Lima", "Oslo", "Hangzhou", "Beijing", "Austin"]
}
