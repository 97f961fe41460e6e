import Foundation
import HTTPTypes
import Hummingbird
import SwitchyardCore
import SwitchyardStore

extension Dashboard {
    func deployments(_ signed: Signed) async throws -> Response {
        let snapshot = live.current
        let now = Date()
        let recent: [String: UsageGroup]?
        do {
            recent = Dictionary(try await signed.access.store.usage(UsageQuery(from: now.addingTimeInterval(-300), to: now.addingTimeInterval(1),
                                                                               groupBy: .deployment)).map { ($0.group, $0) },
                                uniquingKeysWith: { a, _ in a })
        } catch {
            recent = nil
        }
        let rows = snapshot.pool.health.map { h -> HTML in
            let breakerKind = h.breaker == .closed ? "ok" : h.breaker == .open ? "bad" : "warn"
            let cooling: HTML = h.coolingFor.map { d in
                "\(Int(d.components.seconds) + (d.components.attoseconds > 0 ? 1 : 0)) s\(h.coolingReason.map { " (\($0.rawValue))" } ?? "")"
            }.map { "\($0)" } ?? "–"
            let probe: HTML = h.probeOK.map { $0 ? Self.badge("ok", "ok") : Self.badge("failing", "bad") }
                ?? (h.deployment.probe ? "pending" : "off")
            let r = recent?[h.deployment.name]
            let endpoint: String
            switch h.deployment.endpoint {
            case .http(let url): endpoint = url
            case .simulator: endpoint = "in-process simulator"
            }
            return """
                <tr data-deployment="\(h.deployment.name)"><td><strong>\(h.deployment.name)</strong><br><span class="small">\(endpoint)</span></td>
                <td>\(h.deployment.provider)</td><td>\(h.deployment.region)</td>
                <td>\(Self.badge(h.breaker.rawValue, breakerKind))\(h.timesOpened > 0 ? HTML(" <span class=\"small\">opened \(h.timesOpened)×</span>") : .empty)</td>
                <td class="n">\(DashboardFormat.milliseconds(h.latencySeconds.map { $0 * 1000 }))</td>
                <td class="n">\(h.inFlight)</td><td>\(cooling)</td><td>\(h.lastError?.rawValue ?? "–")</td><td>\(probe)</td>
                <td class="n">\(recent == nil ? "?" : DashboardFormat.integer(r?.requests ?? 0))</td>
                <td class="n">\(recent == nil ? "?" : DashboardFormat.integer(r?.errors ?? 0))</td>
                <td class="n">\(DashboardFormat.integer(h.successes)) / \(DashboardFormat.integer(h.failures))</td></tr>
                """
        }
        let main: HTML = """
            <div class="table-wrap"><table class="data" id="deployments-table"><thead><tr><th>Deployment</th><th>Provider</th><th>Region</th><th>Breaker</th>
            <th class="n">Latency (EWMA)</th><th class="n">In flight</th><th>Cool-down</th><th>Last error</th><th>Probe</th>
            <th class="n">Requests 5 min</th><th class="n">Errors 5 min</th><th class="n">OK / failed (since start)</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(recent == nil ? Self.notice("The ledger store is unavailable: the last 5 minutes' counts are missing.", error: true) : .empty)
            <p class="hint">Live: breaker, latency (peak EWMA), in flight and cool-down are this gateway's own view; the last 5 minutes come from the ledger. Config loaded \(DashboardFormat.time(snapshot.source.loadedAt)) UTC\(snapshot.source.path.map { " from \($0)" } ?? " (embedded default)").</p>
            """
        return layout("Deployments", active: "Deployments", signed, refresh: true, main: main)
    }

    func models(_ signed: Signed) -> Response {
        let snapshot = live.current
        let deployments = snapshot.pool.deployments
        let rows = snapshot.models.servedModels.map { model -> HTML in
            let serving = deployments.filter { $0.models[model.id] != nil }
            let price: HTML = model.pricing.map { p in
                "\(p.inputPer1M.priceString) / \(p.outputPer1M.priceString) / \(p.cachedInputPer1M.priceString)"
            } ?? "<span class=\"badge bad\">unpriced</span>"
            let servingHTML = serving.map { d -> HTML in
                let own: HTML = d.prices[model.id].map { p in
                    " <span class=\"small\">(\(p.inputPer1M.priceString) / \(p.outputPer1M.priceString) / \(p.cachedInputPer1M.priceString))</span>"
                } ?? .empty
                return "<li>\(d.name) <span class=\"small\">\(d.region)</span>\(own)</li>"
            }
            let aliases: HTML = model.aliases.isEmpty ? .empty : "<br><span class=\"small\">aka \(model.aliases.joined(separator: ", "))</span>"
            return """
                <tr data-model="\(model.id)"><td><strong>\(model.id)</strong>\(aliases)</td><td>\(model.family.rawValue)</td>
                <td class="n">\(DashboardFormat.integer(model.contextWindow))</td><td class="n">\(DashboardFormat.integer(model.maxOutputTokens))</td>
                <td>\(model.sortedCapabilities.map { Self.badge($0.rawValue, "cap") })</td><td class="n">\(price)</td>
                <td><ul class="plain">\(servingHTML)</ul></td></tr>
                """
        }
        let main: HTML = """
            <div class="table-wrap"><table class="data" id="models-table"><thead><tr><th>Model</th><th>Family</th><th class="n">Context window</th>
            <th class="n">Max output</th><th>Capabilities</th><th class="n">USD per 1M: input / output / cached</th><th>Served by</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            <p class="hint">Prices are the catalog's with the config's overrides applied; a deployment's own price is shown beside it.</p>
            """
        return layout("Models", active: "Models", signed, main: main)
    }

