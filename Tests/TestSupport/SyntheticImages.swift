import TensorCore

/// Small images made in the test, with known pixel values.
public enum SyntheticImages {
    /// A diagonal gradient; channel c of pixel (y, x) is (x * 7 + y * 13 + c * 50) % 256.
    public static func gradient(width: Int, height: Int, channels: Int) -> Image<UInt8> {
        var image = Image<UInt8>(width: width, height: height, channels: channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { image[y, x, c] = UInt8((x * 7 + y * 13 + c * 50) % 256) }
            }
        }
        return image
    }

    /// Squares of `cell` pixels alternating between 0 and 255 in every channel.
    public static func checkerboard(width: Int, height: Int, channels: Int, cell: Int = 4) -> Image<UInt8> {
        var image = Image<UInt8>(width: width, height: height, channels: channels)
        for y in 0..<height {
            for x in 0..<width where ((x / cell) + (y / cell)) % 2 == 1 {
                for c in 0..<channels { image[y, x, c] = 255 }
            }
        }
        return image
    }

    /// Deterministic pseudo-random noise (SplitMix64 from `seed`).
    public static func noise(width: Int, height: Int, channels: Int, seed: UInt64) -> Image<UInt8> {
        var state = seed
        var image = Image<UInt8>(width: width, height: height, channels: channels)
        for index in image.pixels.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            image.pixels[index] = UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
        return image
    }
}
