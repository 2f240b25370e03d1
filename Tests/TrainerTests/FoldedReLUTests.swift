@testable import Trainer
import ModelSpec
import TensorCore
import XCTest

/// A ReLU right before a max pool is folded into the pool (`Model.foldedReLUs`): logits and
/// every gradient must be the bits of running each layer in turn, the ReLU included.
final class FoldedReLUTests: XCTestCase {
    private let specs: [LayerSpec] = [
        .relu, .maxPool(size: 2, stride: nil),   // first: the pool reads the images
        .conv2d(filters: 6, kernel: (3, 3), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
        .maxPool(size: 2, stride: nil),           // 2x2 windows, eight lanes a step
        .conv2d(filters: 5, kernel: (2, 2), stride: 1, padding: .same, dilation: 1, bias: true, initializer: .pytorch), .relu,
        .maxPool(size: 3, stride: 2),             // the general window loop
        .conv2d(filters: 4, kernel: (1, 1), stride: 1, padding: .valid, dilation: 1, bias: true, initializer: .pytorch), .relu,
        .avgPool(size: 1, stride: nil),           // not folded: an average
        .flatten, .dense(units: 3, bias: true, initializer: .pytorch),
    ]

    func testFoldedReLUsGiveTheBitsOfEveryLayerInTurn() throws {
        let shape = [2, 20, 36]
        let folded = try Model(specs, inputShape: shape, seed: 4)
        let plain = try Model(specs, inputShape: shape, seed: 4)
        XCTAssertEqual(folded.layers.indices.filter { (folded.layers[$0] as? Pool2D)?.rectifies == true }, [1, 4, 7])
        for case let pool as Pool2D in plain.layers { pool.rectifies = false }

        var rng = SampleRNG(seed: 9, epoch: 0, index: 0)
        let batch = 3
        var values = (0..<(batch * shape.reduce(1, *))).map { _ in Float(rng.normal()) }
        // The first row of 2x2 windows the first pool sees has no positive value; one window's
        // maximum is -0.
        for x in 0..<72 { values[x] = -abs(values[x]) }
        (values[0], values[1], values[36], values[37]) = (-0.0, -1, -2, -3)
        let images = Tensor(shape: [batch] + shape, values: values)
        let logitsGradient = Tensor(shape: [batch, 3], values: (0..<(batch * 3)).map { _ in Float(rng.normal()) })

        var foldedRNG = SampleRNG(seed: 1, epoch: 0, index: 0)
        let logits = folded.forward(images, mode: .training, rng: &foldedRNG)
        folded.backward(images, logitsGradient: logitsGradient)

        var plainRNG = SampleRNG(seed: 1, epoch: 0, index: 0)
        for (position, layer) in plain.layers.enumerated() {
            layer.forward(position == 0 ? images : plain.layers[position - 1].output, mode: .training, rng: &plainRNG)
        }
        for position in plain.layers.indices.reversed() {
            let gradient = position == plain.layers.count - 1 ? logitsGradient : plain.layers[position + 1].inputGradient
            plain.layers[position].backward(position == 0 ? images : plain.layers[position - 1].output, outputGradient: gradient,
                                            needsInputGradient: position > 0)
        }

        XCTAssertEqual(logits.values.map(\.bitPattern), plain.layers.last!.output.values.map(\.bitPattern))
        for (a, b) in zip(folded.parameters, plain.parameters) {
            XCTAssertEqual(a.gradient.map(\.bitPattern), b.gradient.map(\.bitPattern), a.name)
        }
        // The pools' outputs (the ReLUs' outputs pooled), and the gradients the convolutions get.
        for position in [1, 4, 7] {
            XCTAssertEqual(folded.layers[position].output.values.map(\.bitPattern), plain.layers[position].output.values.map(\.bitPattern))
        }
        for position in [4, 7] {
            XCTAssertEqual(folded.layers[position].inputGradient.values.map(\.bitPattern),
                           plain.layers[position - 1].inputGradient.values.map(\.bitPattern))
        }
    }

    /// One rectifying pool against ReLU then pool, on windows with NaN, -0, ties and no positive
    /// value, for each way the pool computes (eight, four and one 2x2 window a step; 3x3).
    func testARectifyingPoolIsReLUThenPool() throws {
        var rng = SampleRNG(seed: 2, epoch: 0, index: 0)
        for (shape, size, step) in [([2, 6, 34], 2, Int?.none), ([1, 4, 8], 2, nil), ([1, 4, 2], 2, nil), ([2, 9, 11], 3, 2)] {
            let count = 3 * shape.reduce(1, *)
            var values = (0..<count).map { _ in Float(rng.normal()) }
            for i in stride(from: 0, to: count, by: 7) { values[i] = [Float.nan, -0.0, 0, -1, values[i]][i / 7 % 5] }
            for i in stride(from: 3, to: count, by: 11) { values[i] = values[i - 1] }   // ties
            let last = count - shape[1] * shape[2], width = shape[2]                  // a window with no positive value
            (values[last], values[last + 1], values[last + width], values[last + width + 1]) = (-1, -0.0, -2, -3)
            let input = Tensor(shape: [3] + shape, values: values)
            let relu = ReLU(inputShape: shape)
            let pool = try Pool2D(inputShape: shape, reduction: .max, size: size, stride: step)
            let rectifying = try Pool2D(inputShape: shape, reduction: .max, size: size, stride: step)
            rectifying.rectifies = true
            let outputGradient = Tensor(shape: [3] + pool.outputShape,
                                        values: (0..<(3 * pool.outputShape.reduce(1, *))).map { _ in Float(rng.normal()) })
            relu.forward(input, mode: .training, rng: &rng)
            pool.forward(relu.output, mode: .training, rng: &rng)
            pool.backward(relu.output, outputGradient: outputGradient, needsInputGradient: true)
            relu.backward(input, outputGradient: pool.inputGradient, needsInputGradient: true)
            rectifying.forward(input, mode: .training, rng: &rng)
            rectifying.backward(input, outputGradient: outputGradient, needsInputGradient: true)
            XCTAssertEqual(rectifying.output.values.map(\.bitPattern), pool.output.values.map(\.bitPattern), "\(shape) \(size)")
            XCTAssertEqual(rectifying.inputGradient.values.map(\.bitPattern), relu.inputGradient.values.map(\.bitPattern), "\(shape) \(size)")
            XCTAssertTrue(pool.output.values.contains { $0.isNaN } && pool.output.values.contains { $0 == 0 }, "\(shape) \(size)")
        }
    }
}
