/// Moves bytes between eight rows and one interleaved buffer (`lanes[j * 8 + r]` is byte `j` of
/// row `r`), eight columns at a time: an 8x8 byte tile is eight 64-bit words, transposed in three
/// rounds of swaps (4-byte, 2-byte, then 1-byte blocks), four words per vector.
enum ByteTranspose {
    /// Interleaves `count` bytes of the rows at `rows`, `rows + stride`, ... `rows + 7 * stride`.
    @inline(__always)
    static func interleave(_ rows: UnsafePointer<UInt8>, stride: Int, count: Int, into lanes: UnsafeMutablePointer<UInt8>) {
        let tiled = count / 8 * 8
        let source = UnsafeRawPointer(rows), target = UnsafeMutableRawPointer(lanes)
        for column in Swift.stride(from: 0, to: tiled, by: 8) {
            var low = SIMD4<UInt64>(), high = SIMD4<UInt64>()
            for row in 0..<4 {
                low[row] = source.loadUnaligned(fromByteOffset: row &* stride &+ column, as: UInt64.self)
                high[row] = source.loadUnaligned(fromByteOffset: (row &+ 4) &* stride &+ column, as: UInt64.self)
            }
            store(transpose(low, high), at: target + column &* 8, step: 8)
        }
        for column in tiled..<count {
            for row in 0..<8 { lanes[column &* 8 &+ row] = rows[row &* stride &+ column] }
        }
    }

    /// The inverse: `count` columns of interleaved bytes back to eight rows `stride` apart.
    @inline(__always)
    static func deinterleave(_ lanes: UnsafePointer<UInt8>, count: Int, into rows: UnsafeMutablePointer<UInt8>, stride: Int) {
        let tiled = count / 8 * 8
        let source = UnsafeRawPointer(lanes), target = UnsafeMutableRawPointer(rows)
        for column in Swift.stride(from: 0, to: tiled, by: 8) {
            var low = SIMD4<UInt64>(), high = SIMD4<UInt64>()
            for word in 0..<4 {
                low[word] = source.loadUnaligned(fromByteOffset: (column &+ word) &* 8, as: UInt64.self)
                high[word] = source.loadUnaligned(fromByteOffset: (column &+ word &+ 4) &* 8, as: UInt64.self)
            }
            store(transpose(low, high), at: target + column, step: stride)
        }
        for column in tiled..<count {
            for row in 0..<8 { rows[row &* stride &+ column] = lanes[column &* 8 &+ row] }
        }
    }

    /// Transposes the 8x8 byte tile whose rows are `low` (words 0-3) and `high` (4-7). Returns
    /// rows 0, 4, 2, 6 and rows 1, 5, 3, 7 of the result, the order the last round leaves them in.
    @inline(__always)
    static func transpose(_ low: SIMD4<UInt64>, _ high: SIMD4<UInt64>) -> (SIMD4<UInt64>, SIMD4<UInt64>) {
        var a = low, b = high   // pairs (r, r + 4): swap 4-byte blocks
        var t = ((a &>> 32) ^ b) & 0x0000_0000_FFFF_FFFF
        b ^= t
        a ^= t &<< 32
        var c = SIMD4(lowHalf: a.lowHalf, highHalf: b.lowHalf)    // rows 0 1 4 5
        var d = SIMD4(lowHalf: a.highHalf, highHalf: b.highHalf)  // rows 2 3 6 7: pairs (r, r + 2)
        t = ((c &>> 16) ^ d) & 0x0000_FFFF_0000_FFFF
        d ^= t
        c ^= t &<< 16
        var e = SIMD4(lowHalf: c.evenHalf, highHalf: d.evenHalf)  // rows 0 4 2 6
        var f = SIMD4(lowHalf: c.oddHalf, highHalf: d.oddHalf)    // rows 1 5 3 7: pairs (r, r + 1)
        t = ((e &>> 8) ^ f) & 0x00FF_00FF_00FF_00FF
        f ^= t
        e ^= t &<< 8
        return (e, f)
    }

    /// Stores the eight words of `transpose`'s result in row order, `step` bytes apart.
    @inline(__always)
    static func store(_ rows: (SIMD4<UInt64>, SIMD4<UInt64>), at target: UnsafeMutableRawPointer, step: Int) {
        let (even, odd) = rows
        for slot in 0..<4 {
            let row = (slot & 1) &<< 2 | (slot & 2)   // 0, 4, 2, 6
            target.storeBytes(of: even[slot], toByteOffset: row &* step, as: UInt64.self)
            target.storeBytes(of: odd[slot], toByteOffset: (row &+ 1) &* step, as: UInt64.self)
        }
    }
}
