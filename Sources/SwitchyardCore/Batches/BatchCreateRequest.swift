import Foundation

/// `POST /v1/batches` in OpenAI's shape: `input_file_id`, `endpoint`, `completion_window`
/// (`"24h"`), `metadata` (at most 16 string pairs; keys up to 64 characters, values up to 512),
/// and `output_expires_after` (accepted, not used: output files live until deleted). Every
/// refusal is a 400 naming the field.
package struct BatchCreateRequest: Sendable, Hashable {
    package var inputFileID: String
    package var endpoint: String
    package var completionWindow: String
    package var metadata: [String: String]?
    package var options: BatchOptions

    /// The endpoints batches run (the OpenAI API also has `/v1/responses` and `/v1/completions`).
    package static let endpoints = BatchInputValidator.endpoints

    package init(body: [UInt8]) throws(OpenAIError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body, strict: true)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request (\(error)).", as: .invalidJSON)
        }
        guard document.root.kind == .object else { throw .invalidRequest("The request body must be a JSON object.", as: .invalidJSON) }
        var fields: [String: JSONValue] = [:]
        for (key, value) in document.members(of: document.root) {
            guard ["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"].contains(key) else {
                throw .invalidRequest("Unknown parameter: '\(key.prefix(64))'.", param: String(key.prefix(64)), as: .invalidValue)
            }
            fields[key] = value
        }
        func required(_ name: String) throws(OpenAIError) -> String {
            guard let value = fields[name], value.kind != .null else {
                throw .invalidRequest("Missing required parameter: '\(name)'.", param: name, as: .missingRequiredParameter)
            }
            guard let text = document.string(value) else { throw .invalidRequest("'\(name)' must be a string.", param: name, as: .invalidType) }
            return text
        }
        inputFileID = try required("input_file_id")
        endpoint = try required("endpoint")
        guard Self.endpoints.contains(endpoint) else {
            throw .invalidRequest("'endpoint' must be /v1/chat/completions or /v1/embeddings; batches of '\(endpoint.prefix(64))' are not run here.",
                                  param: "endpoint", as: .invalidValue)
        }
        completionWindow = try required("completion_window")
        guard completionWindow == "24h" else {
            throw .invalidRequest("'completion_window' must be \"24h\", not '\(completionWindow.prefix(32))'.", param: "completion_window", as: .invalidValue)
        }
        if let value = fields["output_expires_after"], value.kind != .null, value.kind != .object {
            throw .invalidRequest("'output_expires_after' must be an object.", param: "output_expires_after", as: .invalidType)
        }
        metadata = nil
        if let value = fields["metadata"], value.kind != .null {
            guard value.kind == .object else { throw .invalidRequest("'metadata' must be an object of strings.", param: "metadata", as: .invalidType) }
            var pairs: [String: String] = [:]
            for (key, entry) in document.members(of: value) {
                guard let text = document.string(entry) else {
                    throw .invalidRequest("metadata.\(key.prefix(64)) must be a string.", param: "metadata", as: .invalidType)
                }
                guard !key.isEmpty, key.count <= 64 else {
                    throw .invalidRequest("Metadata keys must be 1 to 64 characters long.", param: "metadata", as: .invalidValue)
                }
                guard text.count <= 512 else {
                    throw .invalidRequest("metadata.\(key) is longer than 512 characters.", param: "metadata", as: .invalidValue)
                }
                pairs[key] = text
            }
            guard pairs.count <= 16 else { throw .invalidRequest("'metadata' may hold at most 16 pairs.", param: "metadata", as: .invalidValue) }
            metadata = pairs
        }
        options = try BatchOptions(metadata: metadata)
    }
}
