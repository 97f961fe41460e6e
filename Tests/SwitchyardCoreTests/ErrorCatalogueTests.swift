import Foundation
import Testing
@testable import SwitchyardCore

/// The API's error codes are declared once (`APIError`) and documented once (README, "Errors").
@Suite struct ErrorCatalogueTests {
    /// (status, codes) for each row of the README's error table.
    static func readmeRows() throws -> [(statuses: Set<Int>, codes: Set<String>)] {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "\n### Errors\n") else { throw CocoaError(.fileReadCorruptFile) }
        let section = text[start.upperBound...].prefix { _ in true }
        var rows: [(Set<Int>, Set<String>)] = []
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { break }
            guard line.hasPrefix("| "), !line.hasPrefix("|---") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5 else { continue }
            let statuses = Set(cells[2].split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
            guard !statuses.isEmpty else { continue }   // the header row
            // Codes are the backticked words of the code column (before any `;` explanation).
            let codeText = cells[3].split(separator: ";").first.map(String.init) ?? ""
            let quoted = codeText.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            let codes = Set(quoted.map { String($0.element) }.filter { $0.allSatisfy { $0.isLowercase || $0 == "_" } })
            rows.append((statuses, codes))
        }
        return rows
    }

    @Test func everyCatalogueCodeIsInTheReadmeWithItsStatus() throws {
        let rows = try Self.readmeRows()
        #expect(rows.count >= 20)
        for kind in APIError.all {
            guard let code = kind.code else { continue }
            #expect(rows.contains { $0.codes.contains(code) && $0.statuses.contains(kind.status) },
                    "README's error table has no row for \(code) with status \(kind.status)")
        }
    }

    @Test func everyReadmeCodeIsInTheCatalogue() throws {
        let known = Set(APIError.all.compactMap(\.code))
        for row in try Self.readmeRows() {
            for code in row.codes {
                #expect(known.contains(code), "README lists \(code), which APIError does not declare")
                #expect(APIError.all.contains { $0.code == code && row.statuses.contains($0.status) },
                        "README gives \(code) a status (\(row.statuses)) the catalogue does not")
            }
        }
    }

    @Test func theCatalogueListsEveryMemberOnce() {
        #expect(Set(APIError.all).count == APIError.all.count)
        for kind in APIError.all {
            #expect((400..<600).contains(kind.status))
            #expect(["invalid_request_error", "server_error", "insufficient_quota", "rate_limit_error", "requests", "tokens"].contains(kind.type))
        }
    }

    @Test func anErrorTakesEverythingButItsMessageFromItsKind() {
        let error = OpenAIError(.upstreamRateLimited, "slow down", retryAfterSeconds: 3)
        #expect(error.status == 429 && error.type == "rate_limit_error" && error.code == "rate_limit_exceeded")
        #expect(error.shouldRetry == true && error.retryAfterSeconds == 3)
        #expect(error.body == #"{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}"#)
    }

    @Test func frameworkStatusesMapToCatalogueEntries() {
        #expect(APIError.forFrameworkStatus(404) == .unknownURL)
        #expect(APIError.forFrameworkStatus(413) == .requestTooLarge)
        #expect(APIError.forFrameworkStatus(415) == .invalidRequest)
        #expect(APIError.forFrameworkStatus(503) == .internalError)
    }
}
