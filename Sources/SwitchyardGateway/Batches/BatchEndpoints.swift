import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchyardCore
import SwitchyardStore

/// The Batches API: `POST /v1/batches`, `GET /v1/batches`, `GET /v1/batches/{id}`,
/// `POST /v1/batches/{id}/cancel`, in OpenAI's shapes. A batch belongs to the key that created
/// it (any other key gets 404). Creating one checks everything it can at once — the input file
/// is the caller's, uploaded for `batch`, and every line's `url` is the batch's endpoint — so
/// a bad batch is a 400 or 404 naming the problem, not a batch that fails later. The admin API
/// sees every key's batches: `GET /admin/batches`, `GET /admin/batches/{id}`,
/// `POST /admin/batches/{id}/cancel` (the `switchyard batches` commands).
struct BatchEndpoints: Sendable {
    let access: AccessLayer
    let admin: AdminEndpoints
    let live: LiveConfig
    let runner: BatchRunner?
    let directory: String

    func register(on router: Router<some RequestContext>) {
        router.post("/v1/batches") { request, _ in try await create(request) }
        router.get("/v1/batches") { request, _ in
            let keyID = try caller(request)
            return try await list(request, owner: .key(keyID))
        }
        router.get("/v1/batches/:id") { request, context in
            let keyID = try caller(request)
            return json(try await owned(context.parameters.get("id") ?? "", by: .key(keyID)).json)
        }
        router.post("/v1/batches/:id/cancel") { request, context in
            let keyID = try caller(request)
            return try await cancel(context.parameters.get("id") ?? "", by: .key(keyID))
        }
        router.get("/admin/batches") { request, _ in
            _ = try admin.authorize(request)
            let owner: BatchOwner = request.uri.queryParameters["key_id"].map { .key(String($0)) } ?? .any
            return try await list(request, owner: owner)
        }
        router.get("/admin/batches/:id") { request, context in
            _ = try admin.authorize(request)
            return json(try await owned(context.parameters.get("id") ?? "", by: .any).json)
        }
        router.post("/admin/batches/:id/cancel") { request, context in
            _ = try admin.authorize(request)
            return try await cancel(context.parameters.get("id") ?? "", by: .any)
        }
    }

    /// The caller's key ID (nil: no key, auth off), or the error to answer with.
    private func caller(_ request: Request) throws(OpenAIError) -> String? {
        switch access.authenticate(presented: AccessLayer.presentedKey(request.headers), now: Date()) {
        case .failure(let error): throw error
        case .success(.anonymous): return nil
        case .success(.key(let key)): return key.id
        }
    }

    /// The batch `id` when `owner` may see it; 404 for an unknown batch and for another key's.
    private func owned(_ id: String, by owner: BatchOwner) async throws(OpenAIError) -> Batch {
        guard Batch.isWellFormed(id), let batch = try await storeCall({ try await access.store.batch(id: id) }) else {
            throw Self.notFound(id)
        }
        if case .key(let keyID) = owner, batch.keyID != keyID { throw Self.notFound(id) }
        return batch
    }

    static func notFound(_ id: String) -> OpenAIError {
        OpenAIError(.batchNotFound, "No such batch: '\(id.prefix(64))'.", param: "batch_id")
    }

    private func create(_ request: Request) async throws -> Response {
        let keyID = try caller(request)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 64 << 10)
        } catch {
            throw OpenAIError.bodyTooLarge(limit: 64 << 10)
        }
        let spec = try BatchCreateRequest(body: Array(buffer: body))
        guard StoredFile.isWellFormed(spec.inputFileID),
              let file = try await storeCall({ try await access.store.file(id: spec.inputFileID) }), file.keyID == keyID else {
            throw OpenAIError(.fileNotFound, "No such file: '\(spec.inputFileID.prefix(64))'. The input file must be one this key uploaded (POST /v1/files).",
                              param: "input_file_id")
        }
        guard file.purpose == "batch" else {
            throw OpenAIError(.invalidValue, "The file \(file.id) has purpose '\(file.purpose)'; a batch's input file is uploaded with purpose 'batch'.",
                              param: "input_file_id")
        }
        let path = (directory as NSString).appendingPathComponent(file.id + ".jsonl")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OpenAIError(.fileNotFound, "The content of the file \(file.id) is missing from the files directory.", param: "input_file_id")
        }
        // Every line, now: a line for another endpoint or a streamed chat is refused here, naming it.
        let input = try BatchInput(bytes: [UInt8](data), endpoint: spec.endpoint)
        if case .offPeak = spec.options.window {
            let model = BatchJob.model(of: input.body(of: input.lines[0]))
            guard BatchJob.offPeakWindow(model: model, config: live.current.config) != nil else {
                throw OpenAIError(.invalidValue, "metadata.switchyard_window is off_peak, but the config's batch.off_peak has no window for the provider of '\((model ?? "?").prefix(64))' (nor a default).",
                                  param: "metadata.switchyard_window")
            }
        }
        let now = Date()
        let batch = Batch(id: Batch.newID(), keyID: keyID, endpoint: spec.endpoint, inputFileID: file.id, completionWindow: spec.completionWindow,
                          metadata: spec.metadata, createdAt: now, expiresAt: now + Batch.window, counts: BatchCounts(total: input.lines.count))
        try await storeCall { try await access.store.insertBatch(batch) }
        runner?.wake()
        return json(batch.json)
    }

    private func list(_ request: Request, owner: BatchOwner) async throws -> Response {
        let query = request.uri.queryParameters
        var limit = 20
        if let text = query["limit"] {
            guard let n = Int(String(text)), (1...100).contains(n) else {
                throw OpenAIError(.invalidValue, "'limit' must be an integer from 1 to 100.", param: "limit")
            }
            limit = n
        }
        let after = query["after"].map(String.init)
        let batches = try await storeCall { try await access.store.batches(owner, after: after, limit: limit + 1) }
        return json(Batch.listJSON(Array(batches.prefix(limit)), hasMore: batches.count > limit))
    }

    private func cancel(_ id: String, by owner: BatchOwner) async throws -> Response {
        let batch = try await owned(id, by: owner)
        switch batch.status.cancel {
        case .already:
            return json(batch.json)
        case .refused:
            throw OpenAIError(.batchNotCancellable, "The batch is \(batch.status.rawValue.replacingOccurrences(of: "_", with: " ")): only a validating or in-progress batch can be cancelled.",
                              param: "batch_id")
        case .starts:
            guard let cancelled = try await storeCall({ try await access.store.cancelBatch(id: id, at: Date(), reason: nil) }) else {
                throw Self.notFound(id)
            }
            runner?.cancelled(id)
            return json(cancelled.json)
        }
    }

    private func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
