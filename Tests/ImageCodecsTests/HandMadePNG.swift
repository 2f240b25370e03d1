import TensorCore

/// PNGs written without libpng, with one chosen filter type on every row and the zlib data in
/// stored (uncompressed) blocks split over several IDAT chunks: libpng's encoder picks filters
/// itself, and the decoders must undo each of the five.
enum HandMadePNG {
    static func encode(_ image: Image<UInt8>, filter: UInt8) -> [UInt8] {
        let colorType: UInt8 = [1: 0, 2: 4, 3: 2, 4: 6][image.channels]!
        let step = image.channels, length = image.width * image.channels
        var raw: [UInt8] = []
        for y in 0..<image.height {
            raw.append(filter)
            for x in 0..<length {
                let value = image.pixels[y * length + x]
                let left = x >= step ? image.pixels[y * length + x - step] : 0
                let up = y > 0 ? image.pixels[(y - 1) * length + x] : 0
                let upLeft = x >= step && y > 0 ? image.pixels[(y - 1) * length + x - step] : 0
                let predictor: UInt8 = switch filter {
                case 1: left
                case 2: up
                case 3: UInt8((Int(left) + Int(up)) / 2)
                case 4: paeth(left, up, upLeft)
                default: 0
                }
                raw.append(value &- predictor)
            }
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {   // stored blocks of at most 100 bytes
            let count = min(100, raw.count - offset)
            zlib.append(offset + count == raw.count ? 1 : 0)
            zlib += [UInt8(count & 0xff), UInt8(count >> 8), UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
            zlib += raw[offset..<offset + count]
            offset += count
        } while offset < raw.count
        zlib += bigEndian(adler32(raw))
        var file: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        file += chunk("IHDR", bigEndian(UInt32(image.width)) + bigEndian(UInt32(image.height)) + [8, colorType, 0, 0, 0])
        let third = zlib.count / 3
        for part in [zlib[..<third], zlib[third..<(2 * third)], zlib[(2 * third)...]] { file += chunk("IDAT", Array(part)) }
        file += chunk("IEND", [])
        return file
    }

    /// The data length of the chunk starting at `offset`.
    static func chunkLength(_ file: [UInt8], at offset: Int) -> Int {
        file[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }

    /// Rewrites the CRC of the chunk at `offset` to match its (changed) type and data.
    static func fixCRC(_ file: inout [UInt8], chunkAt offset: Int) {
        let length = chunkLength(file, at: offset)
        let crc = bigEndian(crc32(Array(file[offset + 4..<offset + 8 + length])))
        file.replaceSubrange(offset + 8 + length..<offset + 12 + length, with: crc)
    }

    private static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let (pa, pb, pc) = (abs(p - Int(a)), abs(p - Int(b)), abs(p - Int(c)))
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xffff_ffff
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
