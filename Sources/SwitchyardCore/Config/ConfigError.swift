/// A configuration problem, located: `switchyard.yaml:12:7: providers[0].deployments[1].base_url: …`.
package struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    package var file: String
    package var line: Int?
    package var column: Int?
    /// The dotted path of the field (`providers[0].deployments[1].weight`).
    package var field: String
    package var message: String

    package init(file: String, line: Int?, column: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    package var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return field.isEmpty ? "\(location): \(message)" : "\(location): \(field): \(message)"
    }
}
