import CSluiceKernels
import Foundation
import XCTest

/// The C kernels touch no byte outside their buffers: each input and output is placed against
/// an unreadable page, once ending where the page begins and once starting where it ends, for
/// sizes around every vector width and both vector widths, so a read or write one byte out of
/// bounds crashes the test (AddressSanitizer does not see gathers or vector loads the kernels
/// make through intrinsics).
final class KernelBoundsTests: XCTestCase {
    /// `count` bytes between two unreadable pages, against the one after (`atEnd`) or the one before.
    private final class GuardedBytes {
        let pointer: UnsafeMutablePointer<UInt8>
        private let region: UnsafeMutableRawPointer
        private let length: Int

        init(_ count: Int, atEnd: Bool) throws {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let pages = max(1, (count + page - 1) / page)
            length = (pages + 2) * page
            guard let region = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), region != MAP_FAILED,
                  mprotect(region, page, PROT_NONE) == 0, mprotect(region + (pages + 1) * page, page, PROT_NONE) == 0 else {
                throw XCTSkip("mmap or mprotect failed")
            }
            self.region = region
            pointer = (atEnd ? region + (pages + 1) * page - count : region + page).assumingMemoryBound(to: UInt8.self)
            for i in 0..<count { pointer[i] = UInt8(truncatingIfNeeded: i &* 37 &+ count) }
        }

        var floats: UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self) }

        deinit { munmap(region, length) }
    }

    /// `body` for both placements and both vector widths.
    private func everyPlacement(_ body: (Bool) throws -> Void) rethrows {
        defer { sl_kernels_avoid_avx512(0) }
        for avoid in [Int32(0), 1] {
            sl_kernels_avoid_avx512(avoid)
            for atEnd in [true, false] { try body(atEnd) }
        }
    }

    private let pixelCounts = Array(0...50) + [63, 64, 65, 127, 128, 129, 1000]

    func testColourAndToneKernelsStayInTheirBuffers() throws {
        let tables = [UInt8](repeating: 7, count: 3 * 256)
        try everyPlacement { atEnd in
            for pixels in pixelCounts {
                let rgb = try GuardedBytes(3 * pixels, atEnd: atEnd)
                _ = sl_luma_sum(rgb.pointer, pixels)
                sl_blend_constant(rgb.pointer, 3 * pixels, 90, 0.7)
                sl_blend_luma(rgb.pointer, pixels, 1.4)
                sl_hue_shift(rgb.pointer, pixels, 40)
                sl_posterize(rgb.pointer, 3 * pixels, 0xF0)
                sl_solarize(rgb.pointer, 3 * pixels, 128)
                sl_apply_tables(rgb.pointer, pixels, 3, tables)
                sl_apply_tables(rgb.pointer, 3 * pixels, 1, tables)
            }
        }
    }

    func testHealthKernelsStayInTheirBuffers() throws {
        try everyPlacement { atEnd in
            for pixels in pixelCounts {
                var hist = [UInt64](repeating: 0, count: 3 * 256)
                var buckets = [UInt64](repeating: 0, count: Int(SL_BRIGHTNESS_BUCKETS))
                let rgb = try GuardedBytes(3 * pixels, atEnd: atEnd), keys = try GuardedBytes(4 * pixels, atEnd: atEnd)
                sl_histogram(rgb.pointer, pixels, 3, &hist, &buckets, UnsafeMutableRawPointer(keys.pointer).assumingMemoryBound(to: UInt32.self))
                sl_histogram(rgb.pointer, 3 * pixels, 1, &hist, nil, nil)
                var digest: [UInt64] = [0, 0]
                sl_digest128(rgb.pointer, 3 * pixels, 1, &digest)
                for width in [1, 2, 3, 17] where pixels % width == 0 && pixels > 0 {
                    var counts = [UInt32](repeating: 0, count: 256), edges = [UInt32](repeating: 0, count: 256)
                    sl_edge_histograms(rgb.pointer, Int32(width), Int32(pixels / width), &counts, &edges)
                }
            }
        }
    }

    func testBlurAndWarpsStayInTheirBuffers() throws {
        let kernel: [Float] = [0.1, 0.2, 0.4, 0.2, 0.1]
        let maps: [[Double]] = [[1, 0, 0.25, 0, 1, 0.25], [0.9, 0.05, 0.6, -0.05, 0.9, 0.4], [1.2, 0, -0.3, 0, 1.2, -0.3],
                                [cos(0.4), sin(0.4), -0.5, -sin(0.4), cos(0.4), 1.5]]
        let fill: [UInt8] = [1, 2, 3]
        try everyPlacement { atEnd in
            for (width, height) in [(1, 1), (2, 3), (7, 5), (16, 4), (17, 9), (33, 6), (40, 2)] {
                for channels in [1, 3] {
                    let count = width * height * channels
                    let input = try GuardedBytes(count, atEnd: atEnd), output = try GuardedBytes(count, atEnd: atEnd)
                    var scratch = [Float](repeating: 0, count: sl_gaussian_blur_scratch(Int32(width), Int32(channels), 5, 3))
                    sl_gaussian_blur(input.pointer, Int32(height), Int32(width), Int32(channels), kernel, 5, [0.25, 0.5, 0.25], 3,
                                     output.pointer, &scratch)
                    for a in maps {
                        for filter in [SL_WARP_NEAREST, SL_WARP_BILINEAR, SL_WARP_BICUBIC] {
                            sl_affine_warp(input.pointer, Int32(height), Int32(width), Int32(channels), a, Int32(filter), fill,
                                           output.pointer, Int32(height), Int32(width))
                        }
                    }
                }
            }
        }
    }

    func testToFloatStaysInItsBuffers() throws {
        let fill: [UInt8] = [0], mean: [Float] = [0.5], std: [Float] = [0.25]
        try everyPlacement { atEnd in
            for (width, height) in [(1, 1), (3, 2), (8, 8), (15, 3), (17, 5), (33, 2)] {
                for channels in [1, 3] {
                    let input = try GuardedBytes(width * height * channels, atEnd: atEnd)
                    // The whole image, a crop that pads past every edge, and a mirrored one.
                    let windows = [sl_window(top: 0, left: 0, height: Int32(height), width: Int32(width), flip_x: 0, flip_y: 0),
                                   sl_window(top: -2, left: -3, height: Int32(height + 4), width: Int32(width + 6), flip_x: 0, flip_y: 0),
                                   sl_window(top: 0, left: 0, height: Int32(height), width: Int32(width), flip_x: 1, flip_y: 1)]
                    for window in windows {
                        let output = try GuardedBytes(4 * Int(window.height * window.width) * channels, atEnd: atEnd)
                        sl_to_float(input.pointer, Int32(height), Int32(width), Int32(channels), window, Int32(channels), fill, 1,
                                    mean, std, 1, output.floats)
                    }
                }
            }
        }
    }
}
