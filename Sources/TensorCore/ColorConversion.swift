/// Gray <-> RGB conversions with Pillow's exact arithmetic.
public enum ColorConversion {
    /// Pillow's `convert("L")` (Convert.c `L24`): (19595 R + 38470 G + 7471 B + 0x8000) >> 16,
    /// i.e. ITU-R 601-2 luma rounded to nearest.
    public static func rgbToGray(_ source: Image<UInt8>, into destination: inout Image<UInt8>) {
        precondition(source.channels == 3, "rgbToGray needs 3 channels")
        destination.reshape(width: source.width, height: source.height, channels: 1)
        let count = source.pixelCount
        source.pixels.withUnsafeBufferPointer { rgb in
            destination.pixels.withUnsafeMutableBufferPointer { gray in
                for index in 0..<count {
                    let red = UInt32(rgb[3 &* index]), green = UInt32(rgb[3 &* index &+ 1])
                    let blue = UInt32(rgb[3 &* index &+ 2])
                    gray[index] = UInt8(truncatingIfNeeded: (red &* 19595 &+ green &* 38470 &+ blue &* 7471 &+ 0x8000) >> 16)
                }
            }
        }
    }

    /// Pillow's `convert("RGB")` of an "L" image: the value in all three channels.
    public static func grayToRGB(_ source: Image<UInt8>, into destination: inout Image<UInt8>) {
        precondition(source.channels == 1, "grayToRGB needs 1 channel")
        destination.reshape(width: source.width, height: source.height, channels: 3)
        let count = source.pixelCount
        source.pixels.withUnsafeBufferPointer { gray in
            destination.pixels.withUnsafeMutableBufferPointer { rgb in
                for index in 0..<count {
                    let value = gray[index]
                    rgb[3 &* index] = value
                    rgb[3 &* index &+ 1] = value
                    rgb[3 &* index &+ 2] = value
                }
            }
        }
    }
}
