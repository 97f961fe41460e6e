internal import Crypto
import Foundation

/// The key of a cached answer: SHA-256 of the front door, the model routing picked, the scope
/// and the canonical request. Two requests get the same key exactly when they are the same
/// request to the same model in the same scope, whatever their key order or white space.
///
/// The canonical request is the body as JSON with object keys sorted (by their UTF-8 bytes),
/// no white space, strings re-encoded from their decoded value (so `"\u0041"` is `"A"`), and
/// numbers as written (`1` and `1.0` differ: an exact-match cache). Left out at the top level:
/// `model` (the routed model is in the key instead, so an alias and its ID share entries),
/// `stream` and `stream_options` (an entry replays in either form), and who is asking: `user`
/// (chat) and `metadata` (Messages' `metadata.user_id`). The front door is part of the key:
/// a Messages body never shares an entry with a chat body.
package struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    /// Whose entries a request may see.
    package enum Scope: Sendable, Hashable {
        /// One team's keys.
        case team(String)
        /// A key without a team: its entries are its own.
        case key(String)
        /// Keyless calls (auth off).
        case anonymous
        /// `shared: true`: every caller.
        case shared
    }

    // The 32 bytes of the digest as four words: hashed and compared without allocating.
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64

    init(digest: some Sequence<UInt8>) {
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in digest.enumerated() where index < 32 {
            words[index / 8] = words[index / 8] << 8 | UInt64(byte)
        }
        (a, b, c, d) = (words[0], words[1], words[2], words[3])
    }

    package var description: String {
        [a, b, c, d].map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Fields that do not change the answer (or are replaced by the routed model).
    static let ignored: [UsageRecord.Front: Set<String>] = [
        .chat: ["model", "stream", "stream_options", "user"],
        .messages: ["model", "stream", "metadata"],
    ]

    /// The key of `request` (a validated JSON object) sent through `front`, routed to `model`.
    package static func make(front: UsageRecord.Front, model: String, scope: Scope, request: JSONDocument) -> CacheKey {
        var hash = SHA256()
        func part(_ text: String) {
            var length = UInt32(truncatingIfNeeded: text.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hash.update(bufferPointer: $0) }
            hash.update(data: Array(text.utf8))
        }
        part("switchyard-cache-v1")
        part(front.rawValue)
        part(model)
        switch scope {
        case .team(let team): part("team"); part(team)
        case .key(let id): part("key"); part(id)
        case .anonymous: part("anonymous"); part("")
        case .shared: part("shared"); part("")
        }
        let canonical = canonicalBody(request, front: front)
        hash.update(data: canonical)
        return CacheKey(digest: hash.finalize())
    }

    /// The canonical form of the request body (see the type's comment).
    package static func canonicalBody(_ request: JSONDocument, front: UsageRecord.Front) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(request.bytes.count)
        write(request.root, of: request, skipping: ignored[front] ?? [], into: &out)
        return out
    }

    private static func write(_ value: JSONValue, of document: JSONDocument, skipping: Set<String>, into out: inout [UInt8]) {
        switch value.kind {
        case .object:
            let members = document.members(of: value)
                .filter { !skipping.contains($0.key) }
                .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out += JSONString.quoted(member.key).utf8
                out.append(UInt8(ascii: ":"))
                write(member.value, of: document, skipping: [], into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array:
            out.append(UInt8(ascii: "["))
            for (index, element) in document.elements(of: value).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, of: document, skipping: [], into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string:
            out += JSONString.quoted(document.string(value) ?? "").utf8
        case .number, .true, .false, .null:
            out += document.raw(value)
        }
    }
}
