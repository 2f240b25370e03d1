import Foundation

extension StatisticsReport {
    /// The report with a pipeline file's `classes:` naming its labels ("0" -> "T-shirt").
    public func namingClasses(_ names: [String]?) -> StatisticsReport {
        guard let names else { return self }
        func name(_ key: String) -> String { Int(key).flatMap { $0 >= 0 && $0 < names.count ? names[$0] : nil } ?? key }
        var named = self
        named.classNames = names
        named.classes = Dictionary(classes.map { key, count in (name(key), count) }, uniquingKeysWith: +)
        if let records = exact.health {   // the report's class grids, by name too
            named.exact.health!.images = records.images.map { image in
                var renamed = image
                renamed.className = image.className.map(name)
                return renamed
            }
        }
        return named
    }

    /// What `sluice stats --json` writes: the report plus the run's timing and, when given, the
    /// inputs as the user named them (what a merged health report is titled), keys sorted so
    /// files diff well, ending in a newline.
    public func json(seconds: Double, inputs: [String]? = nil) throws -> Data {
        struct Timed: Encodable {
            var report: StatisticsReport
            var seconds: Double
            var inputs: [String]?
            func encode(to encoder: any Encoder) throws {
                try report.encode(to: encoder)
                var container = encoder.container(keyedBy: Key.self)
                try container.encodeIfPresent(inputs, forKey: Key(stringValue: "inputs"))
                try container.encode(seconds, forKey: Key(stringValue: "seconds"))
                try container.encode(seconds > 0 ? Double(report.images) / seconds : 0, forKey: Key(stringValue: "images_per_second"))
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Timed(report: self, seconds: seconds, inputs: inputs))
        data.append(0x0A)
        return data
    }
}

/// A JSON key made at run time.
private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
