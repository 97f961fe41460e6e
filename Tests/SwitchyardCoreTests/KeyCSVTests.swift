import Foundation
import SwitchyardCore
import Testing

/// `switchyard keys import` / `export`: CSV in, the admin API's JSON bodies out; CSV out with
/// no secret, quoted where needed and safe to open in a spreadsheet.
@Suite struct KeyCSVTests {
    @Test func rowsBecomeKeySpecBodiesWithTheirLines() throws {
        let csv = "name,team,models,rpm,budget_usd,budget_period\r\n"
            + "acme,resellers,deepseek;qwen,600,25,month\r\n"
            + "\"Globex, \"\"Inc.\"\"\",resellers,,120,,\n"
            + "\n"
            + "\"multi\nline\",,\"glm, kimi\",,,\n"
        let bodies = try KeyCSV.importBodies(csv)
        #expect(bodies.map(\.line) == [2, 3, 5])
        #expect(bodies[0].json == #"{"name":"acme","team":"resellers","models":["deepseek","qwen"],"rpm":600,"budget_usd":"25","budget_period":"month"}"#)
        #expect(bodies[1].json == #"{"name":"Globex, \"Inc.\"","team":"resellers","rpm":120}"#)
        #expect(bodies[2].json == #"{"name":"multi\nline","models":["glm","kimi"]}"#)
        // Each body is what POST /admin/keys validates.
        let catalog = Catalog.builtIn
        let spec = try KeySpec(json: Array(bodies[0].json.utf8), catalog: catalog, now: Date())
        #expect(spec.limits.requestsPerMinute == 600)
        #expect(spec.allowedModels == ["deepseek", "qwen"])
    }

    @Test func badFilesNameTheLine() {
        func error(_ csv: String) -> KeyCSV.ParseError? {
            do { _ = try KeyCSV.importBodies(csv); return nil } catch { return error }
        }
        #expect(error("")?.line == 1)
        #expect(error("team\nx\n")?.message.contains("'name' is required") == true)
        #expect(error("name,rmp\nx,5\n")?.message.contains("unknown column 'rmp'") == true)
        #expect(error("name,name\nx,y\n")?.message.contains("twice") == true)
        #expect(error("name,rpm\nok,1\nbad,lots\n").map { [$0.line] } == [3])
        #expect(error("name,rpm\nok,1\nbad,lots\n")?.message == "'rpm' must be a whole number, got 'lots'")
        #expect(error("name,team\nonly-one\n")?.line == 2)
        #expect(error("name\n\"open\n")?.message.contains("not closed") == true)
        #expect(error("name\nab\"c\n")?.line == 2)
        #expect(error("name\n\"a\"b\n")?.message.contains("after a closing quote") == true)
    }

    @Test func exportLinesAreQuotedAndSpreadsheetSafe() {
        #expect(KeyCSV.line(["plain", "a,b", "say \"hi\"", "", "line\nbreak"]) == "plain,\"a,b\",\"say \"\"hi\"\"\",,\"line\nbreak\"")
        #expect(KeyCSV.line(["=HYPERLINK(\"x\")", "+1", "-5", "@sum", "-0.5"]) == "\"'=HYPERLINK(\"\"x\"\")\",+1,-5,'@sum,-0.5")
        #expect(!KeyCSV.exportColumns.contains("key"))
        #expect(!KeyCSV.exportColumns.contains { $0.contains("hash") })
    }
}
