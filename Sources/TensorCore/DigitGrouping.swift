extension BinaryInteger {
    /// 220234 -> "220,234": counts in tables and progress lines.
    public var groupedDigits: String {
        let digits = String(magnitude)
        var result = ""
        for (position, digit) in digits.enumerated() {
            if position > 0, (digits.count - position) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (self < 0 ? "-" : "") + result
    }
}
