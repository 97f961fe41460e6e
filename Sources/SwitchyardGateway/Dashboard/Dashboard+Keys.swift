import Foundation
import HTTPTypes
import Hummingbird
import SwitchyardCore
import SwitchyardStore

extension Dashboard {
    /// The key form's fields, as the admin API's JSON fields.
    static let keyFormFields = ["name", "team", "models", "region", "rpm", "tpm", "budget_usd", "budget_period", "expires_at", "expires_in_days"]

    func keys(_ signed: Signed, form: [String: String]?, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let now = Date()
        let flash = sessions.takeFlash(token: signed.token)
        let list = signed.access.keys.all.sorted { ($0.revokedAt == nil ? 0 : 1, $1.createdAt) < ($1.revokedAt == nil ? 0 : 1, $0.createdAt) }
        let rows = list.map { key -> HTML in
            let spent = signed.access.admission.spent(key)
            let status = key.revokedAt != nil ? "revoked" : (key.expiresAt.map { $0 <= now } == true ? "expired" : "active")
            let budget: HTML = key.budget.map { b in
                "\(Self.budgetBar(spent: spent, budget: b.amount))<span class=\"small\">\(DashboardFormat.usd(spent)) of \(DashboardFormat.usd(b.amount)) / \(b.period.rawValue)</span>"
            } ?? "<span class=\"small\">\(DashboardFormat.usd(spent)) this month, no budget</span>"
            let limits = [key.limits.requestsPerMinute.map { "\(DashboardFormat.integer($0)) rpm" },
                          key.limits.tokensPerMinute.map { "\(DashboardFormat.integer($0)) tpm" }].compactMap { $0 }
            let revoke: HTML = key.revokedAt == nil
                ? """
                  <form method="post" action="\(Self.root)/keys/\(key.id)/revoke" class="inline" data-confirm="Revoke \(key.name)? Calls with it are refused at once.">
                  \(Self.csrfField(signed))<button type="submit" class="danger small">Revoke</button></form>
                  """
                : .empty
            return """
                <tr data-key-id="\(key.id)"><td><strong>\(key.name)</strong><br><code class="small">\(key.id)</code></td>
                <td>\(key.team ?? "–")</td><td><code>sy-…\(key.hint)</code></td>
                <td>\(Self.badge(status, status == "active" ? "ok" : "bad"))</td>
                <td>\(limits.isEmpty ? "none" : limits.joined(separator: ", "))</td>
                <td>\(key.allowedModels.isEmpty ? "all" : key.allowedModels.joined(separator: ", "))</td>
                <td class="budget-cell">\(budget)</td>
                <td>\(key.expiresAt.map { DashboardFormat.time($0) } ?? "never")</td>
                <td class="actions"><a class="button secondary small" href="\(Self.root)/keys/\(key.id)">Edit</a>\(revoke)</td></tr>
                """
        }
        let secret: HTML = flash.map { f in
            """
            <section class="card secret" role="status">
            <h2>New key: \(f.name)</h2>
            <p>Copy it now: it is shown this once. The gateway keeps only its hash.</p>
            <div class="copy-row"><input type="text" id="new-key-secret" value="\(f.secret)" readonly aria-label="New key">
            <button type="button" data-copy="new-key-secret">Copy</button></div>
            <p class="small">ID <code>\(f.keyID)</code></p>
            </section>
            """
        } ?? .empty
        let f = form ?? [:]
        let main: HTML = """
            \(secret)
            \(error.map { Self.notice($0, error: true) } ?? .empty)
            <div class="table-wrap"><table class="data" id="keys-table"><thead><tr><th>Name</th><th>Team</th><th>Key</th><th>Status</th><th>Limits</th>
            <th>Models</th><th>Spend / budget</th><th>Expires (UTC)</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            \(list.isEmpty ? Self.notice("No keys yet.") : .empty)
            <section class="card">
            <h2>Create a key</h2>
            <form method="post" action="\(Self.root)/keys" class="grid-form" id="create-key">
            \(Self.csrfField(signed))
            \(keyFields(f, creating: true))
            <div class="form-actions"><button type="submit">Create key</button></div>
            </form>
            </section>
            """
        var response = layout("Keys", active: "Keys", signed, main: main)
        response.status = status
        return response
    }

    /// The inputs of the create and edit forms, filled from `f`.
    private func keyFields(_ f: [String: String], creating: Bool) -> HTML {
        let periods = [("month", "month"), ("day", "day"), ("total", "total")]
        let expiry: HTML = creating
            ? "<label>Expires in days <input type=\"number\" name=\"expires_in_days\" min=\"1\" value=\"\(f["expires_in_days"] ?? "")\"></label>"
            : "<label>Expires at (UTC) <input type=\"text\" name=\"expires_at\" placeholder=\"2027-01-31T00:00:00Z, empty: never\" value=\"\(f["expires_at"] ?? "")\"></label>"
        return """
            <label>Name <input type="text" name="name" required maxlength="128" value="\(f["name"] ?? "")"></label>
            <label>Team <input type="text" name="team" maxlength="128" value="\(f["team"] ?? "")"></label>
            <label>Models <input type="text" name="models" placeholder="all; or e.g. qwen, deepseek-v4-flash" value="\(f["models"] ?? "")"></label>
            <label>Region <input type="text" name="region" value="\(f["region"] ?? "")"></label>
            <label>Requests per minute <input type="number" name="rpm" min="1" value="\(f["rpm"] ?? "")"></label>
            <label>Tokens per minute <input type="number" name="tpm" min="1" value="\(f["tpm"] ?? "")"></label>
            <label>Budget (USD) <input type="text" name="budget_usd" inputmode="decimal" value="\(f["budget_usd"] ?? "")"></label>
            <label>Budget period \(Self.select("budget_period", periods, selected: f["budget_period"] ?? "month"))</label>
            \(expiry)
            """
    }

