import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore
import SwitchyardStore

/// The admin API: `/admin/keys` (create, bulk import, list, show, update, revoke) and `/admin/usage`. Every call
/// needs `Authorization: Bearer <admin key>`, the value of the environment variable named by
/// `auth.admin_key_env` (`SWITCHYARD_ADMIN_KEY`). Without that variable the admin API is off:
/// there is no default admin key.
struct AdminEndpoints: Sendable {
    let access: AccessLayer?
    /// The catalog a new key's allowed models are checked against: the running config's.
    let live: LiveConfig

    func register(on router: Router<some RequestContext>) {
        router.post("/admin/keys") { request, _ in try await guarded(request) { access in try await create(request, access: access) } }
        router.post("/admin/key-imports") { request, _ in try await guarded(request) { access in try await importKeys(request, access: access) } }
        router.get("/admin/keys") { request, _ in try await guarded(request) { access in list(access) } }
        router.get("/admin/keys/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request) { access in try show(id, access: access) }
        }
        router.patch("/admin/keys/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request) { access in try await update(id, request, access: access) }
        }
        router.delete("/admin/keys/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await guarded(request) { access in try await revoke(id, access: access) }
        }
        router.get("/admin/usage") { request, _ in try await guarded(request) { access in try await usage(request, access: access) } }
    }

    private func guarded(_ request: Request, _ body: (AccessLayer) async throws -> Response) async throws -> Response {
        try await body(try authorize(request))
    }

    /// The access layer, when `request` carries the admin key; else the error to answer with.
    func authorize(_ request: Request) throws(OpenAIError) -> AccessLayer {
        guard let access, let adminKey = access.settings.adminKey else {
            throw OpenAIError(.adminDisabled, "The admin API is off: set \(access?.settings.adminKeyEnv ?? "SWITCHYARD_ADMIN_KEY") to a long random value (16+ characters) and restart.")
        }
        guard let presented = AccessLayer.presentedKey(request.headers),
              KeyHasher.constantTimeEquals(KeyHasher.digest(String(presented)), KeyHasher.digest(adminKey.value)) else {
            throw OpenAIError(.invalidAdminKey, "The admin API needs 'Authorization: Bearer <admin key>'.")
        }
        return access
    }

    private func create(_ request: Request, access: AccessLayer) async throws -> Response {
        let body = try await Self.body(of: request, limit: 64 << 10)
        let now = Date()
        let spec = try KeySpec(json: Array(buffer: body), catalog: live.config.catalog, now: now)
        let (secret, key) = try await Self.createKey(spec, access: access, now: now)
        let json = key.json(spent: 0, now: now)
        // The secret is in this response only; the store keeps its hash.
        return Self.json("{\"key\":" + JSONString.quoted(secret) + "," + json.dropFirst(), status: .created)
    }

