import ArgumentParser
import Foundation
import SwitchyardCore

struct BatchesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "List, show, watch and cancel batch jobs (every key's, through the gateway's admin API).",
        discussion: """
            Reads /admin/batches on a running gateway (SWITCHYARD_ADMIN_KEY as for `switchyard keys`). \
            Batches are created with the OpenAI API (POST /v1/batches) by the keys that own them.

              switchyard batches list
              switchyard batches show batch_0123456789abcdefABCDEFGH
              switchyard batches watch batch_0123456789abcdefABCDEFGH     # a live progress bar and the cost so far
              switchyard batches cancel batch_0123456789abcdefABCDEFGH
            """,
        subcommands: [List.self, Show.self, Watch.self, Cancel.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest batches first.")

        @OptionGroup var admin: AdminOptions

        @Option(help: "Only this key's batches (its ID).")
        var key: String?

        @Option(help: "At most this many (1-100).")
        var limit: Int = 20

        @Flag(help: "Print the API's JSON.")
        var json = false

        func validate() throws {
            guard (1...100).contains(limit) else { throw ValidationError("--limit must be between 1 and 100") }
        }

        func run() async throws {
            var path = "/admin/batches?limit=\(limit)"
            if let key { path += "&key_id=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") }
            let answer = try await AdminClient.call("GET", path, options: admin)
            if json { print(AdminClient.pretty(answer)); return }
            let batches = (answer as? [String: Any])?["data"] as? [[String: Any]] ?? []
            guard !batches.isEmpty else { print("no batches"); return }
            let rows = batches.map { b -> [String] in
                let counts = b["request_counts"] as? [String: Any] ?? [:]
                return [field(b, "id"), field(b, "status"), field(b, "endpoint"), BatchView.progress(counts), field(counts, "failed"),
                        "$" + BatchView.cost(b), BatchView.time(b["created_at"])]
            }
            print(TextTable.render(header: ["id", "status", "endpoint", "done", "failed", "cost", "created"], rows: rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One batch: status, counts, cost, files, times and errors.")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The batch ID (batch_…).")
        var id: String

        @Flag(help: "Print the API's JSON.")
        var json = false

        func run() async throws {
            let answer = try await AdminClient.call("GET", "/admin/batches/" + BatchView.escaped(id), options: admin)
            if json { print(AdminClient.pretty(answer)); return }
            print(BatchView.details(answer as? [String: Any] ?? [:]))
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A live progress bar with the cost so far, until the batch ends.")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The batch ID (batch_…).")
        var id: String

        @Option(help: "Seconds between two looks.")
        var interval: Double = 1

        func validate() throws {
            guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds") }
        }

        func run() async throws {
            let terminal = isatty(STDOUT_FILENO) == 1
            var last = ""
            while true {
                let answer = try await AdminClient.call("GET", "/admin/batches/" + BatchView.escaped(id), options: admin)
                let batch = answer as? [String: Any] ?? [:]
                let line = BatchView.bar(batch)
                if terminal {
                    FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
                } else if line != last {
                    print(line)
                }
                last = line
                let status = field(batch, "status")
                if ["completed", "failed", "expired", "cancelled"].contains(status) {
                    if terminal { print("") }
                    print(BatchView.details(batch))
                    return
                }
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a batch: lines in flight finish, the others never run.")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The batch ID (batch_…).")
        var id: String

        func run() async throws {
            let answer = try await AdminClient.call("POST", "/admin/batches/" + BatchView.escaped(id) + "/cancel", options: admin)
            let batch = answer as? [String: Any] ?? [:]
            print("\(field(batch, "id")): \(field(batch, "status"))")
        }
    }
}

/// How the CLI shows a batch object.
enum BatchView {
    static func escaped(_ id: String) -> String { id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["_", "-"])) ?? "" }

    static func number(_ object: [String: Any], _ name: String) -> Int { (object[name] as? NSNumber)?.intValue ?? 0 }

    /// `done/total`.
    static func progress(_ counts: [String: Any]) -> String {
        "\(number(counts, "completed") + number(counts, "failed"))/\(number(counts, "total"))"
    }

    static func cost(_ batch: [String: Any]) -> String { field(batch["usage"] as? [String: Any] ?? [:], "cost_usd") }

    static func time(_ value: Any?) -> String {
        guard let seconds = (value as? NSNumber)?.doubleValue else { return "-" }
        return ISO8601.format(Date(timeIntervalSince1970: seconds))
    }

    /// `[██████░░░░░░] 1200/2000  60%  ok 1180  failed 20  $0.0123  in_progress`.
    static func bar(_ batch: [String: Any], width: Int = 30) -> String {
        let counts = batch["request_counts"] as? [String: Any] ?? [:]
        let total = number(counts, "total"), ok = number(counts, "completed"), failed = number(counts, "failed")
        let done = ok + failed
        let filled = total == 0 ? 0 : min(width, done * width / total)
        let percent = total == 0 ? 0 : done * 100 / total
        var line = "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] "
        line += "\(done)/\(total)  \(percent)%  ok \(ok)  failed \(failed)  $\(cost(batch))  \(field(batch, "status"))"
        if let reason = errors(batch).first, ["budget_exhausted", "waiting_for_window", "rate_limited"].contains(reason.code) {
            line += "  (\(reason.code))"
        }
        return line
    }

    static func errors(_ batch: [String: Any]) -> [(code: String, message: String)] {
        let list = (batch["errors"] as? [String: Any])?["data"] as? [[String: Any]] ?? []
        return list.map { (field($0, "code"), field($0, "message")) }
    }

    static func details(_ batch: [String: Any]) -> String {
        let counts = batch["request_counts"] as? [String: Any] ?? [:]
        let usage = batch["usage"] as? [String: Any] ?? [:]
        var lines = [
            "id:           \(field(batch, "id"))",
            "status:       \(field(batch, "status"))",
            "endpoint:     \(field(batch, "endpoint"))",
            "done:         \(progress(counts))  (completed \(number(counts, "completed")), failed \(number(counts, "failed")))",
            "cost:         $\(cost(batch))  (\(field(usage, "input_tokens")) input, \(field(usage, "output_tokens")) output tokens)",
            "input file:   \(field(batch, "input_file_id"))",
            "output file:  \(field(batch, "output_file_id"))",
            "error file:   \(field(batch, "error_file_id"))",
        ]
        for name in ["created_at", "in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at", "expires_at"]
            where batch[name] is NSNumber {
            lines.append((name.replacingOccurrences(of: "_at", with: "") + ":").padding(toLength: 14, withPad: " ", startingAt: 0) + time(batch[name]))
        }
        if let metadata = batch["metadata"] as? [String: Any], !metadata.isEmpty {
            lines.append("metadata:     " + metadata.keys.sorted().map { "\($0)=\(metadata[$0] ?? "")" }.joined(separator: ", "))
        }
        for error in errors(batch) { lines.append("error:        \(error.code): \(error.message)") }
        return lines.joined(separator: "\n")
    }
}