    /// The form's fields as the admin API's JSON: empty fields are null (left out of a new key,
    /// cleared on an edit); numbers stay numbers when they are whole, else strings (which the
    /// API refuses, naming the field).
    static func keyJSON(_ form: [String: String], creating: Bool) -> String {
        var members: [String] = []
        for name in keyFormFields {
            guard let raw = form[name] else { continue }
            let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if creating && value.isEmpty { continue }
            if name == "budget_period" && (form["budget_usd"] ?? "").trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let json: String
            if value.isEmpty {
                json = "null"
            } else if name == "models" {
                let list = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                json = list.isEmpty ? "null" : "[" + list.map(JSONString.quoted).joined(separator: ",") + "]"
            } else if ["rpm", "tpm", "expires_in_days"].contains(name), let number = Int(value) {
                json = String(number)
            } else {
                json = JSONString.quoted(value)
            }
            members.append(JSONString.quoted(name) + ":" + json)
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    func createKey(_ signed: Signed, _ form: [String: String]) async throws -> Response {
        let now = Date()
        do {
            let spec = try KeySpec(json: Array(Self.keyJSON(form, creating: true).utf8), catalog: live.config.catalog, now: now)
            let (secret, key) = try await AdminEndpoints.createKey(spec, access: signed.access, now: now)
            sessions.setFlash(.init(secret: secret, keyID: key.id, name: key.name), token: signed.token)
            return Self.redirect(Self.root + "/keys")
        } catch {
            return keys(signed, form: form, error: error.message, status: HTTPResponse.Status(code: error.status))
        }
    }

    func editKey(_ id: String, _ signed: Signed, form: [String: String]?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let key = signed.access.keys.key(id: id) else {
            var response = layout("Keys", active: "Keys", signed, main: Self.notice("No key with ID \(id).", error: true))
            response.status = .notFound
            return response
        }
        let current: [String: String] = [
            "name": key.name, "team": key.team ?? "", "models": key.allowedModels.joined(separator: ", "), "region": key.region ?? "",
            "rpm": key.limits.requestsPerMinute.map(String.init) ?? "", "tpm": key.limits.tokensPerMinute.map(String.init) ?? "",
            "budget_usd": key.budget.map { $0.amount.plainString(scale: 12) } ?? "", "budget_period": key.budget?.period.rawValue ?? "month",
            "expires_at": key.expiresAt.map(ISO8601.format) ?? "",
        ]
        let spent = signed.access.admission.spent(key)
        let main: HTML = """
            <p><a href="\(Self.root)/keys">← Keys</a></p>
            \(error.map { Self.notice($0, error: true) } ?? .empty)
            <section class="card">
            <h2>\(key.name) <code class="small">\(key.id)</code></h2>
            <p class="small">Key <code>sy-…\(key.hint)</code>, created \(DashboardFormat.time(key.createdAt)) UTC\(key.revokedAt.map { ", revoked \(DashboardFormat.time($0)) UTC" } ?? ""); spent \(DashboardFormat.usd(spent)) \(key.budget.map { "this \($0.period.rawValue == "total" ? "key's life" : $0.period.rawValue)" } ?? "this month").
            Empty fields are cleared (no team, every model, no limit, no budget, no expiry).</p>
            <form method="post" action="\(Self.root)/keys/\(key.id)" class="grid-form" id="edit-key">
            \(Self.csrfField(signed))
            \(keyFields(form ?? current, creating: false))
            <div class="form-actions"><button type="submit">Save</button> <a class="button secondary" href="\(Self.root)/keys">Cancel</a></div>
            </form>
            </section>
            """
        var response = layout("Edit key", active: "Keys", signed, main: main)
        response.status = status
        return response
    }

    func updateKey(_ id: String, _ signed: Signed, _ form: [String: String]) async throws -> Response {
        do {
            let change = try KeyUpdate(json: Array(Self.keyJSON(form, creating: false).utf8), catalog: live.config.catalog, now: Date())
            _ = try await AdminEndpoints.updateKey(id, change, access: signed.access)
            return Self.redirect(Self.root + "/keys")
        } catch {
            return try await editKey(id, signed, form: form, error: error.message, status: HTTPResponse.Status(code: error.status))
        }
    }

    func revokeKey(_ id: String, _ signed: Signed) async throws -> Response {
        do {
            _ = try await AdminEndpoints.revokeKey(id, access: signed.access, now: Date())
            return Self.redirect(Self.root + "/keys")
        } catch {
            return keys(signed, form: nil, error: error.message, status: HTTPResponse.Status(code: error.status))
        }
    }
}
