import Logging
import SwitchyardCore

/// Removes configured secrets (deployment keys, the admin key, tokens) by value, and URLs'
/// user names, passwords and query strings, from every log line and its metadata.
struct ScrubbingLogHandler: LogHandler {
    private var inner: any LogHandler

    init(_ inner: any LogHandler) { self.inner = inner }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(Self.scrub(event.message.description))"
        event.metadata = event.metadata.map(Self.scrub)
        inner.log(event: event)
    }

    static func scrub(_ text: String) -> String { SecretScrubber.shared.scrub(text) }

    static func scrub(_ metadata: Logger.Metadata) -> Logger.Metadata { metadata.mapValues(scrub) }

    static func scrub(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): return .string(scrub(text))
        case .stringConvertible(let convertible): return .string(scrub(convertible.description))
        case .dictionary(let dictionary): return .dictionary(scrub(dictionary))
        case .array(let array): return .array(array.map(scrub))
        }
    }
}
