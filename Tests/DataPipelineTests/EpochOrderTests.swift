import DataPipeline
import XCTest

final class EpochOrderTests: XCTestCase {
    func testOrderIsAPureFunctionOfSeedAndEpoch() {
        let a = EpochOrder.order(count: 1000, seed: 7, epoch: 2, shuffle: true)
        XCTAssertEqual(a, EpochOrder.order(count: 1000, seed: 7, epoch: 2, shuffle: true))
        XCTAssertEqual(a.sorted(), Array(0..<1000))
        XCTAssertNotEqual(a, EpochOrder.order(count: 1000, seed: 7, epoch: 3, shuffle: true))
        XCTAssertNotEqual(a, EpochOrder.order(count: 1000, seed: 8, epoch: 2, shuffle: true))
        XCTAssertEqual(EpochOrder.order(count: 5, seed: 7, epoch: 2, shuffle: false), [0, 1, 2, 3, 4])
        XCTAssertEqual(EpochOrder.order(count: 0, seed: 7, epoch: 2, shuffle: true), [])
    }

    /// PyTorch's DistributedSampler.__iter__, transcribed, as the reference.
    private func distributedSampler(_ indices: [Int], rank: Int, world: Int, dropLast: Bool) -> [Int] {
        let n = indices.count
        let numSamples = dropLast && n % world != 0 ? Int((Double(n - world) / Double(world)).rounded(.up))
                                                    : Int((Double(n) / Double(world)).rounded(.up))
        let total = numSamples * world
        var list = indices
        if !dropLast {
            let padding = total - list.count
            if padding <= list.count {
                list += list.prefix(padding)
            } else {
                let repeats = Int((Double(padding) / Double(list.count)).rounded(.up))
                list += Array(Array(repeating: list, count: repeats).joined()).prefix(padding)
            }
        } else {
            list = Array(list.prefix(total))
        }
        return stride(from: rank, to: total, by: world).map { list[$0] }
    }

    func testPartitionSplitsAsDistributedSampler() {
        for count in 1...23 {
            let order = EpochOrder.order(count: count, seed: 1, epoch: 0, shuffle: true)
            for world in 1...5 {
                for dropLast in [false, true] {
                    var covered: [Int] = []
                    for rank in 0..<world {
                        let part = Partition(rank: rank, worldSize: world, dropLast: dropLast).apply(order)
                        XCTAssertEqual(part, distributedSampler(order, rank: rank, world: world, dropLast: dropLast),
                                       "n \(count) world \(world) rank \(rank) drop \(dropLast)")
                        covered += part
                    }
                    if !dropLast { XCTAssertEqual(Set(covered), Set(order)) }   // every sample, padded by repeats
                }
            }
        }
    }
}
