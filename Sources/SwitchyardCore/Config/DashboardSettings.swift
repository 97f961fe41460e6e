import Foundation

/// The built-in dashboard (`dashboard:`), served at `GET /dashboard` while the admin API is on.
///
/// ```yaml
/// dashboard:
///   enabled: true          # default; the dashboard is off (404) anyway while the admin API is off
///   session_ttl_s: 43200   # a sign-in lasts this long (12 h), then the admin key is asked again
///   secure_cookie: auto    # auto: Secure when the request came over TLS (X-Forwarded-Proto: https
///                          # from a TLS-terminating proxy); always; never
/// ```
package struct DashboardSettings: Sendable, Hashable {
    package enum SecureCookie: String, Sendable, Hashable, CaseIterable {
        case auto, always, never
    }

    package var enabled = true
    package var sessionTTL: Duration = .seconds(43_200)
    package var secureCookie = SecureCookie.auto

    package init(enabled: Bool = true, sessionTTL: Duration = .seconds(43_200), secureCookie: SecureCookie = .auto) {
        self.enabled = enabled
        self.sessionTTL = sessionTTL
        self.secureCookie = secureCookie
    }
}
