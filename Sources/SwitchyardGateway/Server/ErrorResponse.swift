import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

/// Renders an `OpenAIError` as an HTTP response with its retry hints.
enum ErrorResponse {
    static func make(_ error: OpenAIError, extraHeaders: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        for (name, value) in headers(for: error) + extraHeaders { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return Response(status: .init(code: error.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: error.body)))
    }

    /// The headers of every error answer, on the router and on the chat path: content type and
    /// the retry hints.
    static func headers(for error: OpenAIError) -> [(String, String)] {
        var headers = [("content-type", "application/json")]
        if let retry = error.shouldRetry { headers.append(("x-should-retry", retry ? "true" : "false")) }
        if let seconds = error.retryAfterSeconds { headers.append(("retry-after", String(seconds))) }
        return headers
    }
}

/// Turns every error that escapes a route — unknown paths, bad methods, oversized bodies,
/// anything unexpected — into the OpenAI error shape.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int
    let allowed: AllowedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            return ErrorResponse.make(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                let methods = allowed.methods(for: request.uri.path)
                guard !methods.isEmpty, !methods.contains(request.method.rawValue) else { return ErrorResponse.make(.notFound(request.uri.path)) }
                // A path the API has, with a method it does not answer there.
                return ErrorResponse.make(.methodNotAllowed(request.method.rawValue, path: request.uri.path, allowed: methods),
                                          extraHeaders: [("allow", methods.joined(separator: ", "))])
            case .contentTooLarge: return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes))
            case .methodNotAllowed:
                let methods = allowed.methods(for: request.uri.path)
                return ErrorResponse.make(.methodNotAllowed(request.method.rawValue, path: request.uri.path, allowed: methods),
                                          extraHeaders: methods.isEmpty ? [] : [("allow", methods.joined(separator: ", "))])
            default:
                return ErrorResponse.make(OpenAIError(.forFrameworkStatus(Int(error.status.code)), error.body ?? error.status.reasonPhrase))
            }
        } catch is NIOTooManyBytesError {
            return ErrorResponse.make(.bodyTooLarge(limit: maxBodyBytes))
        } catch {
            context.logger.error("unexpected error", metadata: ["error": .string(String(describing: error))])
            return ErrorResponse.make(.internalError)
        }
    }
}

extension OpenAIError {
    static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> OpenAIError {
        let allowedText = allowed.isEmpty ? "" : " Allowed: \(allowed.joined(separator: ", "))."
        return OpenAIError(.methodNotAllowed, "Method \(method.prefix(32)) is not allowed on \(path.prefix(200)).\(allowedText)")
    }
}
