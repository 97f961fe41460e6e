import Foundation
package import Yams

/// A position in a parsed YAML file that knows its field path and line, so that every
/// validation error can say exactly where it is.
package struct YAMLCursor {
    package let node: Node
    package let field: String
    package let file: String

    package func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, column: node.mark?.column, field: field, message: message)
    }

    private func child(_ node: Node, _ name: String) -> YAMLCursor {
        YAMLCursor(node: node, field: field.isEmpty ? name : "\(field).\(name)", file: file)
    }

    /// The members of a mapping, rejecting keys not in `allowed` (typos must not pass silently).
    package func mapping(allowed: Set<String>) throws(ConfigError) -> [String: YAMLCursor] {
        guard case .mapping(let mapping) = node else { throw error("must be a mapping") }
        var result: [String: YAMLCursor] = [:]
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw error("has a key that is not a string") }
            let cursor = child(valueNode, key)
            guard allowed.contains(key) else {
                let options = allowed.sorted().joined(separator: ", ")
                throw YAMLCursor(node: keyNode, field: cursor.field, file: file).error("unknown field (expected one of: \(options))")
            }
            guard result[key] == nil else { throw cursor.error("is given twice") }
            result[key] = cursor
        }
        return result
    }

    /// A mapping with arbitrary string keys (e.g. a deployment's model table).
    package func pairs() throws(ConfigError) -> [(key: String, value: YAMLCursor)] {
        guard case .mapping(let mapping) = node else { throw error("must be a mapping") }
        var result: [(String, YAMLCursor)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string, !key.isEmpty else { throw error("has a key that is not a string") }
            result.append((key, child(valueNode, key)))
        }
        return result
    }

    package func sequence() throws(ConfigError) -> [YAMLCursor] {
        guard case .sequence(let sequence) = node else { throw error("must be a list") }
        return sequence.enumerated().map { index, node in
            YAMLCursor(node: node, field: "\(field)[\(index)]", file: file)
        }
    }

    package func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw error("must be a string") }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw error("must not be empty") }
        return text
    }

    package func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            throw error("must be a whole number")
        }
        guard range.contains(value) else { throw error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
        return value
    }

    package func bool() throws(ConfigError) -> Bool {
        guard let value = node.bool else { throw error("must be true or false") }
        return value
    }

    /// A price or other exact amount: the scalar's text is parsed as a decimal, never via `Double`.
    package func decimal(max: Decimal) throws(ConfigError) -> Decimal {
        guard case .scalar(let scalar) = node, let value = Decimal(exactly: scalar.string) else {
            throw error("must be a plain decimal number such as 0.25")
        }
        guard value >= 0, value <= max else { throw error("must be between 0 and \(max)") }
        return value
    }

    package func stringList() throws(ConfigError) -> [String] {
        try sequence().map { cursor throws(ConfigError) in try cursor.string() }
    }
}

extension YAMLCursor {
    package init(node: Node, field: String, file: String, _: Void = ()) {
        self.node = node
        self.field = field
        self.file = file
    }

    /// A number that may have a fraction (latencies, rates), never used for money.
    package func number(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            throw error("must be a number")
        }
        guard range.contains(value) else { throw error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)") }
        return value
    }
}
