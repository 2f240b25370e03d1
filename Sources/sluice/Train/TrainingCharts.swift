import Drawing
import ImageCodecs
import Trainer

/// `curves.png` and `confusion.png` of a training run.
enum TrainingCharts {
    static let trainColor: Canvas.Color = (31, 119, 180)
    static let validationColor: Canvas.Color = (255, 127, 14)

    /// Loss and accuracy per epoch, train and validation, side by side.
    static func curves(_ records: [EpochRecord]) -> Canvas {
        var canvas = Canvas(width: 960, height: 360)
        LineChart(title: "loss", series: [
            .init(name: "train", values: records.map(\.trainLoss), color: trainColor),
            .init(name: "validation", values: records.map(\.valLoss), color: validationColor),
        ]).draw(into: &canvas, x: 0, y: 0, width: 480, height: 360)
        LineChart(title: "accuracy", series: [
            .init(name: "train", values: records.map(\.trainAccuracy), color: trainColor),
            .init(name: "validation", values: records.map(\.valAccuracy), color: validationColor),
        ]).draw(into: &canvas, x: 480, y: 0, width: 480, height: 360)
        return canvas
    }

    static func confusion(_ matrix: ConfusionMatrix, classNames: [String]) -> Canvas {
        ConfusionChart(classNames: classNames, counts: matrix.counts)
            .render(title: "accuracy \(Terminal.fixed(matrix.accuracy * 100, 2))%")
    }
}

extension Canvas {
    func write(to folder: RunFolder, name: String) throws {
        do { try folder.write(name, try ImageEncoder.png(image)) } catch let error as EncodeError { throw CommandFailure.internal("\(name): \(error)") }
    }
}
