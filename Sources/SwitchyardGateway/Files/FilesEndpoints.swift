import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import SwitchyardCore
import SwitchyardStore

/// The Files API: `POST /v1/files` (multipart, `purpose=batch`, a batch input file checked line
/// by line as it streams to disk), `GET /v1/files`, `GET /v1/files/{id}`,
/// `DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`. A file belongs to the key that
/// uploaded it: any other key gets 404. Metadata lives in the store, content in the files
/// directory (`store.files_dir`), one file per ID, written under a temporary name and renamed
/// once the upload is complete and valid.
struct FilesEndpoints: Sendable {
    let access: AccessLayer?
    let directory: String
    let maxBytes: Int
    let maxLines: Int
    /// One request's line: a batch line runs as a call, whose body `server.max_body_bytes` bounds.
    let maxLineBytes: Int
    let fileIO = FileIO()

    func register(on router: Router<some RequestContext>) {
        router.post("/v1/files") { request, context in try await upload(request, context: context) }
        router.get("/v1/files") { request, _ in try await list(request) }
        router.get("/v1/files/:id") { request, context in
            let (_, file) = try await owned(request, id: context.parameters.get("id") ?? "")
            return json(file.json)
        }
        router.delete("/v1/files/:id") { request, context in
            let (store, file) = try await owned(request, id: context.parameters.get("id") ?? "")
            _ = try await storeCall { try await store.deleteFile(id: file.id) }
            try? FileManager.default.removeItem(atPath: path(of: file.id))
            return json("{\"id\":\(JSONString.quoted(file.id)),\"object\":\"file\",\"deleted\":true}")
        }
        router.get("/v1/files/:id/content") { request, context in
            let (_, file) = try await owned(request, id: context.parameters.get("id") ?? "")
            let body = try await fileIO.loadFile(path: path(of: file.id), context: context)
            return Response(status: .ok, headers: [.contentType: "application/jsonl"], body: body)
        }
    }

    func path(of id: String) -> String { (directory as NSString).appendingPathComponent(id + ".jsonl") }

    /// The caller's key ID (nil: no key, auth off) and the store, or the error to answer with.
    func caller(_ request: Request) throws(OpenAIError) -> (store: any GatewayStore, keyID: String?) {
        guard let access else {
            throw OpenAIError(.storeUnavailable, "Files need the gateway's store, which is not configured.", retryAfterSeconds: 5)
        }
        switch access.authenticate(presented: AccessLayer.presentedKey(request.headers), now: Date()) {
        case .failure(let error): throw error
        case .success(.anonymous): return (access.store, nil)
        case .success(.key(let key)): return (access.store, key.id)
        }
    }

    /// The file `id` when the caller owns it; 404 for an unknown file and for another key's.
    func owned(_ request: Request, id: String) async throws -> (any GatewayStore, StoredFile) {
        let (store, keyID) = try caller(request)
        guard StoredFile.isWellFormed(id), let file = try await storeCall({ try await store.file(id: id) }), file.keyID == keyID else {
            throw OpenAIError(.fileNotFound, "No such file: '\(id.prefix(64))'.", param: "file_id")
        }
        return (store, file)
    }

    private func list(_ request: Request) async throws -> Response {
        let (store, keyID) = try caller(request)
        let query = request.uri.queryParameters
        var limit = 10_000
        if let text = query["limit"] {
            guard let n = Int(String(text)), (1...10_000).contains(n) else {
                throw OpenAIError(.invalidValue, "'limit' must be an integer from 1 to 10000.", param: "limit")
            }
            limit = n
        }
        let purpose = query["purpose"].map(String.init)
        let after = query["after"].map(String.init)
        let files = try await storeCall { try await store.files(keyID: keyID, purpose: purpose, after: after, limit: limit + 1) }
        return json(StoredFile.listJSON(Array(files.prefix(limit)), hasMore: files.count > limit))
    }

    private func upload(_ request: Request, context: some RequestContext) async throws -> Response {
        let (store, keyID) = try caller(request)
        guard let contentType = request.headers[.contentType], let parser = FileUpload(contentType: contentType, maxBytes: maxBytes, maxLines: maxLines, maxLineBytes: maxLineBytes) else {
            throw OpenAIError(.invalidRequest, "POST /v1/files takes multipart/form-data with the fields 'file' and 'purpose'.")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let id = StoredFile.newID()
        let temporary = (directory as NSString).appendingPathComponent(".upload-" + id)
        let state = UploadState(parser)
        let result: FileUpload.Result
        do {
            try await fileIO.writeFile(contents: FilePartBytes(base: request.body, state: state), path: temporary, context: context)
            result = try state.finish()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let error = state.failure { throw error }
            throw error
        }
        let file = StoredFile(id: id, keyID: keyID, filename: result.filename, purpose: result.purpose, bytes: Int64(result.bytes),
                              lines: result.lines, createdAt: Date())
        do {
            try FileManager.default.moveItem(atPath: temporary, toPath: path(of: id))
            try await storeCall { try await store.insertFile(file) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            try? FileManager.default.removeItem(atPath: path(of: id))
            throw error
        }
        context.logger.info("file uploaded", metadata: ["file.id": .string(id), "file.lines": .stringConvertible(result.lines)])
        return json(file.json)
    }

    private func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A store call on the request path of the Files API: a failing store is a 503, never a hang
/// nor a crash.
func storeCall<T>(_ body: () async throws -> T) async throws(OpenAIError) -> T {
    do {
        return try await body()
    } catch let error as OpenAIError {
        throw error
    } catch {
        throw OpenAIError(.storeUnavailable, "The gateway's store failed; try again shortly.", retryAfterSeconds: 5)
    }
}

/// The upload's parse, shared between the body sequence (one consumer) and the handler.
final class UploadState: Sendable {
    private let state: Mutex<(upload: FileUpload, failure: OpenAIError?)>

    init(_ upload: FileUpload) { state = Mutex((upload, nil)) }

    var failure: OpenAIError? { state.withLock { $0.failure } }

    func consume(_ buffer: ByteBuffer) throws(OpenAIError) -> [[UInt8]] {
        try state.withLock { value throws(OpenAIError) in
            do throws(OpenAIError) {
                return try value.upload.consume(buffer.readableBytesView)
            } catch {
                value.failure = error
                throw error
            }
        }
    }

    func finish() throws(OpenAIError) -> FileUpload.Result {
        try state.withLock { value throws(OpenAIError) in
            do throws(OpenAIError) {
                return try value.upload.finish()
            } catch {
                value.failure = error
                throw error
            }
        }
    }
}

/// The request body reduced to the bytes of its `file` part, checked as they pass.
struct FilePartBytes<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let state: UploadState

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let state: UploadState
        var pending: [[UInt8]] = []

        mutating func next() async throws -> ByteBuffer? {
            while pending.isEmpty {
                guard let chunk = try await base.next() else { return nil }
                pending = try state.consume(chunk).filter { !$0.isEmpty }
            }
            return ByteBuffer(bytes: pending.removeFirst())
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), state: state) }
}
