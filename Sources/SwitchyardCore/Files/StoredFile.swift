import Foundation

/// An uploaded file's metadata (its content lives in the files directory): what the store
/// keeps and what `GET /v1/files/{id}` shows, in OpenAI's file object shape.
package struct StoredFile: Sendable, Hashable {
    /// `file-` plus 24 random base-62 characters.
    package var id: String
    /// The key that uploaded it; nil when auth is off and no key was given.
    package var keyID: String?
    package var filename: String
    package var purpose: String
    package var bytes: Int64
    /// Requests in a batch input file.
    package var lines: Int
    package var createdAt: Date

    package init(id: String, keyID: String?, filename: String, purpose: String, bytes: Int64, lines: Int, createdAt: Date) {
        self.id = id
        self.keyID = keyID
        self.filename = filename
        self.purpose = purpose
        self.bytes = bytes
        self.lines = lines
        self.createdAt = createdAt
    }

    /// The purposes this gateway takes: batch input, and the output and error files batches write.
    package static let purposes: Set<String> = ["batch", "batch_output"]

    package static func newID() -> String { RandomID.base62(prefix: "file-", count: 24) }

    /// Whether `id` could be one of ours (so it is safe to use as a file name).
    package static func isWellFormed(_ id: String) -> Bool {
        id.hasPrefix("file-") && id.utf8.count == 29 && id.utf8.dropFirst(5).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    /// OpenAI's file object.
    package var json: String {
        "{\"id\":\(JSONString.quoted(id)),\"object\":\"file\",\"bytes\":\(bytes),\"created_at\":\(Int64(createdAt.timeIntervalSince1970))," +
            "\"filename\":\(JSONString.quoted(filename)),\"purpose\":\(JSONString.quoted(purpose)),\"status\":\"processed\",\"status_details\":null}"
    }

    /// `GET /v1/files`: OpenAI's list shape.
    package static func listJSON(_ files: [StoredFile], hasMore: Bool) -> String {
        "{\"object\":\"list\",\"data\":[" + files.map(\.json).joined(separator: ",") + "],\"first_id\":" +
            (files.first.map { JSONString.quoted($0.id) } ?? "null") + ",\"last_id\":" + (files.last.map { JSONString.quoted($0.id) } ?? "null") +
            ",\"has_more\":\(hasMore)}"
    }

    /// A file name from an upload as it may be shown: at most 255 bytes of printable text.
    package static func cleanName(_ name: String?) -> String {
        let cleaned = String((name ?? "upload.jsonl").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        var out = ""
        for ch in cleaned {
            if out.utf8.count + String(ch).utf8.count > 255 { break }
            out.append(ch)
        }
        return out.isEmpty ? "upload.jsonl" : out
    }
}
