import COpenBLAS

/// OpenBLAS's thread count. With the data pipeline decoding on the same cores, one BLAS
/// thread is faster than two that fight the workers (REFERENCE §5).
public enum BLASThreads {
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    public static var current: Int { Int(openblas_get_num_threads()) }
}
