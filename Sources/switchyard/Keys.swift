import ArgumentParser
import Foundation
import SwitchyardCore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list, show, update and revoke virtual API keys (through the gateway's admin API).",
        discussion: """
            The gateway must run with SWITCHYARD_ADMIN_KEY set; these commands read the same variable. \
            A key is printed once, at creation: the gateway stores only its SHA-256 hash.

              export SWITCHYARD_ADMIN_KEY=$(openssl rand -hex 24)   # before starting the gateway
              switchyard keys create --name checkout --team payments --rpm 600 --tpm 200000 --budget 50 --budget-period day
              switchyard keys list
              switchyard keys update key_0123456789abcdef --rpm 1200 --budget 100 --budget-period month
              switchyard keys update key_0123456789abcdef --clear tpm --clear expiry
              switchyard keys revoke key_0123456789abcdef
              switchyard keys import customers.csv > secrets.csv    # thousands at once; secrets printed once
              switchyard keys export > keys.csv                     # never secrets
            """,
        subcommands: [Create.self, List.self, Show.self, Update.self, Revoke.self, Import.self, Export.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (once).")

        @OptionGroup var admin: AdminOptions

        @Option(help: "A name for people (who or what uses the key).")
        var name: String

        @Option(help: "The owning team; usage can be grouped by it.")
        var team: String?

        @Option(help: "Allowed models or families, comma-separated (default: all).")
        var models: String?

        @Option(help: "Preferred deployment region for this key's calls.")
        var region: String?

        @Option(help: "Requests per minute.")
        var rpm: Int?

        @Option(help: "Tokens per minute (prompt estimate plus max_tokens up front, corrected with real usage).")
        var tpm: Int?

        @Option(help: "Budget in USD per period, e.g. 25 or 12.50.")
        var budget: String?

        @Option(help: "Budget period: day, month or total.")
        var budgetPeriod: String?

        @Option(help: "Expiry as an ISO 8601 time (2027-01-31T00:00:00Z).")
        var expiresAt: String?

        @Option(help: "Expiry in days from now.")
        var expiresInDays: Int?

        @Flag(help: "Print the API's JSON.")
        var json = false

        func run() async throws {
            var fields = ["\"name\":" + JSONString.quoted(name)]
            if let team { fields.append("\"team\":" + JSONString.quoted(team)) }
            if let models {
                let list = models.split(separator: ",").map { JSONString.quoted($0.trimmingCharacters(in: .whitespaces)) }
                fields.append("\"models\":[" + list.joined(separator: ",") + "]")
            }
            if let region { fields.append("\"region\":" + JSONString.quoted(region)) }
            if let rpm { fields.append("\"rpm\":\(rpm)") }
            if let tpm { fields.append("\"tpm\":\(tpm)") }
            if let budget { fields.append("\"budget_usd\":" + JSONString.quoted(budget)) }
            if let budgetPeriod { fields.append("\"budget_period\":" + JSONString.quoted(budgetPeriod)) }
            if let expiresAt { fields.append("\"expires_at\":" + JSONString.quoted(expiresAt)) }
            if let expiresInDays { fields.append("\"expires_in_days\":\(expiresInDays)") }
            let answer = try await AdminClient.call("POST", "/admin/keys", body: "{" + fields.joined(separator: ",") + "}", options: admin)
            if json { print(AdminClient.pretty(answer)); return }
            guard let key = answer as? [String: Any] else { return }
            print("key:     \(field(key, "key"))")
            print("         (shown once: store it now; the gateway keeps only its hash)")
            print("id:      \(field(key, "id"))")
            print("name:    \(field(key, "name"))   team: \(field(key, "team"))")
            print("limits:  rpm \(field(key, "rpm")), tpm \(field(key, "tpm")), budget \(field(key, "budget_usd")) per \(field(key, "budget_period"))")
            print("models:  \(field(key, "models"))   region: \(field(key, "region"))   expires: \(field(key, "expires_at"))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys with their limits and spend.")

        @OptionGroup var admin: AdminOptions

        @Flag(help: "Print the API's JSON.")
        var json = false

        func run() async throws {
            let answer = try await AdminClient.call("GET", "/admin/keys", options: admin)
            if json { print(AdminClient.pretty(answer)); return }
            let keys = (answer as? [String: Any])?["data"] as? [[String: Any]] ?? []
            let rows = keys.map { k in
                [field(k, "id"), field(k, "name"), field(k, "team"), field(k, "status"), field(k, "rpm"), field(k, "tpm"),
                 field(k, "budget_usd") == "-" ? "-" : "\(field(k, "budget_usd"))/\(field(k, "budget_period"))", field(k, "spent_usd"), field(k, "models")]
            }
            print(TextTable.render(header: ["id", "name", "team", "status", "rpm", "tpm", "budget", "spent", "models"], rows: rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one key (never its secret).")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The key's id (key_…).")
        var id: String

        func run() async throws {
            print(AdminClient.pretty(try await AdminClient.call("GET", "/admin/keys/\(id.pathSegmentEncoded)", options: admin)))
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a key's name, team, models, region, limits, budget or expiry (PATCH /admin/keys/{id}).",
            discussion: "Only the options given change. --clear removes a setting: team, models (every model), region, rpm, tpm, budget, expiry.")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The key's id (key_…).")
        var id: String

        @Option(help: "A new name.")
        var name: String?

        @Option(help: "The owning team.")
        var team: String?

        @Option(help: "Allowed models or families, comma-separated.")
        var models: String?

        @Option(help: "Preferred deployment region.")
        var region: String?

        @Option(help: "Requests per minute.")
        var rpm: Int?

        @Option(help: "Tokens per minute.")
        var tpm: Int?

        @Option(help: "Budget in USD per period, e.g. 25 or 12.50.")
        var budget: String?

        @Option(help: "Budget period: day, month or total (with --budget).")
        var budgetPeriod: String?

        @Option(help: "Expiry as an ISO 8601 time (2027-01-31T00:00:00Z).")
        var expiresAt: String?

        @Option(help: "Expiry in days from now.")
        var expiresInDays: Int?

        @Option(name: .customLong("clear"), help: "A setting to remove (repeatable): team, models, region, rpm, tpm, budget, expiry.")
        var clear: [String] = []

        @Flag(help: "Print the API's JSON.")
        var json = false

        static let clearable = ["team": "team", "models": "models", "region": "region", "rpm": "rpm", "tpm": "tpm", "budget": "budget_usd",
                                "expiry": "expires_at"]

        func validate() throws {
            for name in clear where Self.clearable[name] == nil {
                throw ValidationError("--clear takes team, models, region, rpm, tpm, budget or expiry, got '\(name.prefix(40))'")
            }
        }

        func run() async throws {
            var fields: [String] = []
            if let name { fields.append("\"name\":" + JSONString.quoted(name)) }
            if let team { fields.append("\"team\":" + JSONString.quoted(team)) }
            if let models {
                let list = models.split(separator: ",").map { JSONString.quoted($0.trimmingCharacters(in: .whitespaces)) }
                fields.append("\"models\":[" + list.joined(separator: ",") + "]")
            }
            if let region { fields.append("\"region\":" + JSONString.quoted(region)) }
            if let rpm { fields.append("\"rpm\":\(rpm)") }
            if let tpm { fields.append("\"tpm\":\(tpm)") }
            if let budget { fields.append("\"budget_usd\":" + JSONString.quoted(budget)) }
            if let budgetPeriod { fields.append("\"budget_period\":" + JSONString.quoted(budgetPeriod)) }
            if let expiresAt { fields.append("\"expires_at\":" + JSONString.quoted(expiresAt)) }
            if let expiresInDays { fields.append("\"expires_in_days\":\(expiresInDays)") }
            for name in clear { if let field = Self.clearable[name] { fields.append(JSONString.quoted(field) + ":null") } }
            guard !fields.isEmpty else { throw ValidationError("give at least one setting to change (see --help)") }
            let answer = try await AdminClient.call("PATCH", "/admin/keys/\(id.pathSegmentEncoded)", body: "{" + fields.joined(separator: ",") + "}",
                                                    options: admin)
            if json { print(AdminClient.pretty(answer)); return }
            guard let key = answer as? [String: Any] else { return }
            print("updated \(field(key, "id")) (\(field(key, "name")))")
            print("team:    \(field(key, "team"))   models: \(field(key, "models"))   region: \(field(key, "region"))")
            print("limits:  rpm \(field(key, "rpm")), tpm \(field(key, "tpm")), budget \(field(key, "budget_usd")) per \(field(key, "budget_period"))")
            print("expires: \(field(key, "expires_at"))   status: \(field(key, "status"))")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key: refused at once by this gateway, by every replica within one sync interval.")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The key's id (key_…).")
        var id: String

        func run() async throws {
            let answer = try await AdminClient.call("DELETE", "/admin/keys/\(id.pathSegmentEncoded)", options: admin)
            let key = answer as? [String: Any] ?? [:]
            print("revoked \(field(key, "id")) (\(field(key, "name"))) at \(field(key, "revoked_at"))")
        }
    }
}

extension Keys {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create many keys from a CSV file and print their secrets (once) as CSV.",
            discussion: """
                The first line names the columns: \(KeyCSV.importColumns.joined(separator: ",")) (only name is required; \
                models are separated by ';'). Every row is checked by the same rules as `keys create`, and each request of \
                up to \(KeyCSV.maxRowsPerRequest) rows is stored all or nothing, so a bad row stops the import with its line \
                number and nothing of its part stored. The output (line,id,name,key) is the only copy of the secrets: \
                redirect it to a file you protect.

                  name,team,models,rpm,budget_usd,budget_period
                  acme,resellers,deepseek;qwen,600,25,month
                  "Globex, Inc.",resellers,,120,,
                """)

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The CSV file ('-' for standard input).")
        var file: String

        func run() async throws {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    printError("switchyard: cannot read \(file)")
                    throw ExitCode(2)
                }
                text = String(decoding: data, as: UTF8.self)
            }
            let bodies: [(line: Int, json: String)]
            do {
                bodies = try KeyCSV.importBodies(text)
            } catch {
                printError("switchyard: \(file): \(error)")
                throw ExitCode(2)
            }
            print(KeyCSV.line(["line", "id", "name", "key"]))
            var imported = 0
            for start in stride(from: 0, to: bodies.count, by: KeyCSV.maxRowsPerRequest) {
                let part = bodies[start..<min(bodies.count, start + KeyCSV.maxRowsPerRequest)]
                // Each row sits on its own line number of the file (blank lines before it are
                // skipped by the API), so the gateway's errors and answers name the file's lines.
                var body = ""
                var current = 1
                for entry in part {
                    if current < entry.line { body += String(repeating: "\n", count: entry.line - current) }
                    body += entry.json + "\n"
                    current = entry.line + 1
                }
                let answer: Any
                do {
                    answer = try await AdminClient.call("POST", "/admin/key-imports", body: body, options: admin)
                } catch {
                    printError("switchyard: \(imported) keys were imported (their secrets are above); none from line \(part.first!.line) on")
                    throw error
                }
                for entry in (answer as? [String: Any])?["data"] as? [[String: Any]] ?? [] {
                    print(KeyCSV.line([field(entry, "line"), field(entry, "id"), field(entry, "name"), field(entry, "key")]))
                    imported += 1
                }
            }
            printError("switchyard: imported \(imported) keys")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every key as CSV: limits, budget, spend, status; never a secret.")

        @OptionGroup var admin: AdminOptions

        func run() async throws {
            let answer = try await AdminClient.call("GET", "/admin/keys", options: admin)
            let keys = (answer as? [String: Any])?["data"] as? [[String: Any]] ?? []
            print(KeyCSV.line(KeyCSV.exportColumns))
            for key in keys {
                print(KeyCSV.line(KeyCSV.exportColumns.map { column in
                    switch key[column] {
                    case let text as String: return text
                    case let number as NSNumber: return number.stringValue
                    case let list as [Any]: return list.map { "\($0)" }.joined(separator: ";")
                    default: return ""  // null: not set
                    }
                }))
            }
        }
    }
}

extension String {
    /// Percent-encoded for one URL path segment (letters, digits and `-._~` stay as they are).
    var pathSegmentEncoded: String {
        addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? ""
    }
}