    /// Bulk import (`switchyard keys import`): one key per line of the body, each the JSON
    /// object `POST /admin/keys` takes, at most `KeyCSV.maxRowsPerRequest`. Every line is
    /// validated first and the keys are stored in one transaction: all of them, or none and a
    /// 400 naming the first bad line. The answer lists each key's secret, once.
    private func importKeys(_ request: Request, access: AccessLayer) async throws -> Response {
        let body = try await Self.body(of: request, limit: 16 << 20)
        let now = Date()
        let catalog = live.config.catalog
        var made: [(line: Int, secret: String, key: VirtualKey)] = []
        var lineNumber = 0
        for line in body.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let bytes = Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
            if bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
            guard made.count < KeyCSV.maxRowsPerRequest else {
                throw OpenAIError.invalidRequest("At most \(KeyCSV.maxRowsPerRequest) keys per import request; send the rest in another request.")
            }
            let spec: KeySpec
            do {
                spec = try KeySpec(json: bytes, catalog: catalog, now: now)
            } catch {
                throw OpenAIError.invalidRequest("Line \(lineNumber): \(error.message) Nothing was imported.", param: error.param.map { "line \(lineNumber).\($0)" } ?? "line \(lineNumber)")
            }
            if spec.budget != nil && !access.settings.ledgerEnabled {
                throw OpenAIError.invalidRequest("Line \(lineNumber): budgets need the usage ledger, which is off (ledger.enabled: false). Nothing was imported.", param: "line \(lineNumber).budget_usd")
            }
            let (secret, key) = KeyGenerator.make(spec, now: now)
            made.append((lineNumber, secret, key))
        }
        guard !made.isEmpty else { throw OpenAIError.invalidRequest("The body has no keys: send one JSON object per line, as POST /admin/keys takes.") }
        do {
            try await access.store.insertKeys(made.map(\.key))
        } catch {
            throw Self.storeError(error)
        }
        for entry in made { access.keys.upsert(entry.key) }
        // The secrets are in this response only; the store keeps their hashes.
        let entries = made.map { entry in
            "{\"line\":\(entry.line),\"key\":" + JSONString.quoted(entry.secret) + "," + entry.key.json(spent: 0, now: now).dropFirst()
        }
        return Self.json("{\"object\":\"list\",\"data\":[" + entries.joined(separator: ",") + "]}", status: .created)
    }

    private func list(_ access: AccessLayer) -> Response {
        let now = Date()
        let entries = access.keys.all.map { $0.json(spent: access.admission.spent($0), now: now) }
        return Self.json("{\"object\":\"list\",\"data\":[" + entries.joined(separator: ",") + "]}")
    }

    private func show(_ id: String, access: AccessLayer) throws -> Response {
        guard let key = access.keys.key(id: id) else { throw Self.unknownKey(id) }
        return Self.json(key.json(spent: access.admission.spent(key)))
    }

    private func revoke(_ id: String, access: AccessLayer) async throws -> Response {
        let now = Date()
        let key = try await Self.revokeKey(id, access: access, now: now)
        return Self.json(key.json(spent: access.admission.spent(key), now: now))
    }

    private func update(_ id: String, _ request: Request, access: AccessLayer) async throws -> Response {
        let body = try await Self.body(of: request, limit: 64 << 10)
        let now = Date()
        let change = try KeyUpdate(json: Array(buffer: body), catalog: live.config.catalog, now: now)
        let key = try await Self.updateKey(id, change, access: access)
        return Self.json(key.json(spent: access.admission.spent(key), now: now))
    }

    private func usage(_ request: Request, access: AccessLayer) async throws -> Response {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        let now = Date()
        let query = try UsageQuery(parameters: parameters, now: now)
        let report = try await Self.usageReport(query, access: access, now: now)
        if parameters["format"] == "csv" {
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.csv)))
        }
        return Self.json(report.json)
    }

    // MARK: Operations (shared with the dashboard)

    /// Stores a new key and returns its secret (the only time it exists outside the caller).
    static func createKey(_ spec: KeySpec, access: AccessLayer, now: Date) async throws(OpenAIError) -> (secret: String, key: VirtualKey) {
        if spec.budget != nil && !access.settings.ledgerEnabled {
            // Spend is counted from the ledger's writes: without them a budget could not be shared or survive a restart.
            throw OpenAIError.invalidRequest("Budgets need the usage ledger, which is off (ledger.enabled: false).", param: "budget_usd")
        }
        let (secret, key) = KeyGenerator.make(spec, now: now)
        do {
            try await access.store.insertKey(key)
        } catch {
            throw Self.storeError(error)
        }
        access.keys.upsert(key)
        return (secret, key)
    }

    static func revokeKey(_ id: String, access: AccessLayer, now: Date) async throws(OpenAIError) -> VirtualKey {
        let found: Bool
        do {
            found = try await access.store.revokeKey(id: id, at: now)
        } catch {
            throw Self.storeError(error)
        }
        var key = access.keys.key(id: id)
        if key == nil, found {
            // Created on another replica and not synced here yet: read the store's changes.
            await StoreSync.syncKeys(access, logger: Logger(label: "switchyard.admin"))
            key = access.keys.key(id: id)
        }
        guard found, var key else { throw Self.unknownKey(id) }
        if key.revokedAt == nil { key.revokedAt = now }
        access.keys.upsert(key)
        return key
    }

    /// Applies `change` to the key, in the store and then in this replica's key directory
    /// (other replicas read it at their next sync).
    static func updateKey(_ id: String, _ change: KeyUpdate, access: AccessLayer) async throws(OpenAIError) -> VirtualKey {
        if change.setsBudget && !access.settings.ledgerEnabled {
            throw OpenAIError.invalidRequest("Budgets need the usage ledger, which is off (ledger.enabled: false).", param: "budget_usd")
        }
        var current = access.keys.key(id: id)
        if current == nil {
            do {
                current = try await access.store.allKeys().first { $0.id == id }
            } catch {
                throw Self.storeError(error)
            }
        }
        guard let current else { throw Self.unknownKey(id) }
        let updated = change.applied(to: current)
        let found: Bool
        do {
            found = try await access.store.updateKey(updated)
        } catch {
            throw Self.storeError(error)
        }
        guard found else { throw Self.unknownKey(id) }
        access.keys.upsert(updated)
        return updated
    }

    static func usageReport(_ query: UsageQuery, access: AccessLayer, now: Date) async throws(OpenAIError) -> UsageReport {
        do {
            let groups = try await access.store.usage(query)
            let monthToDate = try await access.store.cost(from: BudgetPeriod.month.start(containing: now), to: now.addingTimeInterval(1))
            return UsageReport(query: query, groups: groups, monthToDate: Picodollars.usd(monthToDate), now: now)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The request's body, or 413 past `limit` bytes.
    private static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw OpenAIError.bodyTooLarge(limit: limit)
        }
    }

    static func unknownKey(_ id: String) -> OpenAIError {
        OpenAIError(.keyNotFound, "No key with id '\(id.prefix(64))'.", param: "id")
    }

    static func storeError(_ error: any Error) -> OpenAIError {
        OpenAIError(.storeUnavailable, "The key and usage store is unavailable; try again shortly.", retryAfterSeconds: 5)
    }

    private static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
