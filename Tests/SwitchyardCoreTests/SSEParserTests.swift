import Testing
@testable import SwitchyardCore

@Suite struct SSEParserTests {
    let stream = ": keep-alive\n\ndata: {\"a\":1}\n\nevent: message\ndata: line1\ndata: line2\n\n\n\ndata: [DONE]\n\n"
    let expected: [SSEEvent] = [
        .comment(Array("keep-alive".utf8)), .data(Array("{\"a\":1}".utf8)), .data(Array("line1\nline2".utf8)), .data(Array("[DONE]".utf8)),
    ]

    @Test func parsesWholeStream() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array(stream.utf8)) == expected)
    }

    /// Frames split at every possible byte boundary give the same events.
    @Test func splitAnywhere() throws {
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            var parser = SSEParser()
            var events = try parser.feed(bytes[..<cut])
            events += try parser.feed(bytes[cut...])
            #expect(events == expected, "cut at \(cut)")
        }
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { events += try parser.feed([byte]) }
        #expect(events == expected)
    }

    @Test func crlfAndCRLineEnds() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("data: x\r\n\r\ndata:y\r\r".utf8)) == [.data(Array("x".utf8)), .data(Array("y".utf8))])
    }

    @Test func splitUTF8IsReassembled() throws {
        let bytes = Array("data: {\"t\":\"中文\"}\n\n".utf8)
        var parser = SSEParser()
        var events = try parser.feed(bytes[..<12])
        events += try parser.feed(bytes[12...])
        #expect(events == [.data(Array("{\"t\":\"中文\"}".utf8))])
    }

    @Test func unterminatedEventIsDeliveredAtEnd() throws {
        var parser = SSEParser()
        #expect(try parser.feed(Array("data: last".utf8)).isEmpty)
        #expect(parser.finish() == [.data(Array("last".utf8))])
    }

    @Test func oversizedEventIsAnError() {
        var parser = SSEParser(maxEventBytes: 100)
        #expect(throws: SSEParser.EventTooLarge.self) { try parser.feed(Array(("data: " + String(repeating: "x", count: 200)).utf8)) }
    }
}
