import CSluiceABI
import DataPipeline
import DatasetSources
import DatasetStatistics
import Dispatch
import Foundation
import ImageCodecs

/// `sluice_stats`: what `sluice stats PATH... --json` measures and writes, as a JSON string.
@_cdecl("sluice_stats")
public func sluice_stats(_ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int64, _ options: UnsafePointer<sluice_stats_options>?,
                         _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ABI.call {
        guard let json, count >= 1, let paths else { throw ABIFailure.argument("give at least one path (and a place for the JSON)") }
        json.pointee = nil
        var settings = sluice_stats_options()
        if let options { settings = options.pointee } else { sluice_stats_options_init(&settings) }
        let list = try (0..<Int(count)).map { try ABI.string(paths[$0], "paths[\($0)]") }
        let color: ColorMode? = try settings.color.map { pointer in
            let name = String(cString: pointer)
            guard let mode = ColorMode(rawValue: name) else { throw ABIFailure.argument("color '\(name)': use auto, rgb or gray") }
            return mode
        }
        guard settings.workers >= 0, [SLUICE_ON_ERROR_SKIP, SLUICE_ON_ERROR_FAIL].contains(Int(settings.on_error)) else {
            throw ABIFailure.argument("workers must not be negative, on_error SKIP or FAIL")
        }
        let (inputs, pipelineColor, classNames) = try PipelineInputs.resolve(list, split: settings.split.map { String(cString: $0) } ?? "train")
        let dataset = try Dataset.listing(inputs)
        guard dataset.count > 0 else {
            throw ABIFailure(status: SLUICE_E_DATA, message: "no images in \(list.joined(separator: ", ")): Sluice reads JPEG and PNG files (recognised by content), in folders (recursively), file lists, IDX files or a pipeline file's split")
        }
        let runner = StatisticsRunner(color: color ?? pipelineColor ?? .auto,
                                      workers: settings.workers > 0 ? Int(settings.workers) : ProcessInfo.processInfo.activeProcessorCount,
                                      stopOnError: Int(settings.on_error) == SLUICE_ON_ERROR_FAIL)
        let start = DispatchTime.now()
        let outcome = runner.run(dataset)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if let stoppedAt = outcome.stoppedAt {
            throw ABIFailure(status: SLUICE_E_DECODE, message: "\(stoppedAt.path): \(stoppedAt.error)")
        }
        let report = StatisticsReport(outcome.accumulator).namingClasses(classNames)
        json.pointee = ABI.copy(String(decoding: try report.json(seconds: seconds, inputs: list), as: UTF8.self))
        return Int32(SLUICE_OK)
    }
}
