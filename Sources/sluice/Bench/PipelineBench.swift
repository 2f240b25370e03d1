import DataPipeline
import DatasetSources
import Dispatch
import Foundation
import ImageCodecs
import PipelineConfig
import TensorCore

/// `sluice bench --suite pipeline`: one full pass over a split through the feeder (batches
/// consumed and discarded), beside decode-only on the same samples, per worker count.
struct PipelineBench {
    let pipeline: String
    let split: String
    let workers: [Int]
    let repeats: Int

    struct Row: Encodable {
        var set: String
        var workers: Int
        var images: Int
        var images_per_second: Double
        var decode_images_per_second: Double
        var ratio_vs_decode: Double
    }

    func run() throws -> [Row] {
        let file: PipelineFile
        do { file = try PipelineFile.load(pipeline) } catch { throw CommandFailure.usage(error.description) }
        let dataset = try PipelineInputs.dataset(pipeline, split: split)
        var rows: [Row] = []
        for count in workers {
            let loader: BatchLoader
            do {
                loader = try BatchLoader(pipeline: file, split: split, workers: count, cores: SystemInfo.coreCount)
            } catch {
                throw CommandFailure.usage("\(error)")
            }
            var feeder: [Double] = [], decode: [Double] = []
            var images = 0
            _ = loader.epoch(0).reduce(0) { $0 + $1.count }   // warm-up
            for round in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                images = loader.epoch(round).reduce(0) { $0 + $1.count }
                feeder.append(Double(images) / Self.seconds(since: start))
                let decodeStart = DispatchTime.now().uptimeNanoseconds
                let decoded = DecodeOnly.run(dataset, color: file.color, workers: count)
                decode.append(Double(decoded) / Self.seconds(since: decodeStart))
            }
            let median = { (list: [Double]) in list.sorted()[list.count / 2] }
            rows.append(Row(set: "\(pipeline) \(split)", workers: count, images: images, images_per_second: median(feeder),
                            decode_images_per_second: median(decode), ratio_vs_decode: median(feeder) / median(decode)))
        }
        return rows
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
