import CSluiceKernels
import TensorCore

/// The float32 CHW operations: conversion, normalisation, erasing and noise. Each kernel works
/// on a `TensorView`; the `Tensor` forms size the tensor and call it.
public enum FloatOps {
    /// torchvision's `to_dtype(float32, scale=True)`: `float32(x) * float32(1/255)` (a multiply
    /// by the rounded reciprocal, not `x / 255`), HWC -> CHW. With `normalize`, each value then
    /// goes through `(x - mean[c]) / std[c]` in the same pass: the same float operations in the
    /// same order as `normalize` after, so the same bits, with one pass over memory instead of two.
    /// A gray `source` may fill a view of more channels, each the gray plane, as from its RGB copy.
    public static func toFloat(_ source: Image<UInt8>, into view: TensorView, normalize: (mean: [Float], std: [Float])? = nil) {
        toFloat(source, window: ReadWindow(height: source.height, width: source.width), into: view, normalize: normalize)
    }

    /// `toFloat` of a window of `source`: the pixels a crop (with constant padding) and flips
    /// would have left, read in the same pass (the C kernel `sl_to_float`), so the same bits as
    /// those transforms then `toFloat`.
    public static func toFloat(_ source: Image<UInt8>, window: ReadWindow, into view: TensorView, normalize: (mean: [Float], std: [Float])? = nil) {
        let channels = source.channels
        precondition(view.height == window.height && view.width == window.width
                      && (view.channels == channels || channels == 1), "view shape does not match the window")
        let count = view.channels
        precondition([1, count].contains(window.fill.count), "one fill value, or one per channel")
        precondition(normalize.map { [1, count].contains($0.mean.count) && $0.std.count == $0.mean.count } ?? true,
                     "one mean and std, or one per channel")
        let area = sl_window(top: Int32(window.top), left: Int32(window.left), height: Int32(window.height), width: Int32(window.width),
                             flip_x: window.flipX ? 1 : 0, flip_y: window.flipY ? 1 : 0)
        source.pixels.withUnsafeBufferPointer { pixels in
            sl_to_float(pixels.baseAddress, Int32(source.height), Int32(source.width), Int32(channels), area, Int32(count),
                        window.fill, Int32(window.fill.count), normalize?.mean, normalize?.std, Int32(normalize?.mean.count ?? 1),
                        view.values.baseAddress)
        }
    }

    public static func toFloat(_ source: Image<UInt8>, into destination: inout Tensor) {
        destination.reshape([source.channels, source.height, source.width])
        destination.withView { toFloat(source, into: $0) }
    }

    /// `(x - mean[c]) / std[c]` in float32, in place.
    public static func normalize(_ view: TensorView, mean: [Float], std: [Float]) throws(TransformError) {
        let channels = view.channels, plane = view.height * view.width
        guard mean.count == channels || mean.count == 1, std.count == mean.count else {
            throw TransformError("normalize has \(mean.count) means and \(std.count) stds for \(channels) channels")
        }
        guard std.allSatisfy({ $0 != 0 }) else { throw TransformError("normalize: std must not be zero") }
        let values = view.values
        for c in 0..<channels {
            let m = mean[mean.count == 1 ? 0 : c], s = std[std.count == 1 ? 0 : c]
            let base = c &* plane
            for index in base..<(base &+ plane) { values[index] = (values[index] - m) / s }
        }
    }

    public static func normalize(_ tensor: inout Tensor, mean: [Float], std: [Float]) throws(TransformError) {
        try tensor.withView { view throws(TransformError) in try normalize(view, mean: mean, std: std) }
    }

    /// torchvision's `erase`: the box (top `i`, left `j`, `height` x `width`) set to `value`
    /// (one value for all channels, or one per channel), in place.
    public static func erase(_ view: TensorView, top i: Int, left j: Int, height: Int, width: Int, value: [Float]) {
        let rows = view.height, columns = view.width
        precondition(i >= 0 && j >= 0 && i + height <= rows && j + width <= columns, "erase box outside the tensor")
        let values = view.values
        for c in 0..<view.channels {
            let fill = value[value.count == 1 ? 0 : c]
            for y in i..<(i + height) {
                let base = (c &* rows &+ y) &* columns
                for x in j..<(j + width) { values[base &+ x] = fill }
            }
        }
    }

    public static func erase(_ tensor: inout Tensor, top i: Int, left j: Int, height: Int, width: Int, value: [Float]) {
        tensor.withView { erase($0, top: i, left: j, height: height, width: width, value: value) }
    }

    /// Erase with a standard normal value per erased element (`value: random`): the box's
    /// normals in one block (channel by channel, row by row), then copied to their rows.
    public static func eraseWithNoise(_ view: TensorView, top i: Int, left j: Int, height: Int, width: Int,
                                      using generator: inout SampleRNG) {
        let rows = view.height, columns = view.width
        precondition(i >= 0 && j >= 0 && i + height <= rows && j + width <= columns, "erase box outside the tensor")
        withUnsafeTemporaryAllocation(of: Float.self, capacity: view.channels * height * width) { noise in
            generator.fillNormal(noise)
            guard var next = noise.baseAddress else { return }
            for c in 0..<view.channels {
                for y in i..<(i + height) {
                    (view.values.baseAddress! + (c * rows + y) * columns + j).update(from: next, count: width)
                    next += width
                }
            }
        }
    }

    /// `x + (mean + sigma * N(0, 1))` per element, clamped to [0, 1] if `clip`, in place.
    public static func gaussianNoise(_ view: TensorView, mean: Float, sigma: Float, clip: Bool, using generator: inout SampleRNG) {
        generator.addNormal(to: view.values, mean: mean, sigma: sigma, clip: clip)
    }

    public static func gaussianNoise(_ tensor: inout Tensor, mean: Float, sigma: Float, clip: Bool, using generator: inout SampleRNG) {
        tensor.withView { gaussianNoise($0, mean: mean, sigma: sigma, clip: clip, using: &generator) }
    }
}
