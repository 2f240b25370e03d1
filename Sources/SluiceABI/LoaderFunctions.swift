import CSluiceABI
import DataPipeline
import Foundation

// The loader's C functions (sluice.h documents each).

@_cdecl("sluice_loader_open")
public func sluice_loader_open(_ path: UnsafePointer<CChar>?, _ text: UnsafePointer<CChar>?,
                               _ options: UnsafePointer<sluice_loader_options>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    ABI.call {
        guard let out else { throw ABIFailure.argument("loader is NULL") }
        out.pointee = nil
        var settings = sluice_loader_options()
        if let options { settings = options.pointee } else { sluice_loader_options_init(&settings) }
        let handle = try LoaderHandle(pipelinePath: path.map { String(cString: $0) }, pipelineText: text.map { String(cString: $0) }, options: settings)
        out.pointee = ABI.retain(handle)
        return Int32(SLUICE_OK)
    }
}

@_cdecl("sluice_loader_close")
public func sluice_loader_close(_ loader: OpaquePointer?) {
    if let loader { ABI.release(loader, as: LoaderHandle.self) }
}

@_cdecl("sluice_loader_batches")
public func sluice_loader_batches(_ loader: OpaquePointer?) -> Int64 {
    loader.map { Int64(ABI.object($0, as: LoaderHandle.self).batches) } ?? 0
}

@_cdecl("sluice_loader_samples")
public func sluice_loader_samples(_ loader: OpaquePointer?) -> Int64 {
    loader.map { Int64(ABI.object($0, as: LoaderHandle.self).samples) } ?? 0
}

@_cdecl("sluice_loader_info")
public func sluice_loader_info(_ loader: OpaquePointer?, _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    ABI.call {
        guard let loader, let json else { throw ABIFailure.argument("loader or json is NULL") }
        let handle = ABI.object(loader, as: LoaderHandle.self)
        let settings = handle.loader.settings
        let info: [String: Any] = [
            "split": handle.split, "sample_shape": handle.loader.sampleShape, "batch_size": settings.batchSize,
            "samples": handle.samples, "batches": handle.batches, "dataset_size": handle.loader.dataset.count,
            "classes": handle.classNames ?? [], "seed": settings.seed, "shuffle": settings.shuffle,
            "drop_last": settings.dropLast, "workers": settings.workers, "prefetch": settings.prefetch,
            "rank": settings.rank, "world_size": settings.worldSize,
        ]
        let data = try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys, .withoutEscapingSlashes])
        json.pointee = ABI.copy(String(decoding: data, as: UTF8.self))
        return Int32(SLUICE_OK)
    }
}

@_cdecl("sluice_loader_order")
public func sluice_loader_order(_ loader: OpaquePointer?, _ epoch: Int64, _ indices: UnsafeMutablePointer<Int64>?, _ capacity: Int64) -> Int64 {
    ABI.call {
        guard let loader else { throw ABIFailure.argument("loader is NULL") }
        guard epoch >= 0 else { throw ABIFailure.argument("epoch \(epoch) is negative") }
        let order = ABI.object(loader, as: LoaderHandle.self).loader.indices(epoch: Int(epoch))
        if let indices {
            for (position, index) in order.prefix(Int(max(0, capacity))).enumerated() { indices[position] = Int64(index) }
        }
        return Int64(order.count)
    }
}
