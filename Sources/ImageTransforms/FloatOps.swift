import TensorCore

/// The float32 CHW operations: conversion, normalisation, erasing and noise.
public enum FloatOps {
    /// torchvision's `to_dtype(float32, scale=True)`: `float32(x) * float32(1/255)` (a multiply
    /// by the rounded reciprocal, not `x / 255`), HWC -> CHW.
    public static func toFloat(_ source: Image<UInt8>, into destination: inout Tensor) {
        let channels = source.channels, plane = source.pixelCount
        destination.reshape([channels, source.height, source.width])
        let scale = Float(1) / 255
        source.pixels.withUnsafeBufferPointer { input in
            destination.values.withUnsafeMutableBufferPointer { output in
                for c in 0..<channels {
                    let base = c &* plane
                    for index in 0..<plane { output[base &+ index] = Float(input[index &* channels &+ c]) * scale }
                }
            }
        }
    }

    /// `(x - mean[c]) / std[c]` in float32, in place.
    public static func normalize(_ tensor: inout Tensor, mean: [Float], std: [Float]) throws(TransformError) {
        let channels = tensor.shape[0], plane = tensor.count / max(channels, 1)
        guard mean.count == channels || mean.count == 1, std.count == mean.count else {
            throw TransformError("normalize has \(mean.count) means and \(std.count) stds for \(channels) channels")
        }
        guard std.allSatisfy({ $0 != 0 }) else { throw TransformError("normalize: std must not be zero") }
        tensor.values.withUnsafeMutableBufferPointer { values in
            for c in 0..<channels {
                let m = mean[mean.count == 1 ? 0 : c], s = std[std.count == 1 ? 0 : c]
                let base = c &* plane
                for index in base..<(base &+ plane) { values[index] = (values[index] - m) / s }
            }
        }
    }

    /// torchvision's `erase`: the box (top `i`, left `j`, `height` x `width`) set to `value`
    /// (one value for all channels, or one per channel), in place.
    public static func erase(_ tensor: inout Tensor, top i: Int, left j: Int, height: Int, width: Int, value: [Float]) {
        let channels = tensor.shape[0], rows = tensor.shape[1], columns = tensor.shape[2]
        precondition(i >= 0 && j >= 0 && i + height <= rows && j + width <= columns, "erase box outside the tensor")
        tensor.values.withUnsafeMutableBufferPointer { values in
            for c in 0..<channels {
                let fill = value[value.count == 1 ? 0 : c]
                for y in i..<(i + height) {
                    let base = (c &* rows &+ y) &* columns
                    for x in j..<(j + width) { values[base &+ x] = fill }
                }
            }
        }
    }

    /// Erase with a standard normal value per erased element (`value: random`).
    public static func eraseWithNoise(_ tensor: inout Tensor, top i: Int, left j: Int, height: Int, width: Int,
                                      using generator: inout SampleRNG) {
        let channels = tensor.shape[0], rows = tensor.shape[1], columns = tensor.shape[2]
        precondition(i >= 0 && j >= 0 && i + height <= rows && j + width <= columns, "erase box outside the tensor")
        tensor.values.withUnsafeMutableBufferPointer { values in
            for c in 0..<channels {
                for y in i..<(i + height) {
                    // Row by row, in the same order as one normal per element.
                    generator.fillNormal(UnsafeMutableBufferPointer(rebasing: values[((c * rows + y) * columns + j)..<((c * rows + y) * columns + j + width)]))
                }
            }
        }
    }

    /// `x + mean + sigma * N(0, 1)` per element, clamped to [0, 1] if `clip`, in place.
    public static func gaussianNoise(_ tensor: inout Tensor, mean: Float, sigma: Float, clip: Bool, using generator: inout SampleRNG) {
        // Normals are drawn in blocks (same sequence as one by one), then added.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 1024) { noise in
            tensor.values.withUnsafeMutableBufferPointer { values in
                var start = 0
                while start < values.count {
                    let count = min(1024, values.count - start)
                    let block = UnsafeMutableBufferPointer(rebasing: noise[0..<count])
                    generator.fillNormal(block)
                    for offset in 0..<count {
                        var value = values[start &+ offset] + mean + sigma * block[offset]
                        if clip { value = min(max(value, 0), 1) }
                        values[start &+ offset] = value
                    }
                    start += count
                }
            }
        }
    }
}
