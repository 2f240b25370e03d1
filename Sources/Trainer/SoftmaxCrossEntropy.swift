import Glibc
import TensorCore

/// Mean softmax cross-entropy over a batch of logits [N, K], computed with log-sum-exp so large
/// logits neither overflow nor lose the small probabilities.
public struct SoftmaxCrossEntropy {
    /// dL/dlogits of the last `evaluate`: (softmax - target) / N.
    public private(set) var gradient = Tensor()
    /// Predicted class of each sample of the last `evaluate` (the first maximum).
    public private(set) var predictions: [Int] = []

    public init() {}

    /// The mean loss against one-hot labels (in 0..<K), or against soft `targets` [N, K] when
    /// given (mixup, cutmix: -sum_k t_k log p_k, as PyTorch's cross_entropy with probabilities).
    public mutating func evaluate(logits: Tensor, labels: [Int64], targets: Tensor? = nil, computeGradient: Bool = true) -> Double {
        let batch = logits.shape[0], classes = logits.shape[1]
        precondition(labels.count == batch, "one label per sample")
        precondition(targets == nil || targets!.shape == [batch, classes], "targets are [N, K]")
        if computeGradient { gradient.reshape(logits.shape) }
        predictions.resize(to: batch)
        var total: Double = 0
        let soft = targets?.values ?? []
        logits.values.withUnsafeBufferPointer { z in
            gradient.values.withUnsafeMutableBufferPointer { dz in
                for n in 0..<batch {
                    let row = z.baseAddress! + n * classes
                    var best = 0
                    for k in 1..<classes where row[k] > row[best] { best = k }
                    predictions[n] = best
                    let maximum = Double(row[best])
                    var sum: Double = 0
                    for k in 0..<classes { sum += exp(Double(row[k]) - maximum) }
                    let logSum = maximum + log(sum)
                    let label = Int(labels[n])
                    func target(_ k: Int) -> Double { soft.isEmpty ? (k == label ? 1 : 0) : Double(soft[n * classes + k]) }
                    if soft.isEmpty {
                        total += logSum - Double(row[label])
                    } else {
                        for k in 0..<classes where soft[n * classes + k] != 0 { total += target(k) * (logSum - Double(row[k])) }
                    }
                    guard computeGradient else { continue }
                    let out = dz.baseAddress! + n * classes
                    for k in 0..<classes {
                        let probability = exp(Double(row[k]) - logSum)
                        out[k] = Float((probability - target(k)) / Double(batch))
                    }
                }
            }
        }
        return total / Double(batch)
    }
}