    func requests(_ request: Request, _ signed: Signed) async throws -> Response {
        let q = Self.query(request)
        func text(_ name: String) -> String? { q[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : String($0.prefix(256)) } }
        var filter = LedgerFilter(keyID: text("key"), team: text("team"), model: text("model"), limit: 50)
        if let status = text("status") {
            if let code = Int(status) { filter.statusCode = code } else { filter.status = LedgerFilter.Status(rawValue: status) }
        }
        filter.before = text("before").flatMap(LedgerFilter.Cursor.init)
        let keys = signed.access.keys.all
        let names = Dictionary(keys.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let records: [UsageRecord]?
        do {
            records = try await signed.access.store.records(filter)
        } catch {
            records = nil
        }
        let rows = (records ?? []).map { r -> HTML in
            let href = "\(Self.root)/requests/\(r.recordID)"
            let statusKind = r.status < 400 ? "ok" : r.status == 499 ? "warn" : "bad"
            return """
                <tr data-href="\(href)" class="clickable"><td>\(DashboardFormat.time(r.time))</td><td>\(Self.keyName(r.keyID, names: names))</td>
                <td>\(r.team ?? "–")</td><td>\(r.servedModel ?? r.requestedModel)</td><td>\(Self.badge(String(r.status), statusKind))</td>
                <td class="n">\(DashboardFormat.integer(r.usage.promptTokens + r.usage.completionTokens))</td>
                <td class="n">\(r.costPicodollars.map { DashboardFormat.usd(Picodollars.usd($0)) } ?? (r.status < 400 ? "unknown" : "–"))</td>
                <td class="n">\(DashboardFormat.milliseconds(Double(r.latencyMicroseconds) / 1000))</td>
                <td><a href="\(href)"><code class="small">\(r.requestID)</code></a></td></tr>
                """
        }
        let keyOptions = [("", "any key")] + keys.map { ($0.id, $0.name) }
        let statuses = [("", "any"), ("ok", "ok (< 400)"), ("error", "error (≥ 400)"), ("429", "429"), ("499", "499"), ("502", "502"), ("503", "503")]
        let next: HTML = (records?.count ?? 0) == filter.limit ? {
            let last = records!.last!
            let href = "?" + Self.queryString([("key", filter.keyID), ("team", filter.team), ("model", filter.model), ("status", text("status")),
                                               ("before", LedgerFilter.Cursor(timeMilliseconds: last.timeMilliseconds, recordID: last.recordID).text)])
            return "<p><a class=\"button secondary\" href=\"\(href)\">Older →</a></p>"
        }() : .empty
        let main: HTML = """
            <form method="get" class="filters" action="\(Self.root)/requests">
            <label>Key \(Self.select("key", keyOptions, selected: filter.keyID))</label>
            <label>Team <input type="text" name="team" value="\(filter.team ?? "")" size="10"></label>
            <label>Model <input type="text" name="model" value="\(filter.model ?? "")" size="14"></label>
            <label>Status \(Self.select("status", statuses, selected: text("status")))</label>
            <button type="submit">Filter</button> <a class="button secondary" href="\(Self.root)/requests">Clear</a>
            </form>
            \(records == nil ? Self.notice("The ledger store is unavailable; try again shortly.", error: true) : .empty)
            <div class="table-wrap"><table class="data" id="requests-table"><thead><tr><th>Time (UTC)</th><th>Key</th><th>Team</th><th>Model</th>
            <th>Status</th><th class="n">Tokens</th><th class="n">Cost</th><th class="n">Latency</th><th>Request ID</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(records?.isEmpty == true ? Self.notice("No requests match.") : .empty)
            \(next)
            <p class="hint">The ledger keeps no request or answer bodies: only what is shown here.</p>
            """
        return layout("Requests", active: "Requests", signed, refresh: filter.before == nil, main: main)
    }

    func requestDetails(_ id: String, _ signed: Signed) async throws -> Response {
        let record: UsageRecord?
        do {
            record = id.utf8.count <= 64 ? try await signed.access.store.record(id: id) : nil
        } catch {
            return layout("Request", active: "Requests", signed, main: Self.notice("The ledger store is unavailable; try again shortly.", error: true))
        }
        guard let r = record else {
            var response = layout("Request", active: "Requests", signed, main: Self.notice("No ledger row with ID \(id).", error: true))
            response.status = .notFound
            return response
        }
        let names = Dictionary(signed.access.keys.all.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let fields: [(String, String)] = [
            ("Time (UTC)", DashboardFormat.time(r.time)),
            ("Request ID", r.requestID),
            ("Key", r.keyID.map { "\(names[$0] ?? "?") (\($0))" } ?? "–"),
            ("Team", r.team ?? "–"),
            ("Front door", r.front.rawValue),
            ("Requested model", r.requestedModel),
            ("Served model", r.servedModel ?? "–"),
            ("Route", r.route ?? "–"),
            ("Provider", r.provider ?? "–"),
            ("Deployment", r.deployment ?? "–"),
            ("Region", r.region ?? "–"),
            ("Attempts", String(r.attempts)),
            ("Status", String(r.status)),
            ("Error", r.errorClass ?? "–"),
            ("Stream", r.stream ? "yes" : "no"),
            ("Prompt tokens", DashboardFormat.integer(r.usage.promptTokens)),
            ("Completion tokens", DashboardFormat.integer(r.usage.completionTokens)),
            ("Cached prompt tokens", DashboardFormat.integer(r.usage.cachedPromptTokens)),
            ("Reasoning tokens", DashboardFormat.integer(r.usage.reasoningTokens)),
            ("Usage from", r.usageSource?.rawValue ?? "–"),
            ("Cost", r.costPicodollars.map { "$" + Picodollars.usd($0).plainString(scale: 12) } ?? "unknown (unpriced or nothing served)"),
            ("Cache", r.cacheHit ? "hit (saved $\(Picodollars.usd(r.costSavedPicodollars ?? 0).plainString(scale: 12)))" : "–"),
            ("Latency", DashboardFormat.milliseconds(Double(r.latencyMicroseconds) / 1000)),
            ("Time to first token", r.ttftMicroseconds.map { DashboardFormat.milliseconds(Double($0) / 1000) } ?? "–"),
            ("Ledger row", r.recordID),
        ]
        let list = fields.map { name, value -> HTML in "<dt>\(name)</dt><dd>\(value)</dd>" }
        let main: HTML = """
            <p><a href="\(Self.root)/requests">← Requests</a></p>
            <section class="card"><dl class="details" id="request-details">\(list)</dl></section>
            """
        return layout("Request", active: "Requests", signed, main: main)
    }

    func playground(_ signed: Signed) -> Response {
        let snapshot = live.current
        let models = snapshot.models.servedModels.filter(\.chats)
        let options = [("auto", "auto (routing rules)")] + models.map { ($0.id, $0.id) }
        let keyRequired = snapshot.config.access.authRequired
        let main: HTML = """
            <form id="playground" class="card playground">
            <div class="grid-form">
            <label>Model \(Self.select("model", id: "pg-model", options, selected: "auto"))</label>
            <label>Virtual key\(keyRequired ? "" : " (optional: auth is off)")
            <span class="copy-row"><input type="password" id="pg-key" name="key" autocomplete="off" placeholder="sy-…"\(keyRequired ? " required" : "")>
            <button type="button" class="secondary" id="pg-mint">Mint a 1-hour key</button></span></label>
            </div>
            <label>Prompt <textarea id="pg-prompt" name="prompt" rows="4" required>Say hello in three languages.</textarea></label>
            <div class="form-actions"><button type="submit" id="pg-send">Send</button> <button type="button" class="secondary" id="pg-stop" disabled>Stop</button></div>
            </form>
            <section class="card">
            <dl class="meta" id="pg-meta"><dt>Route</dt><dd id="pg-route">–</dd><dt>Model</dt><dd id="pg-served">–</dd><dt>Deployment</dt><dd id="pg-deployment">–</dd>
            <dt>Attempts</dt><dd id="pg-attempts">–</dd><dt>Cost</dt><dd id="pg-cost">–</dd><dt>Status</dt><dd id="pg-status">idle</dd></dl>
            <pre id="pg-output" class="output" aria-live="polite"></pre>
            </section>
            <p class="hint">The answer streams from <code>POST /v1/chat/completions</code> through this gateway with the key above (billed and logged like any call). A minted key is an ordinary key named <code>dashboard playground</code> that expires after an hour; it is listed under Keys.</p>
            """
        return layout("Playground", active: "Playground", signed, main: main)
    }

    /// A key for the playground: valid for an hour, listed under Keys like any other. The
    /// answer is JSON `{"key", "id", "expires_at"}`: its secret goes only to the page that asked.
    func mintPlaygroundKey(_ signed: Signed) async throws -> Response {
        let now = Date()
        var spec = KeySpec(name: "dashboard playground")
        spec.expiresAt = now.addingTimeInterval(3600)
        do {
            let (secret, key) = try await AdminEndpoints.createKey(spec, access: signed.access, now: now)
            return Self.json("{\"key\":\(JSONString.quoted(secret)),\"id\":\(JSONString.quoted(key.id)),\"expires_at\":\(JSONString.quoted(ISO8601.format(spec.expiresAt!)))}")
        } catch {
            return Self.json("{\"error\":\(JSONString.quoted(error.message))}", status: HTTPResponse.Status(code: error.status))
        }
    }
}
