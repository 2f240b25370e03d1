import Foundation

/// Where an epoch stands, to resume it exactly: with any number of workers or prefetch depth,
/// and with another number of ranks (docs/DETERMINISM.md).
///
/// An epoch's order is a pure function of (seed, epoch), every sample's draws come from (seed,
/// epoch, index), and ranks split the order as `DistributedSampler` does; so what was consumed is
/// a list of segments, each a split of what the segments before it left: its world size and how
/// many places of its share each rank has taken (failed samples included). A segment's rank that
/// is not known (a state saved by one rank) is -1; `merged` fills them from the other ranks'.
public struct LoaderState: Codable, Sendable, Equatable {
    public struct Segment: Codable, Sendable, Equatable {
        public var worldSize: Int
        /// Places of its share each rank has taken; -1 where not known.
        public var positions: [Int]

        public init(worldSize: Int, positions: [Int]) {
            self.worldSize = worldSize
            self.positions = positions
        }

        private enum CodingKeys: String, CodingKey { case worldSize = "world_size", positions }
    }

    public static let currentVersion = 1

    public var version: Int
    public var seed: UInt64
    public var epoch: Int
    /// Of what decides the samples and their draws (the dataset listing, transforms, seed,
    /// shuffle, drop_last): a state from another pipeline is refused.
    public var digest: String
    public var segments: [Segment]

    public init(seed: UInt64, epoch: Int, digest: String, segments: [Segment]) {
        version = Self.currentVersion
        self.seed = seed
        self.epoch = epoch
        self.digest = digest
        self.segments = segments
    }

    /// Samples of the epoch consumed over all ranks (padding repeats included), where known.
    public var consumed: Int { segments.reduce(0) { $0 + $1.positions.filter { $0 > 0 }.reduce(0, +) } }

    /// The state of the whole job from the states its ranks saved at the same step: each
    /// segment's known positions put together. The states must be of one epoch and pipeline
    /// and agree where they overlap.
    public static func merged(_ states: [LoaderState]) throws(LoaderStateError) -> LoaderState {
        guard var merged = states.first else { throw LoaderStateError("no states to merge") }
        for state in states.dropFirst() {
            guard state.digest == merged.digest, state.epoch == merged.epoch, state.seed == merged.seed,
                  state.segments.map(\.worldSize) == merged.segments.map(\.worldSize) else {
                throw LoaderStateError("the states are not of one epoch of one job (epoch, seed, pipeline or world sizes differ)")
            }
            for (s, segment) in state.segments.enumerated() {
                for (rank, position) in segment.positions.enumerated() where position >= 0 {
                    let known = merged.segments[s].positions[rank]
                    guard known < 0 || known == position else {
                        throw LoaderStateError("the states disagree on rank \(rank)'s place (\(known) and \(position))")
                    }
                    merged.segments[s].positions[rank] = position
                }
            }
        }
        return merged
    }

    /// The part of `order` (the epoch's order) the segments leave, in order.
    func remainder(of order: [Int], dropLast: Bool, through count: Int) throws(LoaderStateError) -> [Int] {
        var left = order
        for segment in segments.prefix(count) {
            guard !segment.positions.contains(where: { $0 < 0 }) else {
                throw LoaderStateError("the state does not know every rank's place (saved by one rank of \(segment.worldSize)): merge the ranks' states first (LoaderState.merged, sluice.merge_states)")
            }
            left = Self.remainder(of: left, worldSize: segment.worldSize, positions: segment.positions, dropLast: dropLast)
        }
        return left
    }

    /// What ranks that took `positions` places of their shares of `order` left of it: the
    /// places of `order` no rank took, in order (the padding's repeats are not places of it).
    static func remainder(of order: [Int], worldSize: Int, positions: [Int], dropLast: Bool) -> [Int] {
        let partition = Partition(rank: 0, worldSize: worldSize, dropLast: dropLast)
        let end = min(order.count, partition.samplesPerRank(order.count) * worldSize)
        var taken = [Bool](repeating: false, count: end)
        for (rank, count) in positions.enumerated() {
            var place = rank
            for _ in 0..<count where place < end {
                taken[place] = true
                place += worldSize
            }
        }
        return (0..<end).filter { !taken[$0] }.map { order[$0] }
    }
}

/// Why a state cannot be loaded or merged.
public struct LoaderStateError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
