import Foundation
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// The dashboard's sign-ins, in this process's memory: a session is a random token (the
/// cookie) whose SHA-256 is the table's key, a CSRF token for its forms, and an expiry. Signing
/// out deletes it, so the old cookie is refused at once. Sign-in attempts are throttled per
/// client address (`LoginThrottle`). A restart signs everyone out; with several replicas a
/// browser must stay on the replica that signed it in (sessions are not shared).
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var csrf: String
        var expires: Date
        /// A new key's secret, shown by the next page the session loads, then forgotten.
        var flash: Flash?
    }

    struct Flash: Sendable {
        var secret: String
        var keyID: String
        var name: String
    }

    private struct State {
        var sessions: [String: Session] = [:]
        var throttle = LoginThrottle()
    }

    /// Sessions kept at most; the one closest to expiry goes first past it.
    static let capacity = 10_000

    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let origin = ContinuousClock.now

    /// A new session; returns the cookie's token and the session.
    func create(ttl: Duration, now: Date = Date()) -> (token: String, session: Session) {
        let token = Self.randomToken()
        let session = Session(csrf: Self.randomToken(), expires: now.addingTimeInterval(Double(ttl.components.seconds)))
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.value.expires > now }
            if state.sessions.count >= Self.capacity, let oldest = state.sessions.min(by: { $0.value.expires < $1.value.expires }) {
                state.sessions[oldest.key] = nil
            }
            state.sessions[KeyHasher.digest(token)] = session
        }
        return (token, session)
    }

    /// The live session of `token`, or nil (unknown, signed out or expired).
    func session(_ token: String?, now: Date = Date()) -> Session? {
        guard let token, !token.isEmpty, token.utf8.count <= 128 else { return nil }
        let digest = KeyHasher.digest(token)
        return state.withLock { state in
            guard let session = state.sessions[digest] else { return nil }
            guard session.expires > now else {
                state.sessions[digest] = nil
                return nil
            }
            return session
        }
    }

    func end(_ token: String) {
        let digest = KeyHasher.digest(token)
        _ = state.withLock { $0.sessions.removeValue(forKey: digest) }
    }

    func setFlash(_ flash: Flash, token: String) {
        let digest = KeyHasher.digest(token)
        state.withLock { $0.sessions[digest]?.flash = flash }
    }

    /// The flash, removed: a secret is shown once.
    func takeFlash(token: String) -> Flash? {
        let digest = KeyHasher.digest(token)
        return state.withLock { state in
            let flash = state.sessions[digest]?.flash
            state.sessions[digest]?.flash = nil
            return flash
        }
    }

    var count: Int { state.withLock { $0.sessions.count } }

    // MARK: Sign-in throttle

    private var seconds: Double {
        let elapsed = clock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Seconds `address` must wait before trying again, or nil.
    func retryAfter(_ address: String) -> Int? {
        let now = seconds
        return state.withLock { $0.throttle.retryAfter(address, now: now) }
    }

    func failed(_ address: String) {
        let now = seconds
        state.withLock { _ = $0.throttle.failed(address, now: now) }
    }

    func succeeded(_ address: String) {
        state.withLock { $0.throttle.succeeded(address) }
    }

    /// 32 random bytes, base64url without padding (43 characters).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
