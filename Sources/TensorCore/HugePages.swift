#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel to back the whole 2 MiB pages inside a fresh, not yet touched buffer with
/// transparent huge pages. A batch of photos is tens of MiB, which malloc maps anew for every
/// batch: with 4 KiB pages, first touch costs one fault per page (a fifth of the feeder's time
/// on the photos recipe). Best effort: without THP (or off Linux) nothing changes.
public func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let hugePage = 2 << 20
    guard let base = buffer.baseAddress, buffer.count >= 2 * hugePage else { return }
    let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(hugePage - 1)
    guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(pointer, end - start, MADV_HUGEPAGE)
    #endif
}
