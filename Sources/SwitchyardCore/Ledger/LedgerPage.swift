import Foundation

/// Which ledger rows the request log shows: the newest first, optionally only one key's, one
/// team's, one model's (requested or served) or one status class's, older than a cursor.
package struct LedgerFilter: Sendable, Hashable {
    package enum Status: String, Sendable, Hashable, CaseIterable {
        /// 2xx and 3xx.
        case ok
        /// 400 and above.
        case error
    }

    package var keyID: String?
    package var team: String?
    /// Matches the requested or the served model.
    package var model: String?
    package var status: Status?
    /// One exact HTTP status (takes precedence over `status`).
    package var statusCode: Int?
    /// Only rows older than this (ts_ms, record_id) pair: the next page.
    package var before: Cursor?
    package var limit: Int

    package struct Cursor: Sendable, Hashable {
        package var timeMilliseconds: Int64
        package var recordID: String

        package init(timeMilliseconds: Int64, recordID: String) {
            self.timeMilliseconds = timeMilliseconds
            self.recordID = recordID
        }

        /// `1764633600000_<record id>`, as the request log's "older" link carries it.
        package init?(_ text: String) {
            let parts = text.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let ms = Int64(parts[0]), parts[1].utf8.count <= 64 else { return nil }
            timeMilliseconds = ms
            recordID = String(parts[1])
        }

        package var text: String { "\(timeMilliseconds)_\(recordID)" }
    }

    package init(keyID: String? = nil, team: String? = nil, model: String? = nil, status: Status? = nil, statusCode: Int? = nil,
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
