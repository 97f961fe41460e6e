import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchyardCore
import SwitchyardStore

/// The built-in dashboard, `GET /dashboard`: server-rendered pages over the ledger, the keys,
/// the deployments' live state and the catalog, for whoever holds the admin key.
///
/// - Off (404) while the admin API is off, or with `dashboard.enabled: false`.
/// - Sign-in: a form posts the admin key; a right key starts a server-side session
///   (`DashboardSessions`) whose random token is the `switchyard_session` cookie (`HttpOnly`,
///   `SameSite=Strict`, `Path=/dashboard`, `Secure` over TLS). Five wrong keys from one address
///   within a minute make that address wait a minute (429).
/// - Every form carries the session's CSRF token (the sign-in form a token of its own, also set
///   as a cookie); a POST without the right one is refused (403).
/// - Secrets are never rendered, except a new key's, once, on the page right after it was made.
/// - Pages are HTML built with `HTML` (escaped interpolation); charts are inline SVG
///   (`TimeChart`); the stylesheet and the script are served from `/dashboard/assets/`, so a
///   strict Content-Security-Policy allows nothing else. No external asset, no CDN.
struct Dashboard: Sendable {
    let access: AccessLayer?
    let live: LiveConfig
    let sessions = DashboardSessions()

    static let sessionCookie = "switchyard_session"
    static let loginCookie = "switchyard_login"
    static let root = "/dashboard"

    /// What a signed-in page needs.
    struct Signed: Sendable {
        var access: AccessLayer
        var token: String
        var csrf: String
    }

