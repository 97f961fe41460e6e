import Foundation

/// Which ledger rows the request log shows: the newest first, optionally only one key's, one
/// team's, one model's (requested or served) or one status class's, older than a cursor.
public struct LedgerFilter: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// 2xx and 3xx.
        case ok
        /// 400 and above.
        case error
    }

    public var keyID: String?
    public var team: String?
    /// Matches the requested or the served model.
    public var model: String?
    public var status: Status?
    /// One exact HTTP status (takes precedence over `status`).
    public var statusCode: Int?
    /// Only rows older than this (ts_ms, record_id) pair: the next page.
    public var before: Cursor?
    public var limit: Int

    public struct Cursor: Sendable, Hashable {
        public var timeMilliseconds: Int64
        public var recordID: String

        public init(timeMilliseconds: Int64, recordID: String) {
            self.timeMilliseconds = timeMilliseconds
            self.recordID = recordID
        }

        /// `1764633600000_<record id>`, as the request log's "older" link carries it.
        public init?(_ text: String) {
            let parts = text.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let ms = Int64(parts[0]), parts[1].utf8.count <= 64 else { return nil }
            timeMilliseconds = ms
            recordID = String(parts[1])
        }

        public var text: String { "\(timeMilliseconds)_\(recordID)" }
    }

    public init(keyID: String? = nil, team: String? = nil, model: String? = nil, status: Status? = nil, statusCode: Int? = nil,
                before: Cursor? = nil, limit: Int = 50) {
        self.keyID = keyID
        self.team = team
        self.model = model
        self.status = status
        self.statusCode = statusCode
        self.before = before
        self.limit = limit
    }
}
