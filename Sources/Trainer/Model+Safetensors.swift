import ModelSpec
import Safetensors

extension Model {
    /// The weights and saved state as safetensors entries, under PyTorch `nn.Sequential` names.
    public var weightEntries: [SafetensorsFile.Entry] {
        namedTensors.map { SafetensorsFile.Entry(name: $0.name, shape: $0.tensor.shape, floats: $0.tensor.value) }
    }

    /// Loads weights saved from a model of the same layers; every tensor must be present with
    /// its shape.
    public func load(_ file: SafetensorsFile) throws(ModelError) {
        for (name, tensor) in namedTensors {
            guard let entry = file.entry(name) else { throw ModelError(layer: nil, "the weights lack '\(name)'") }
            guard entry.dtype == .float32, entry.shape == tensor.shape else {
                throw ModelError(layer: nil, "'\(name)' is \(entry.dtype.rawValue) \(entry.shape), the model needs F32 \(tensor.shape)")
            }
            tensor.value = entry.floats
        }
    }
}
