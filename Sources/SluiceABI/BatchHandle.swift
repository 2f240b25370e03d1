import CSluiceABI
import TensorCore

/// Owns a batch handed to C: the `sluice_batch` it describes points into the batch's own
/// storage (zero copy). The batch is never mutated while the handle lives, so the array
/// buffers those pointers address stay where they are; releasing the handle drops the batch
/// (and its storage token), and the loader's pool then reuses its storage.
final class BatchHandle {
    private let batch: Batch
    /// The image of a uint8 sample (before to_float), else empty.
    private let pixels: [UInt8]
    private let indices: [Int64]
    let view: UnsafeMutablePointer<sluice_batch>

    /// A float32 batch [N, C, H, W], or a uint8 one [N, H, W, C] (`Batch.pixelShape`).
    convenience init(_ batch: Batch) {
        self.init(batch, pixels: [], shape: batch.pixelShape ?? batch.images.shape)
    }

    /// A batch of one uint8 image [1, H, W, C] (a sample before to_float).
    convenience init(image: Image<UInt8>, label: Int64, index: Int) {
        self.init(Batch(images: Tensor(), labels: [label], indices: [index]), pixels: image.pixels, shape: [1] + image.shape)
    }

    private init(_ batch: Batch, pixels: [UInt8], shape: [Int]) {
        self.batch = batch
        self.pixels = pixels
        indices = batch.indices.map(Int64.init)
        let isFloat = pixels.isEmpty && batch.pixelShape == nil
        var images = sluice_tensor()
        images.dtype = Int32(isFloat ? SLUICE_FLOAT32 : SLUICE_UINT8)
        images.ndim = Int32(shape.count)
        withUnsafeMutableBytes(of: &images.shape) { bytes in
            for (axis, size) in shape.enumerated() { bytes.storeBytes(of: Int64(size), toByteOffset: axis * 8, as: Int64.self) }
        }
        images.data = pixels.isEmpty
            ? self.batch.images.values.withUnsafeBufferPointer { UnsafeMutableRawPointer(mutating: $0.baseAddress) }
            : self.pixels.withUnsafeBufferPointer { UnsafeMutableRawPointer(mutating: $0.baseAddress) }
        view = .allocate(capacity: 1)
        view.initialize(to: sluice_batch(
            images: images,
            labels: self.batch.labels.withUnsafeBufferPointer { $0.baseAddress },
            indices: self.indices.withUnsafeBufferPointer { $0.baseAddress },
            count: Int64(batch.count),
            owner: nil,
            targets: self.batch.targets.map { targets in targets.values.withUnsafeBufferPointer { $0.baseAddress } } ?? nil,
            classes: Int64(batch.targets?.shape.last ?? 0)))
        view.pointee.owner = UnsafeMutableRawPointer(Unmanaged.passRetained(self).toOpaque())
    }

    deinit {
        view.deinitialize(count: 1)
        view.deallocate()
    }
}

@_cdecl("sluice_batch_release")
public func sluice_batch_release(_ batch: UnsafeMutablePointer<sluice_batch>?) {
    guard let owner = batch?.pointee.owner else { return }
    Unmanaged<BatchHandle>.fromOpaque(owner).release()
}