    func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        // The pages are not part of the JSON API (nor of its OpenAPI document): a group of their own.
        let pages = router.group(RouterPath(Self.root))
        pages.get("") { request, _ in try await page(request) { try await overview(request, $0) } }
        pages.get("usage") { request, _ in try await page(request) { try await usage(request, $0) } }
        pages.get("usage.csv") { request, _ in try await page(request) { try await usageCSV(request, $0) } }
        pages.get("keys") { request, _ in try await page(request) { keys($0, form: nil, error: nil) } }
        pages.post("keys") { request, _ in try await form(request) { try await createKey($0, $1) } }
        pages.get("keys/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await page(request) { try await editKey(id, $0, form: nil, error: nil) }
        }
        pages.post("keys/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await form(request) { try await updateKey(id, $0, $1) }
        }
        pages.post("keys/:id/revoke") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await form(request) { signed, _ in try await revokeKey(id, signed) }
        }
        pages.get("deployments") { request, _ in try await page(request) { try await deployments($0) } }
        pages.get("models") { request, _ in try await page(request) { models($0) } }
        pages.get("requests") { request, _ in try await page(request) { try await requests(request, $0) } }
        pages.get("requests/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await page(request) { try await requestDetails(id, $0) }
        }
        pages.get("playground") { request, _ in try await page(request) { playground($0) } }
        pages.post("playground/key") { request, _ in try await form(request) { signed, _ in try await mintPlaygroundKey(signed) } }
        pages.get("login") { request, _ in try loginPage(request, status: .ok, message: nil) }
        pages.post("login") { request, context in
            try await login(request, address: context.remoteAddress?.ipAddress ?? "unknown")
        }
        pages.post("logout") { request, _ in try await logout(request) }
        pages.get("assets/app.css") { _, _ in try asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        pages.get("assets/app.js") { _, _ in try asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8") }
    }

    // MARK: Gates

    /// The access layer while the dashboard is on; else the 404 of an unknown path.
    private func enabledAccess(_ request: Request) throws -> AccessLayer {
        guard let access, access.settings.adminKey != nil, live.config.dashboard.enabled else {
            throw OpenAIError.notFound(request.uri.path)
        }
        return access
    }

    /// A page for a signed-in admin; anyone else is sent to the sign-in form.
    private func page(_ request: Request, _ render: (Signed) async throws -> Response) async throws -> Response {
        let access = try enabledAccess(request)
        let cookies = Self.cookies(request)
        guard let token = cookies[Self.sessionCookie], let session = sessions.session(token) else {
            return Self.redirect(Self.root + "/login")
        }
        return try await render(Signed(access: access, token: token, csrf: session.csrf))
    }

    /// A form post: a live session and its CSRF token (form field `csrf` or header
    /// `x-csrf-token`), else 403.
    private func form(_ request: Request, _ handle: (Signed, [String: String]) async throws -> Response) async throws -> Response {
        let access = try enabledAccess(request)
        let fields = try await Self.formFields(request)
        let cookies = Self.cookies(request)
        guard let token = cookies[Self.sessionCookie], let session = sessions.session(token) else {
            return forbidden("Your session has ended. Sign in again.")
        }
        let presented = fields["csrf"] ?? request.headers[HTTPField.Name("x-csrf-token")!] ?? ""
        guard !presented.isEmpty, KeyHasher.constantTimeEquals(KeyHasher.digest(presented), KeyHasher.digest(session.csrf)) else {
            return forbidden("This form was sent without its CSRF token (or with another session's). Reload the page and try again.")
        }
        return try await handle(Signed(access: access, token: token, csrf: session.csrf), fields)
    }

    // MARK: Sign-in and sign-out

    private func loginPage(_ request: Request, status: HTTPResponse.Status, message: String?, retryAfter: Int? = nil) throws -> Response {
        _ = try enabledAccess(request)
        // The sign-in form's CSRF token: a cookie and the same value in the form (double submit).
        let token = DashboardSessions.randomToken()
        let notice: HTML = message.map { "<p class=\"notice error\" role=\"alert\">\($0)</p>" } ?? .empty
        let body: HTML = """
            <main class="login">
            <h1>Switchyard</h1>
            <form method="post" action="\(Self.root)/login" class="card">
            <input type="hidden" name="csrf" value="\(token)">
            <label for="admin-key">Admin key</label>
            <input id="admin-key" name="admin_key" type="password" autocomplete="current-password" required autofocus>
            \(notice)
            <button type="submit">Sign in</button>
            <p class="hint">The value of the gateway's admin key variable (<code>\(live.config.access.adminKeyEnv)</code>).</p>
            </form>
            </main>
            """
        var response = Self.html(status: status, Self.document(title: "Sign in", body: body))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.loginCookie, token, maxAge: 3600, request: request)))
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    private func login(_ request: Request, address: String) async throws -> Response {
        let access = try enabledAccess(request)
        if let wait = sessions.retryAfter(address) {
            return try loginPage(request, status: .tooManyRequests,
                                 message: "Too many wrong keys from your address: try again in \(wait) s.", retryAfter: wait)
        }
        let fields = try await Self.formFields(request)
        let expected = Self.cookies(request)[Self.loginCookie] ?? ""
        guard let presented = fields["csrf"], !expected.isEmpty,
              KeyHasher.constantTimeEquals(KeyHasher.digest(presented), KeyHasher.digest(expected)) else {
            return forbidden("The sign-in form was sent without its CSRF token. Load the sign-in page and try again.")
        }
        guard let adminKey = access.settings.adminKey,
              KeyHasher.constantTimeEquals(KeyHasher.digest(fields["admin_key"] ?? ""), KeyHasher.digest(adminKey.value)) else {
            sessions.failed(address)
            return try loginPage(request, status: .unauthorized, message: "That is not the admin key.")
        }
        sessions.succeeded(address)
        let ttl = live.config.dashboard.sessionTTL
        let (token, _) = sessions.create(ttl: ttl)
        var response = Self.redirect(Self.root)
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, token, maxAge: Int(ttl.components.seconds), request: request)))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.loginCookie, "", maxAge: 0, request: request)))
        return response
    }

    private func logout(_ request: Request) async throws -> Response {
        try await form(request) { signed, _ in
            sessions.end(signed.token)
            var response = Self.redirect(Self.root + "/login")
            response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, "", maxAge: 0, request: request)))
            return response
        }
    }

    /// `name=value; Path=/dashboard; HttpOnly; SameSite=Strict[; Secure]; Max-Age=…`.
    func cookie(_ name: String, _ value: String, maxAge: Int, request: Request) -> String {
        var text = "\(name)=\(value); Path=\(Self.root); Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
        if secure(request) { text += "; Secure" }
        return text
    }

    /// Whether the browser reached us over TLS: `secure_cookie: always`, or `auto` and the
    /// request's scheme or a TLS-terminating proxy's `X-Forwarded-Proto` says https.
    private func secure(_ request: Request) -> Bool {
        switch live.config.dashboard.secureCookie {
        case .always: return true
        case .never: return false
        case .auto:
            if request.uri.scheme == .https { return true }
            let forwarded = request.headers[HTTPField.Name("x-forwarded-proto")!]?.lowercased() ?? ""
            return forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces) == "https"
        }
    }

    // MARK: Responses

    static let securityHeaders: [(String, String)] = [
        ("content-security-policy",
         "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ]

    static func html(status: HTTPResponse.Status = .ok, _ document: HTML) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        for (name, value) in securityHeaders { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: document.rendered)))
    }

    static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        headers[.contentLength] = "0"
        return Response(status: .seeOther, headers: headers)
    }

    private func forbidden(_ message: String) -> Response {
        Self.html(status: .forbidden, Self.document(title: "Forbidden", body: """
            <main class="login"><h1>Forbidden</h1><p class="notice error">\(message)</p>
            <p><a href="\(Self.root)/login">Sign in</a></p></main>
            """))
    }

    private func asset(_ text: String, type: String) throws -> Response {
        guard let access, access.settings.adminKey != nil, live.config.dashboard.enabled else { throw OpenAIError.notFound(Self.root + "/assets") }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache", HTTPField.Name("x-content-type-options")!: "nosniff"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    // MARK: Parsing

    static func cookies(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if out[name] == nil { out[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return out
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB); anything else is no fields.
    static func formFields(_ request: Request) async throws -> [String: String] {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 64 << 10)
        } catch {
            throw OpenAIError.bodyTooLarge(limit: 64 << 10)
        }
        return urlEncoded(String(buffer: body))
    }

    /// `a=1&b=x+y` → ["a": "1", "b": "x y"]; the first of repeated names wins.
    static func urlEncoded(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let name = decode(parts[0])
            guard !name.isEmpty, out[name] == nil else { continue }
            out[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }

    static func query(_ request: Request) -> [String: String] {
        urlEncoded(request.uri.query ?? "")
    }

    /// `a=1&b=x%20y` for links (empty values left out).
    static func queryString(_ items: [(String, String?)]) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return items.compactMap { name, value in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }
}
