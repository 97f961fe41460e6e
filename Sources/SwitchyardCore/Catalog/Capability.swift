/// What a model can take or do. Routing filters on these; the catalog and the config name them
/// in lower case (`vision`, `audio`, …).
package enum Capability: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case text
    case vision
    case audio
    case video
    case code
    case reasoning
    case chinese
    /// Turns text into vectors (`POST /v1/embeddings`); such a model does not chat.
    case embeddings

    package static func < (lhs: Capability, rhs: Capability) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
