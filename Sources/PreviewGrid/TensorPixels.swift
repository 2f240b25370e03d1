import TensorCore

/// Float CHW tensors back to viewable uint8 HWC: un-normalize, clamp to [0, 1], scale to 0-255.
public enum TensorPixels {
    /// `mean` and `std` are the chain's `normalize` values (one, or one per channel).
    public static func image(from tensor: Tensor, mean: [Float] = [0], std: [Float] = [1]) -> Image<UInt8> {
        let channels = tensor.shape[0], height = tensor.shape[1], width = tensor.shape[2]
        var image = Image<UInt8>(width: width, height: height, channels: channels)
        let plane = height * width
        for c in 0..<channels {
            let m = mean[mean.count == 1 ? 0 : c], s = std[std.count == 1 ? 0 : c]
            for index in 0..<plane {
                let value = min(max(tensor.values[c * plane + index] * s + m, 0), 1)
                image.pixels[index * channels + c] = UInt8((value * 255).rounded())
            }
        }
        return image
    }
}
