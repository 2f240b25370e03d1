import ImageCodecs
import ImageTransforms

/// What became of one sample read in parallel: its value, or why it could not be used, naming
/// the sample.
public typealias SampleOutcome<Value> = Result<Value, ImageFileError>

extension SampleReader {
    /// `body`'s work on sample `index` as an outcome: a decoding error as it is, any other
    /// failure (a transform's) as the sample being malformed.
    public func attempt<Value>(_ index: Int, _ body: () throws -> Value) -> SampleOutcome<Value> {
        do {
            return .success(try body())
        } catch let error as ImageFileError {
            return .failure(error)
        } catch let error as TransformError {
            return .failure(ImageFileError(path: path(of: index), reason: .malformed(error.message)))
        } catch {
            return .failure(ImageFileError(path: path(of: index), reason: .malformed("\(error)")))
        }
    }
}

/// The successes of samples made in places 0, 1, ... (one per outcome), kept in order: each is
/// moved over the failed places before it with `move(from, to)`, and is returned with the place
/// it was made in; the failures go to `onFailure`, in order.
func keepSuccesses<Value>(_ outcomes: [SampleOutcome<Value>], move: (_ from: Int, _ to: Int) -> Void,
                          onFailure: (ImageFileError) -> Void) -> [(place: Int, value: Value)] {
    var kept: [(place: Int, value: Value)] = []
    for (place, outcome) in outcomes.enumerated() {
        switch outcome {
        case .success(let value):
            if place != kept.count { move(place, kept.count) }
            kept.append((place, value))
        case .failure(let error):
            onFailure(error)
        }
    }
    return kept
}
