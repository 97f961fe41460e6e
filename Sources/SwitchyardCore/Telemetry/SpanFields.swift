/// A span attribute's value (OTLP's `AnyValue`, the kinds the gateway uses).
package enum SpanValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case strings([String])
}

/// Span attributes in the order they were added (names follow the OpenTelemetry semantic
/// conventions, or `switchyard.*`).
package struct SpanFields: Sendable, Hashable {
    package private(set) var items: [Item] = []

    package struct Item: Sendable, Hashable {
        package var name: String
        package var value: SpanValue
    }

    package init() {}

    package subscript(name: String) -> SpanValue? {
        items.last { $0.name == name }?.value
    }

    package mutating func set(_ name: String, _ value: String?) {
        if let value { items.append(Item(name: name, value: .string(value))) }
    }

    package mutating func set(_ name: String, _ value: Int?) {
        if let value { items.append(Item(name: name, value: .int(Int64(value)))) }
    }

    package mutating func set(_ name: String, _ value: Double?) {
        if let value { items.append(Item(name: name, value: .double(value))) }
    }

    package mutating func set(_ name: String, _ value: Bool?) {
        if let value { items.append(Item(name: name, value: .bool(value))) }
    }

    package mutating func set(_ name: String, _ value: [String]?) {
        if let value { items.append(Item(name: name, value: .strings(value))) }
    }

    package mutating func append(_ other: SpanFields) {
        items += other.items
    }
}
