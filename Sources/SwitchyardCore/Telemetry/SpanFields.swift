/// A span attribute's value (OTLP's `AnyValue`, the kinds the gateway uses).
public enum SpanValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case strings([String])
}

/// Span attributes in the order they were added (names follow the OpenTelemetry semantic
/// conventions, or `switchyard.*`).
public struct SpanFields: Sendable, Hashable {
    public private(set) var items: [Item] = []

    public struct Item: Sendable, Hashable {
        public var name: String
        public var value: SpanValue
    }

    public init() {}

    public subscript(name: String) -> SpanValue? {
        items.last { $0.name == name }?.value
    }

    public mutating func set(_ name: String, _ value: String?) {
        if let value { items.append(Item(name: name, value: .string(value))) }
    }

    public mutating func set(_ name: String, _ value: Int?) {
        if let value { items.append(Item(name: name, value: .int(Int64(value)))) }
    }

    public mutating func set(_ name: String, _ value: Double?) {
        if let value { items.append(Item(name: name, value: .double(value))) }
    }

    public mutating func set(_ name: String, _ value: Bool?) {
        if let value { items.append(Item(name: name, value: .bool(value))) }
    }

    public mutating func set(_ name: String, _ value: [String]?) {
        if let value { items.append(Item(name: name, value: .strings(value))) }
    }

    public mutating func append(_ other: SpanFields) {
        items += other.items
    }
}
