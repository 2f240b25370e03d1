import CSluiceBLAS

/// C = A·B (+ C when `accumulate`), row-major, through OpenBLAS sgemm (`BLASLibrary`, loaded by
/// the layers' initializers). Work is split over the
/// compute threads by blocks of C's rows or columns, each block a single-threaded sgemm on a
/// Dispatch thread: OpenBLAS's own threads spin between calls and steal the core from the
/// element-wise loops around them. Every element of C is one dot product in the same order
/// whatever the split, so results do not depend on the thread count.
public struct MatrixProduct {
    public var transposeA = false
    public var transposeB = false
    /// Rows of C (and of op(A)), columns of C (and of op(B)), and the shared dimension.
    public let rows: Int, columns: Int, depth: Int

    public init(transposeA: Bool = false, transposeB: Bool = false, rows: Int, columns: Int, depth: Int) {
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.rows = rows
        self.columns = columns
        self.depth = depth
    }

    public func run(_ a: UnsafePointer<Float>, leadingA: Int, _ b: UnsafePointer<Float>, leadingB: Int,
             into c: UnsafeMutablePointer<Float>, leadingC: Int, accumulate: Bool = false) {
        let splitColumns = columns >= rows
        let extent = splitColumns ? columns : rows
        // Blocks of at least 64 rows or columns, on 16-element boundaries.
        let threads = min(ComputeThreads.current, max(1, extent / 64))
        let (shared, inputs) = (UncheckedSendable(c), UncheckedSendable((a, b)))
        let (rows, columns, depth) = (rows, columns, depth)
        let (transposeA, transposeB) = (transposeA, transposeB)
        ComputeThreads.forEachChunk(threads) { parts in
            for part in parts {
                let lower = (extent * part / threads) & ~15
                let upper = part == threads - 1 ? extent : (extent * (part + 1) / threads) & ~15
                guard upper > lower else { continue }
                let (a, b) = inputs.value
                if splitColumns {
                    sl_sgemm(transposeA, transposeB, Int32(rows), Int32(upper - lower), Int32(depth),
                             a, Int32(leadingA), transposeB ? b + lower * leadingB : b + lower, Int32(leadingB),
                             accumulate ? 1 : 0, shared.value + lower, Int32(leadingC))
                } else {
                    sl_sgemm(transposeA, transposeB, Int32(upper - lower), Int32(columns), Int32(depth),
                             transposeA ? a + lower : a + lower * leadingA, Int32(leadingA), b, Int32(leadingB),
                             accumulate ? 1 : 0, shared.value + lower * leadingC, Int32(leadingC))
                }
            }
        }
    }
}
