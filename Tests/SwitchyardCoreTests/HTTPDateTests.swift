import Foundation
import Testing
@testable import SwitchyardCore

@Suite struct HTTPDateTests {
    @Test func knownDates() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")  // RFC 9110's example
        #expect(HTTPDate.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_798_761_599) == "Thu, 31 Dec 2026 23:59:59 GMT")
    }

    /// Agrees with Foundation's formatter across four centuries of days.
    @Test func matchesFoundation() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var seconds: Int64 = -2_208_988_800  // 1900
        while seconds < 7_258_118_400 {  // 2200
            #expect(HTTPDate.format(epochSeconds: seconds) == formatter.string(from: Date(timeIntervalSince1970: Double(seconds))))
            seconds += 86_400 * 37 + 3_601 * 5 + 7
        }
    }
}
