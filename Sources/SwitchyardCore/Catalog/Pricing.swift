import Foundation

/// USD per 1M tokens, kept as `Decimal` so that no bill is ever rounded through a `Double`.
package struct Pricing: Sendable, Hashable {
    package var inputPer1M: Decimal { didSet { updateDerived() } }
    package var outputPer1M: Decimal { didSet { updateDerived() } }
    package var cachedInputPer1M: Decimal { didSet { updateDerived() } }
    /// Where these rates come from, in words (shown by `/v1/models` and `switchyard models`).
    package var source: String

    /// The same rates in whole picodollars per token, when every rate is one (at most six
    /// decimals per million tokens): costs are then integer arithmetic.
    package private(set) var picodollarsPerToken: PicodollarRates?
    /// The mean of the input and output rates: one number to compare models by (kept, not
    /// computed per request: routing reads it for every candidate).
    package private(set) var blendedPer1M: Decimal = 0

    package struct PicodollarRates: Sendable, Hashable {
        package var input: Int64
        package var output: Int64
        package var cachedInput: Int64
    }

    package init(inputPer1M: Decimal, outputPer1M: Decimal, cachedInputPer1M: Decimal, source: String) {
        self.inputPer1M = inputPer1M
        self.outputPer1M = outputPer1M
        self.cachedInputPer1M = cachedInputPer1M
        self.source = source
        updateDerived()
    }

    private mutating func updateDerived() {
        blendedPer1M = (inputPer1M + outputPer1M) / 2
        if let input = Self.picodollarsPerToken(inputPer1M), let output = Self.picodollarsPerToken(outputPer1M),
           let cached = Self.picodollarsPerToken(cachedInputPer1M) {
            picodollarsPerToken = PicodollarRates(input: input, output: output, cachedInput: cached)
        } else {
            picodollarsPerToken = nil
        }
    }

    /// USD per 1M tokens → picodollars per token (× 10⁶), nil unless a whole number.
    static func picodollarsPerToken(_ per1M: Decimal) -> Int64? {
        let scaled = per1M * 1_000_000
        guard scaled >= 0, scaled < Decimal(Int64.max) else { return nil }
        var value = scaled
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        guard rounded == scaled else { return nil }
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    /// The seed's single figure applied as a flat rate to every kind of token.
    package static func flat(_ per1M: Decimal, source: String) -> Pricing {
        Pricing(inputPer1M: per1M, outputPer1M: per1M, cachedInputPer1M: per1M, source: source)
    }
}

extension Decimal {
    /// Parses a plain decimal literal such as `0.25` or `3` exactly; rejects anything else
    /// (exponents, signs other than a leading minus, locale separators, trailing garbage).
    package init?(exactly text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= 40 else { return nil }
        var sawDigit = false
        var sawDot = false
        for (i, c) in t.enumerated() {
            if c.isASCII, c.isNumber { sawDigit = true; continue }
            if c == "." && !sawDot { sawDot = true; continue }
            if c == "-" && i == 0 { continue }
            return nil
        }
        guard sawDigit, let value = Decimal(string: t, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        self = value
    }

    /// A price for people: at least two fraction digits (`2.50`, `3.00`, `0.014`).
    package var priceString: String {
        var text = plainString(scale: 10)
        if !text.contains(".") { text += ".00" }
        else if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) == 2 { text += "0" }
        return text
    }

    /// A fixed-point rendering with at most `scale` fraction digits and no exponent,
    /// trailing zeros removed (`0.00025`, `250`, `3.5`).
    package func plainString(scale: Int = 10) -> String {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, scale, .bankers)
        let s = NSDecimalNumber(decimal: rounded).stringValue
        if s.contains("e") || s.contains("E") { return "0" }
        return s
    }
}
