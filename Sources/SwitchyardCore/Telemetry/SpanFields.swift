/// A span attribute's value (OTLP's `AnyValue`, the kinds the gateway uses).
package enum SpanValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case strings([String])
}

/// Span attributes (names follow the OpenTelemetry semantic conventions, or `switchyard.*`),
/// encoded as they are set: each is written at once as the OTLP protobuf a span carries it in
/// (a `Span.attributes` entry, a `KeyValue`), so that a span's attributes are bytes appended
/// to bytes, and ending a span neither copies nor walks a list of values. Every span sets each
/// name once (`namesAreDistinct`, checked in debug builds where a span ends).
package struct SpanFields: Sendable, Hashable {
    /// `Span.attributes` fields (number 9), one per attribute, in the order they were set.
    package private(set) var encoded: ProtobufWriter
    /// How many attributes are in `encoded`.
    package private(set) var count = 0

    /// The field number of `Span.attributes`.
    static let spanAttributesField = 9

    package init(capacity: Int = 0) {
        encoded = ProtobufWriter(capacity: capacity)
    }

    package var isEmpty: Bool { count == 0 }

    package mutating func set(_ name: String, _ value: String?) {
        guard let value else { return }
        let count = value.utf8.count
        keyValue(name, valueLength: 1 + ProtobufWriter.varintSize(UInt64(count)) + count)
        encoded.lengthDelimited(1, length: count)                       // AnyValue.string_value
        encoded.raw(value.utf8)
    }

    package mutating func set(_ name: String, _ value: Int?) {
        guard let value else { return }
        setInt(name, Int64(value))
    }

    package mutating func set(_ name: String, _ value: Double?) {
        guard let value else { return }
        keyValue(name, valueLength: 9)
        encoded.doubleField(4, value)                                   // AnyValue.double_value
    }

    package mutating func set(_ name: String, _ value: Bool?) {
        guard let value else { return }
        keyValue(name, valueLength: 2)
        encoded.boolField(2, value)                                     // AnyValue.bool_value
    }

    package mutating func set(_ name: String, _ value: [String]?) {
        guard let value else { return }
        attribute(name) { anyValue in
            anyValue.messageField(5) { array in                            // ArrayValue
                for text in value { array.messageField(1) { $0.stringField(1, text) } }
            }
        }
    }

    package mutating func set(_ name: String, _ value: SpanValue) {
        switch value {
        case .string(let text): set(name, text)
        case .int(let number): setInt(name, number)
        case .double(let number): set(name, number)
        case .bool(let flag): set(name, flag)
        case .strings(let texts): set(name, texts)
        }
    }

    package mutating func append(_ other: SpanFields) {
        encoded.append(other.encoded)
        count += other.count
    }

    private mutating func setInt(_ name: String, _ value: Int64) {
        keyValue(name, valueLength: 1 + ProtobufWriter.varintSize(UInt64(bitPattern: value)))
        encoded.int64Field(3, value)                                    // AnyValue.int_value
    }

    /// The head of one attribute — the `KeyValue`'s tag and length, its key, and the tag and
    /// length of its `AnyValue` — whose `valueLength` bytes of content the caller writes next.
    /// Sizes are known up front: nothing is written twice or moved.
    private mutating func keyValue(_ name: String, valueLength: Int) {
        let nameCount = name.utf8.count
        let length = 1 + ProtobufWriter.varintSize(UInt64(nameCount)) + nameCount
            + 1 + ProtobufWriter.varintSize(UInt64(valueLength)) + valueLength
        encoded.lengthDelimited(Self.spanAttributesField, length: length)
        encoded.lengthDelimited(1, length: nameCount)                   // KeyValue.key
        encoded.raw(name.utf8)
        encoded.lengthDelimited(2, length: valueLength)                 // KeyValue.value
        count += 1
    }

    /// One `KeyValue`: the name, and the `AnyValue` `value` writes.
    private mutating func attribute(_ name: String, _ value: (inout ProtobufWriter) -> Void) {
        encoded.messageField(Self.spanAttributesField) { keyValue in
            keyValue.stringField(1, name)
            keyValue.messageField(2, value)
        }
        count += 1
    }

    // MARK: Reading back (tests, the OTLP/JSON encoding)

    /// A decoded attribute.
    package struct Item: Sendable, Hashable {
        package var name: String
        package var value: SpanValue

        package init(name: String, value: SpanValue) {
            self.name = name
            self.value = value
        }
    }

    /// The attributes, decoded, in the order they were set.
    package var items: [Item] {
        (try? Self.decode(encoded.bytes[...])) ?? []
    }

    /// The value last set for `name`.
    package subscript(name: String) -> SpanValue? {
        items.last { $0.name == name }?.value
    }

    /// Whether no name is set twice (an OTLP span's attribute names must be unique).
    package var namesAreDistinct: Bool {
        let names = items.map(\.name)
        return Set(names).count == names.count
    }

    /// The `Span.attributes` entries among the fields of `bytes` (a span, or attributes alone).
    static func decode(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> [Item] {
        var items: [Item] = []
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            guard field == spanAttributesField, case .bytes(let keyValue) = value else { continue }
            items.append(try item(keyValue))
        }
        return items
    }

    private static func item(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> Item {
        var reader = ProtobufReader(bytes)
        var name: String?
        var value: SpanValue?
        while let (field, content) = try reader.next() {
            switch (field, content) {
            case (1, .bytes(let text)): name = String(decoding: text, as: UTF8.self)
            case (2, .bytes(let any)): value = try anyValue(any)
            default: continue
            }
        }
        guard let name, let value else { throw ProtobufReader.Malformed() }
        return Item(name: name, value: value)
    }

    private static func anyValue(_ bytes: ArraySlice<UInt8>) throws(ProtobufReader.Malformed) -> SpanValue {
        var reader = ProtobufReader(bytes)
        while let (field, content) = try reader.next() {
            switch (field, content) {
            case (1, .bytes(let text)): return .string(String(decoding: text, as: UTF8.self))
            case (2, .varint(let flag)): return .bool(flag != 0)
            case (3, .varint(let number)): return .int(Int64(bitPattern: number))
            case (4, .fixed64(let bits)): return .double(Double(bitPattern: bits))
            case (5, .bytes(let array)):
                var texts: [String] = []
                var values = ProtobufReader(array)
                while let (_, element) = try values.next() {
                    guard case .bytes(let any) = element, case .string(let text) = try anyValue(any) else { throw ProtobufReader.Malformed() }
                    texts.append(text)
                }
                return .strings(texts)
            default: continue
            }
        }
        throw ProtobufReader.Malformed()
    }
}
