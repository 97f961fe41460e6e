import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct TraceContextTests {
    let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func aValidTraceparentIsRead() throws {
        let context = try #require(TraceContext.parse(traceparent: valid, tracestate: "congo=t61rcWkgMzE"))
        #expect(context.traceID.hex == "0af7651916cd43dd8448eb211c80319c")
        #expect(context.spanID.hex == "b7ad6b7169203331")
        #expect(context.sampled)
        #expect(context.traceState == "congo=t61rcWkgMzE")
        #expect(context.traceparent == valid)
        let unsampled = try #require(TraceContext.parse(traceparent: " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00 ", tracestate: nil))
        #expect(!unsampled.sampled)
        #expect(unsampled.traceState == "")
    }

    @Test(arguments: [
        "",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",           // no flags
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",        // upper case
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",        // version ff
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",        // zero trace ID
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",        // zero span ID
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",  // version 00 has no more fields
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",        // wrong separator
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",       // a later version's extra needs a dash
        "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",        // not hex
    ])
    func aMalformedTraceparentStartsANewTrace(_ header: String) {
        #expect(TraceContext.parse(traceparent: header, tracestate: "a=b") == nil)
    }

    @Test func aLaterVersionMayAddFields() throws {
        let context = try #require(TraceContext.parse(traceparent: "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future", tracestate: nil))
        #expect(context.sampled)
        // Passed on as version 00, the version this gateway speaks.
        #expect(context.traceparent == valid)
    }

    @Test func aTracestateThatCannotBeForwardedIsDropped() throws {
        let long = String(repeating: "a", count: 513)
        #expect(try #require(TraceContext.parse(traceparent: valid, tracestate: long)).traceState == "")
        #expect(try #require(TraceContext.parse(traceparent: valid, tracestate: "a=b\u{7F}")).traceState == "")
        #expect(try #require(TraceContext.parse(traceparent: valid, tracestate: "é=1")).traceState == "")
    }

    @Test func randomIDsAreValid() {
        var zeros = ZeroGenerator()
        #expect(TraceID.random(using: &zeros).isValid)
        #expect(SpanID.random(using: &zeros).isValid)
        var random = SystemRandomNumberGenerator()
        #expect(TraceID.random(using: &random) != TraceID.random(using: &random))
    }

    struct ZeroGenerator: RandomNumberGenerator {
        mutating func next() -> UInt64 { 0 }
    }

    // MARK: Sampling

    @Test func ratioSamplingReadsTheLow63BitsOfTheTraceID() {
        let low = TraceID(high: 7, low: 0)                       // 0 < any positive bound
        let high = TraceID(high: 7, low: .max)                   // the largest value: kept only at 1
        let middle = TraceID(high: 7, low: UInt64(1) << 63)        // 2^62 after the shift: half way
        typealias S = TraceSettings.Sampler
        #expect(S.traceIDRatio(0.5).samples(low, parentSampled: nil))
        #expect(!S.traceIDRatio(0.5).samples(high, parentSampled: nil))
        #expect(!S.traceIDRatio(0.5).samples(middle, parentSampled: nil))
        #expect(S.traceIDRatio(0.51).samples(middle, parentSampled: nil))
        #expect(!S.traceIDRatio(0).samples(low, parentSampled: true))
        #expect(S.traceIDRatio(1).samples(high, parentSampled: false))
    }

    @Test func parentBasedSamplersFollowTheParent() {
        let id = TraceID(high: 1, low: .max)
        typealias S = TraceSettings.Sampler
        #expect(S.parentBasedAlwaysOn.samples(id, parentSampled: nil))
        #expect(!S.parentBasedAlwaysOn.samples(id, parentSampled: false))
        #expect(S.parentBasedAlwaysOff.samples(id, parentSampled: true))
        #expect(!S.parentBasedAlwaysOff.samples(id, parentSampled: nil))
        #expect(S.parentBasedTraceIDRatio(0).samples(id, parentSampled: true))
        #expect(!S.parentBasedTraceIDRatio(0.5).samples(id, parentSampled: nil))
        #expect(S.alwaysOn.samples(id, parentSampled: false))
        #expect(!S.alwaysOff.samples(id, parentSampled: true))
    }

    @Test func aRatioKeepsAboutThatShareOfRandomTraces() {
        var random = SeededGenerator(seed: 42)
        let kept = (0..<20_000).filter { _ in TraceSettings.Sampler.traceIDRatio(0.1).samples(TraceID.random(using: &random), parentSampled: nil) }.count
        #expect((1_700...2_300).contains(kept))
    }

    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {  // splitmix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
