import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchyardCore
@testable import SwitchyardGateway
import SwitchyardStore
import Testing

/// The dashboard's gates: off without the admin API, sign-in with a CSRF token, the session
/// cookie's flags, CSRF on forms, sign-out, the throttle; and `PATCH /admin/keys/{id}`.
@Suite struct DashboardTests {
    static func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func cookie(_ response: TestResponse, _ name: String) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
    }

    static func value(_ setCookie: String) -> String {
        String(setCookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1).last ?? "")
    }

    static func match(_ pattern: String, in text: String) -> String? {
        guard let range = text.range(of: pattern, options: .regularExpression) else { return nil }
        let found = String(text[range])
        guard let quote = found.dropLast().lastIndex(of: "\"") else { return nil }
        return String(found[found.index(after: quote)..<found.index(before: found.endIndex)])
    }

    /// Signs in; returns the session token and its CSRF token.
    static func signIn(_ client: some TestClientProtocol) async throws -> (session: String, csrf: String) {
        let login = try await client.execute(uri: "/dashboard/login", method: .get)
        #expect(login.status == .ok)
        let loginCookie = try #require(cookie(login, "switchyard_login"))
        let token = value(loginCookie)
        var headers = formHeaders
        headers[.cookie] = "switchyard_login=\(token)"
        let signed = try await client.execute(uri: "/dashboard/login", method: .post, headers: headers,
                                              body: form(["admin_key": testAdminKey, "csrf": token]))
        #expect(signed.status == .seeOther && signed.headers[.location] == "/dashboard")
        let session = value(try #require(cookie(signed, "switchyard_session")))
        let page = try await client.execute(uri: "/dashboard", method: .get, headers: [.cookie: "switchyard_session=\(session)"])
        #expect(page.status == .ok)
        let csrf = try #require(match("name=\"csrf-token\" content=\"[^\"]+\"", in: String(buffer: page.body)))
        return (session, csrf)
    }

    @Test func offWithoutTheAdminKey() async throws {
        try await withAccessGateway(accessSettings { $0.adminKey = nil }) { client, _ in
            for path in ["/dashboard", "/dashboard/login", "/dashboard/keys", "/dashboard/assets/app.js"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path)")
            }
        }
    }

    @Test func signInSetsAStrictHttpOnlySessionAndSignOutEndsIt() async throws {
        try await withAccessGateway { client, _ in
            let anonymous = try await client.execute(uri: "/dashboard/usage", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/dashboard/login")
            let login = try await client.execute(uri: "/dashboard/login", method: .get)
            let body = String(buffer: login.body)
            #expect(body.contains("type=\"password\"") && body.contains("name=\"csrf\""))
            #expect(login.headers[HTTPField.Name("content-security-policy")!]?.contains("script-src 'self'") == true)
            // Without the sign-in form's token: 403 whatever the key.
            let forged = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.formHeaders,
                                                  body: Self.form(["admin_key": testAdminKey, "csrf": "x"]))
            #expect(forged.status == .forbidden && Self.cookie(forged, "switchyard_session") == nil)

            let (session, csrf) = try await Self.signIn(client)
            #expect(session.count == 43 && csrf.count == 43 && session != csrf)
            for path in ["/dashboard", "/dashboard/usage", "/dashboard/keys", "/dashboard/deployments", "/dashboard/models", "/dashboard/requests",
                         "/dashboard/playground"] {
                let page = try await client.execute(uri: path, method: .get, headers: [.cookie: "switchyard_session=\(session)"])
                #expect(page.status == .ok, "\(path)")
                let html = String(buffer: page.body)
                for label in ["Overview", "Usage", "Keys", "Deployments", "Models", "Requests", "Playground", "Sign out"] {
                    #expect(html.contains(">\(label)<"), "\(path): \(label)")
                }
                #expect(!html.contains(testAdminKey))
            }
            var headers = Self.formHeaders
            headers[.cookie] = "switchyard_session=\(session)"
            // A form without the CSRF token, or with a wrong one: 403.
            let noToken = try await client.execute(uri: "/dashboard/keys", method: .post, headers: headers, body: Self.form(["name": "x"]))
            #expect(noToken.status == .forbidden)
            let wrongToken = try await client.execute(uri: "/dashboard/keys", method: .post, headers: headers,
                                                      body: Self.form(["name": "x", "csrf": String(repeating: "a", count: 43)]))
            #expect(wrongToken.status == .forbidden)
            let out = try await client.execute(uri: "/dashboard/logout", method: .post, headers: headers, body: Self.form(["csrf": csrf]))
            #expect(out.status == .seeOther && Self.cookie(out, "switchyard_session")?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/dashboard", method: .get, headers: [.cookie: "switchyard_session=\(session)"])
            #expect(after.status == .seeOther && after.headers[.location] == "/dashboard/login")
        }
    }

    @Test func cookieFlags() async throws {
        try await withAccessGateway { client, _ in
            let login = try await client.execute(uri: "/dashboard/login", method: .get)
            let token = Self.value(try #require(Self.cookie(login, "switchyard_login")))
            for (proto, secure) in [(nil, false), ("https", true), ("http", false)] as [(String?, Bool)] {
                var headers = Self.formHeaders
                headers[.cookie] = "switchyard_login=\(token)"
                if let proto { headers[HTTPField.Name("x-forwarded-proto")!] = proto }
                let signed = try await client.execute(uri: "/dashboard/login", method: .post, headers: headers,
                                                      body: Self.form(["admin_key": testAdminKey, "csrf": token]))
                let flags = Set(try #require(Self.cookie(signed, "switchyard_session")).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) })
                #expect(flags.isSuperset(of: ["HttpOnly", "SameSite=Strict", "Path=/dashboard", "Max-Age=43200"]))
                #expect(flags.contains("Secure") == secure, "\(proto ?? "none")")
            }
        }
    }

    @Test func fiveWrongKeysThen429() async throws {
        try await withAccessGateway { client, _ in
            let login = try await client.execute(uri: "/dashboard/login", method: .get)
            let token = Self.value(try #require(Self.cookie(login, "switchyard_login")))
            var headers = Self.formHeaders
            headers[.cookie] = "switchyard_login=\(token)"
            for _ in 0..<5 {
                let wrong = try await client.execute(uri: "/dashboard/login", method: .post, headers: headers,
                                                     body: Self.form(["admin_key": "wrong-wrong-wrong", "csrf": token]))
                #expect(wrong.status == .unauthorized)
            }
            let blocked = try await client.execute(uri: "/dashboard/login", method: .post, headers: headers,
                                                   body: Self.form(["admin_key": testAdminKey, "csrf": token]))
            #expect(blocked.status == .tooManyRequests && blocked.headers[.retryAfter].flatMap(Int.init).map { (1...60).contains($0) } == true)
            #expect(Self.cookie(blocked, "switchyard_session") == nil)
        }
    }

    @Test func keysCreatedShownOnceEditedAndRevokedThroughTheForms() async throws {
        try await withAccessGateway { client, access in
            let (session, csrf) = try await Self.signIn(client)
            var headers = Self.formHeaders
            headers[.cookie] = "switchyard_session=\(session)"
            let created = try await client.execute(uri: "/dashboard/keys", method: .post, headers: headers,
                                                   body: Self.form(["name": "<b>web</b>", "team": "t1", "rpm": "60", "budget_usd": "2.5",
                                                                    "budget_period": "day", "csrf": csrf]))
            #expect(created.status == .seeOther)
            let key = try #require(access.keys.all.first { $0.name == "<b>web</b>" })
            #expect(key.limits.requestsPerMinute == 60 && key.budget == Budget(amount: Decimal(string: "2.5")!, period: .day))
            let first = String(buffer: try await client.execute(uri: "/dashboard/keys", method: .get, headers: [.cookie: "switchyard_session=\(session)"]).body)
            #expect(first.contains("id=\"new-key-secret\" value=\"sy-") && first.contains("&lt;b&gt;web&lt;/b&gt;") && !first.contains("<b>web</b>"))
            let second = String(buffer: try await client.execute(uri: "/dashboard/keys", method: .get, headers: [.cookie: "switchyard_session=\(session)"]).body)
            #expect(!second.contains("new-key-secret"))
            let invalid = try await client.execute(uri: "/dashboard/keys", method: .post, headers: headers,
                                                   body: Self.form(["name": "bad", "rpm": "lots", "csrf": csrf]))
            #expect(invalid.status == .badRequest && String(buffer: invalid.body).contains("&#39;rpm&#39; must be a whole number"))
            let edited = try await client.execute(uri: "/dashboard/keys/\(key.id)", method: .post, headers: headers,
                                                  body: Self.form(["name": "web", "team": "", "rpm": "", "tpm": "900", "budget_usd": "", "models": "qwen",
                                                                   "region": "", "expires_at": "", "csrf": csrf]))
            #expect(edited.status == .seeOther)
            let after = try #require(access.keys.key(id: key.id))
            #expect(after.name == "web" && after.team == nil && after.limits == RateLimits(requestsPerMinute: nil, tokensPerMinute: 900))
            #expect(after.budget == nil && after.allowedModels == ["qwen"] && after.hash == key.hash)
            var stored = try #require(try await access.store.allKeys().first { $0.id == key.id })
            stored.createdAt = after.createdAt  // the store keeps milliseconds
            #expect(stored == after)
            let revoked = try await client.execute(uri: "/dashboard/keys/\(key.id)/revoke", method: .post, headers: headers, body: Self.form(["csrf": csrf]))
            #expect(revoked.status == .seeOther && access.keys.key(id: key.id)?.revokedAt != nil)
            let minted = try await client.execute(uri: "/dashboard/playground/key", method: .post,
                                                  headers: [.cookie: "switchyard_session=\(session)", HTTPField.Name("x-csrf-token")!: csrf])
            #expect(minted.status == .ok && String(buffer: minted.body).contains("\"key\":\"sy-"))
            #expect(access.keys.all.first { $0.name == "dashboard playground" }?.expiresAt != nil)
        }
    }

    @Test func patchAdminKey() async throws {
        try await withAccessGateway { client, access in
            let (_, id) = try await createKey(client, #"{"name":"p","team":"a","rpm":10}"#)
            let patched = try await client.execute(uri: "/admin/keys/\(id)", method: .patch, headers: adminHeaders(),
                                                   body: ByteBuffer(string: #"{"rpm":20,"team":null,"models":["deepseek"]}"#))
            #expect(patched.status == .ok)
            let body = String(buffer: patched.body)
            #expect(body.contains("\"rpm\":20") && body.contains("\"team\":null") && body.contains("\"models\":[\"deepseek\"]") && !body.contains("\"key\""))
            #expect(access.keys.key(id: id)?.limits.requestsPerMinute == 20)
            let missing = try await client.execute(uri: "/admin/keys/key_nope", method: .patch, headers: adminHeaders(), body: ByteBuffer(string: #"{"rpm":1}"#))
            #expect(missing.status == .notFound)
            let invalid = try await client.execute(uri: "/admin/keys/\(id)", method: .patch, headers: adminHeaders(), body: ByteBuffer(string: #"{"rpm":-1}"#))
            #expect(invalid.status == .badRequest)
            let unauthorized = try await client.execute(uri: "/admin/keys/\(id)", method: .patch, headers: adminHeaders("wrong-admin-key-000000"),
                                                        body: ByteBuffer(string: #"{"rpm":1}"#))
            #expect(unauthorized.status == .unauthorized)
            let csv = try await client.execute(uri: "/admin/usage?group_by=hour&format=csv", method: .get, headers: adminHeaders())
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true && String(buffer: csv.body).hasPrefix("hour,requests"))
        }
    }
}
