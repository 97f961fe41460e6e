import Testing
@Test func ok() { #expect(true) }
