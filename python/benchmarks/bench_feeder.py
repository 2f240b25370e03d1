"""The feeder from Python against the same feeder in `sluice bench --suite pipeline`: what the
binding costs. Each round runs the CLI's pipeline suite (median of its timed epochs) and, right
after or before it (alternating), the same epochs through `sluice.Loader` in this process;
the ratio is the median of the rounds' ratios, with its range, and the same for images per
CPU-second (all threads of each process: what the binding costs, less moved by a busy host).

    python python/benchmarks/bench_feeder.py [--workers 1 2] [--rounds 3] [--photos samples/photos]

Cases: Fashion-MNIST from its IDX files (pipelines/fashion-mnist.yaml), the CIFAR recipe on
10,000 32x32 PNGs (pipelines/cifar10.yaml, the suite's small-png set), and the photos recipe on
the photos folder (pipelines/photos.yaml). Build the CLI first: swift build -c release.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import sluice

REPOSITORY = Path(__file__).resolve().parents[2]
CASES = [
    ("Fashion-MNIST IDX", "pipelines/fashion-mnist.yaml", None),
    ("CIFAR recipe, 32x32 PNG", "pipelines/cifar10.yaml", "small-png"),
    ("photos recipe", "pipelines/photos.yaml", "photos"),
]


def cli_rate(cli: Path, pipeline: str, data_set: str | None, workers: int, repeats: int, photos: str, cache: str) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        command = [str(cli), "bench", "--suite", "pipeline", "--pipeline", pipeline, "--workers", str(workers),
                   "--repeats", str(repeats), "--photos", photos, "--cache", cache, "--json", output.name]
        if data_set:
            command += ["--set", data_set]
        subprocess.run(command, cwd=REPOSITORY, check=True, capture_output=True)
        row = json.loads(Path(output.name).read_text())[0]
        return row["images_per_second"], row["images_per_cpu_second"]


def python_rate(pipeline: str, source: str | None, workers: int, repeats: int) -> tuple[float, float]:
    """Images per second and per CPU-second (every thread of this process), medians."""
    loader = sluice.Loader(REPOSITORY / pipeline, "train", workers=workers, source=source)
    for _ in loader.epoch(0):   # warm-up, as the CLI's
        pass
    rates, cpu_rates = [], []
    for epoch in range(repeats):
        start, cpu_start, images = time.perf_counter(), time.process_time(), 0
        for _, labels in loader.epoch(epoch):
            images += len(labels)
        rates.append(images / (time.perf_counter() - start))
        cpu_rates.append(images / (time.process_time() - cpu_start))
    return statistics.median(rates), statistics.median(cpu_rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per side and round")
    parser.add_argument("--photos", default="samples/photos")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "sluice-bench-v1"), help="as sluice bench --cache")
    parser.add_argument("--case", default="", help="only the cases whose name contains this (e.g. IDX)")
    parser.add_argument("--sluice", type=Path, default=REPOSITORY / ".build" / "release" / "sluice")
    arguments = parser.parse_args()
    if not arguments.sluice.exists():
        parser.error(f"{arguments.sluice}: build it first (swift build -c release)")
    print(f"{'case':<26} {'workers':>7} {'CLI img/s':>11} {'Python img/s':>13} {'Python/CLI':>11}  {'range':<13}  per CPU-second")
    for name, pipeline, data_set in (case for case in CASES if arguments.case in case[0]):
        photos = str(REPOSITORY / arguments.photos)
        source = None if data_set is None else (photos if data_set == "photos" else os.path.join(arguments.cache, data_set))
        for workers in arguments.workers:
            cli_rates, python_rates = [], []
            for round_number in range(arguments.rounds):
                sides = [lambda: cli_rates.append(cli_rate(arguments.sluice, pipeline, data_set, workers, arguments.repeats, photos, arguments.cache)),
                         lambda: python_rates.append(python_rate(pipeline, source, workers, arguments.repeats))]
                for side in sides if round_number % 2 == 0 else reversed(sides):
                    side()   # the CLI writes the set on its first run, before Python reads it
            ratios = [p[0] / c[0] for p, c in zip(python_rates, cli_rates)]
            cpu_ratios = [p[1] / c[1] for p, c in zip(python_rates, cli_rates)]
            print(f"{name:<26} {workers:>7} {statistics.median(c[0] for c in cli_rates):>11,.0f} "
                  f"{statistics.median(p[0] for p in python_rates):>13,.0f} {statistics.median(ratios):>11.1%}  "
                  f"{f'{min(ratios):.1%}-{max(ratios):.1%}':<13}  {statistics.median(cpu_ratios):.1%}", flush=True)


if __name__ == "__main__":
    main()
