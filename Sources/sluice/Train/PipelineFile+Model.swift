import ModelSpec
import PipelineConfig
import Trainer

extension PipelineFile {
    /// The file's model for per-sample input `inputShape` ([C, H, W]), its weights drawn from
    /// the file's seed; a layer that cannot take its input is an error naming its place.
    func buildModel(inputShape: [Int]) throws(PipelineError) -> Model {
        try checkModel(inputShape: inputShape)
        do {
            return try Model(model ?? [], inputShape: inputShape, seed: seed)
        } catch {
            throw locate(error)
        }
    }
}
