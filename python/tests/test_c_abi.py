"""The C header and the library agree: examples/c/feed.c, compiled against sluice.h and the
installed package's libSluiceABI.so, feeds the batches the Python package does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import sluice
from conftest import REPOSITORY, mixed_folder, write_pipeline  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if compiler is None:
        pytest.fail("no C compiler (cc, clang or gcc) to build examples/c/feed.c")
    library = Path(sluice.__file__).parent
    program = tmp_path_factory.mktemp("c") / "feed"
    subprocess.run([compiler, "-O2", "-Wall", "-Wextra", "-Werror", "-I", str(REPOSITORY / "Sources" / "CSluiceABI" / "include"),
                    str(REPOSITORY / "examples" / "c" / "feed.c"), "-L", str(library), "-lSluiceABI",
                    f"-Wl,-rpath,{library}", "-o", str(program)], check=True)
    return program


def test_the_c_example_feeds_what_python_feeds(feed: Path, mixed_folder: Path, tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path, mixed_folder)
    output = subprocess.run([str(feed), str(pipeline), "train", "2", "2"], capture_output=True, text=True, check=True).stdout
    skipped: list[str] = []
    loader = sluice.Loader(pipeline, workers=2, on_skip=lambda path, reason: skipped.append(f"skipped {path}: {reason}"))
    batches = list(loader.epoch(2))
    assert re.findall(r"^skipped .*$", output, re.M) == skipped and len(skipped) == 4
    assert f"{len(batches)} batches, {sum(len(labels) for _, labels in batches)} samples" in output
    for number, (images, labels) in enumerate(batches[:3]):
        line = re.search(rf"^batch {number}: \[(.*?)\] labels (-?\d+) (-?\d+) (-?\d+) ... sum (\S+)$", output, re.M)
        assert line is not None
        assert [int(size) for size in line.group(1).split(", ")] == list(images.shape)
        assert [int(label) for label in line.group(2, 3, 4)] == labels[:3].tolist()
        assert float(line.group(5)) == pytest.approx(float(images.astype("float64").sum()), abs=1e-3)


def test_the_c_example_reports_errors_with_the_place(feed: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nseed: x\n")
    result = subprocess.run([str(feed), str(path)], capture_output=True, text=True)
    assert result.returncode == 1 and re.match(r"feed: open: .*bad.yaml:2:\d+: ", result.stderr)
