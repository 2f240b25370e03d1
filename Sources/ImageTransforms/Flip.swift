import TensorCore

/// Mirror images of uint8 HWC images.
public enum Flip {
    /// Left-right mirror.
    public static func horizontal(_ source: Image<UInt8>, into destination: inout Image<UInt8>) {
        let width = source.width, channels = source.channels
        destination.reshape(width: width, height: source.height, channels: channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                for y in 0..<source.height {
                    let row = y &* width &* channels
                    switch channels {   // fixed channel counts unroll; the general loop does not
                    case 1:
                        for x in 0..<width { output[row &+ x] = input[row &+ width &- 1 &- x] }
                    case 3:
                        for x in 0..<width {
                            let from = row &+ (width &- 1 &- x) &* 3, to = row &+ x &* 3
                            output[to] = input[from]
                            output[to &+ 1] = input[from &+ 1]
                            output[to &+ 2] = input[from &+ 2]
                        }
                    default:
                        for x in 0..<width {
                            let from = row &+ (width &- 1 &- x) &* channels, to = row &+ x &* channels
                            for c in 0..<channels { output[to &+ c] = input[from &+ c] }
                        }
                    }
                }
            }
        }
    }

    /// Top-bottom mirror.
    public static func vertical(_ source: Image<UInt8>, into destination: inout Image<UInt8>) {
        let rowBytes = source.rowStride, height = source.height
        destination.reshape(width: source.width, height: height, channels: source.channels)
        source.pixels.withUnsafeBufferPointer { input in
            destination.pixels.withUnsafeMutableBufferPointer { output in
                for y in 0..<height where rowBytes > 0 {
                    (output.baseAddress! + y * rowBytes).update(from: input.baseAddress! + (height - 1 - y) * rowBytes, count: rowBytes)
                }
            }
        }
    }
}
