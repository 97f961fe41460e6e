import Foundation
internal import Yams

/// How batch jobs run (`batch:` in the config).
///
/// ```yaml
/// batch:
///   concurrency: 8          # lines of one batch in flight at once
///   max_share: 0.5          # a key's batches take at most this share of its RPM and TPM per minute
///   lease_s: 30             # a replica's hold on a batch; taken over when not renewed for this long
///   poll_ms: 1000           # how often a replica looks for batches to run
///   pause_check_s: 10       # a batch paused for budget tries again this often
///   off_peak:               # UTC windows for metadata.switchyard_window: "off_peak", by provider or family
///     deepseek: "16:30-00:30"
///     default: "22:00-06:00"
/// ```
///
/// `concurrency`, `max_share`, `pause_check_s` and `off_peak` take effect live (a reload); the
/// rest at the next start.
package struct BatchSettings: Sendable, Hashable {
    package var concurrency = 8
    package var maxShare = 0.5
    package var lease: Duration = .seconds(30)
    package var poll: Duration = .seconds(1)
    package var pauseCheck: Duration = .seconds(10)
    /// Provider names or family names, and `default`.
    package var offPeak: [String: BatchWindow] = [:]

    package init() {}

    /// The off-peak window of `provider` (or its `family`, or the default); nil when the config has none.
    package func offPeakWindow(provider: String?, family: String?) -> BatchWindow? {
        if let provider, let window = offPeak[provider] { return window }
        if let family, let window = offPeak[family] { return window }
        return offPeak["default"]
    }
}

extension ConfigValidator {
    func batchSettings(_ cursor: YAMLCursor) throws(ConfigError) -> BatchSettings {
        let fields = try cursor.mapping(allowed: ["concurrency", "max_share", "lease_s", "poll_ms", "pause_check_s", "off_peak"])
        var settings = BatchSettings()
        if let v = fields["concurrency"] { settings.concurrency = try v.int(in: 1...1_024) }
        if let v = fields["max_share"] {
            let share = try v.number(in: 0...1)
            guard share > 0 else { throw v.error("must be more than 0 and at most 1 (a share of the key's RPM and TPM)") }
            settings.maxShare = share
        }
        if let v = fields["lease_s"] { settings.lease = .seconds(try v.int(in: 2...3_600)) }
        if let v = fields["poll_ms"] { settings.poll = .milliseconds(try v.int(in: 10...60_000)) }
        if let v = fields["pause_check_s"] { settings.pauseCheck = .seconds(try v.int(in: 1...3_600)) }
        if let offPeak = fields["off_peak"] {
            for (name, value) in try offPeak.pairs() {
                let text = try value.string()
                guard let window = BatchWindow(parsing: text), case .daily = window else {
                    throw value.error("must be a daily UTC range such as \"16:30-00:30\"")
                }
                settings.offPeak[name] = window
            }
        }
        return settings
    }
}
