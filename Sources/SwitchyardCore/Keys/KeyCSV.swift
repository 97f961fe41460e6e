import Foundation

/// Keys as CSV, for `switchyard keys import` and `switchyard keys export`: RFC 4180 (fields
/// may be quoted, a quote inside is doubled, lines end in LF or CRLF), a header row naming the
/// columns. An import row becomes the JSON object `POST /admin/keys` takes, so it is validated
/// by the same rules (`KeySpec`); secrets are never exported.
package enum KeyCSV {
    /// Columns an import may have; `name` is required, the rest may be empty or absent.
    /// `models` lists model IDs or families separated by `;` or `,` (quote the cell for `,`).
    package static let importColumns = ["name", "team", "models", "region", "rpm", "tpm", "budget_usd", "budget_period", "expires_at", "expires_in_days"]

    /// What an export writes, in this order (never a secret or a hash).
    package static let exportColumns = ["id", "name", "team", "status", "models", "region", "rpm", "tpm", "budget_usd", "budget_period",
                                       "spent_usd", "expires_at", "created_at", "revoked_at", "key_hint"]

    /// The largest import the admin API takes in one request; the CLI sends bigger files in
    /// parts of this size.
    package static let maxRowsPerRequest = 10_000

    package struct ParseError: Error, Equatable, CustomStringConvertible {
        /// 1-based line of the file (the header is line 1).
        package var line: Int
        package var message: String
        package var description: String { "line \(line): \(message)" }
    }

    /// The import's rows as `POST /admin/keys` bodies, each with its line in the file.
    package static func importBodies(_ text: String) throws(ParseError) -> [(line: Int, json: String)] {
        let records = try parse(text)
        guard let header = records.first else { throw ParseError(line: 1, message: "the file is empty; the first line must name the columns (\(importColumns.joined(separator: ",")))") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for (index, column) in columns.enumerated() {
            guard importColumns.contains(column) else {
                throw ParseError(line: header.line, message: "unknown column '\(column.prefix(64))'; known columns: \(importColumns.joined(separator: ", "))")
            }
            guard !columns[..<index].contains(column) else { throw ParseError(line: header.line, message: "column '\(column)' appears twice") }
        }
        guard columns.contains("name") else { throw ParseError(line: header.line, message: "the column 'name' is required") }
        var bodies: [(line: Int, json: String)] = []
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.isEmpty }) { continue }  // a blank line
            guard record.fields.count == columns.count else {
                throw ParseError(line: record.line, message: "\(record.fields.count) fields, but the header names \(columns.count)")
            }
            var members: [String] = []
            for (column, raw) in zip(columns, record.fields) {
                let value = raw.trimmingCharacters(in: .whitespaces)
                if value.isEmpty { continue }
                switch column {
                case "rpm", "tpm", "expires_in_days":
                    guard let number = Int(value) else { throw ParseError(line: record.line, message: "'\(column)' must be a whole number, got '\(value.prefix(32))'") }
                    members.append(JSONString.quoted(column) + ":" + String(number))
                case "models":
                    let entries = value.split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    members.append("\"models\":[" + entries.map(JSONString.quoted).joined(separator: ",") + "]")
                default:
                    members.append(JSONString.quoted(column) + ":" + JSONString.quoted(value))
                }
            }
            bodies.append((record.line, "{" + members.joined(separator: ",") + "}"))
        }
        return bodies
    }

    /// One CSV line (no line end) of `fields`, quoted where needed.
    package static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || field.hasPrefix(" ") || field.hasSuffix(" ") else {
                return neutralised(field)
            }
            return "\"" + neutralised(field).replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }

    /// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading
    /// apostrophe: key names come from users.
    static func neutralised(_ field: String) -> String {
        guard let first = field.first, "=+-@\t\r".contains(first), Double(field) == nil else { return field }
        return "'" + field
    }

    /// Records of an RFC 4180 text with the line each starts on. A quoted field may span lines.
    static func parse(_ text: String) throws(ParseError) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var quoted = false
        var afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    let following = next()
                    if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = following }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty, !afterQuote else { throw ParseError(line: line, message: "a quote inside an unquoted field; quote the whole field and double the quote") }
                quoted = true
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r":
                continue
            case "\n":
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                afterQuote = false
                line += 1
                recordLine = line
            default:
                guard !afterQuote else { throw ParseError(line: line, message: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw ParseError(line: recordLine, message: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return records
    }
}
