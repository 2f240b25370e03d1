"""Builds libSluiceABI.so with SwiftPM (the repository this folder is in) into the package.

`pip install ./python` from the repository root runs `swift build -c release --product
SluiceABI`, copies the library beside the Python modules, and with it the Swift runtime
libraries it links, so the installed package imports with no environment variable set, even
where the Swift toolchain is not (the library finds them through its $ORIGIN run path).
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

REPOSITORY = Path(__file__).resolve().parent.parent
LIBRARY = "libSluiceABI.so"


class BuildWithSwift(build_py):
    def run(self) -> None:
        super().run()
        if not (REPOSITORY / "Package.swift").exists():
            raise SystemExit(f"{REPOSITORY}: not the Sluice repository (no Package.swift); run `pip install ./python` from a clone of it")
        if shutil.which("swift") is None:
            raise SystemExit("swift is not on PATH: install the Swift toolchain (swift.org) to build the package")
        print("building libSluiceABI.so: swift build -c release --product SluiceABI", flush=True)
        subprocess.run(["swift", "build", "-c", "release", "--product", "SluiceABI"], cwd=REPOSITORY, check=True)
        target = Path(self.build_lib) / "sluice"
        target.mkdir(parents=True, exist_ok=True)
        built = REPOSITORY / ".build" / "release" / LIBRARY
        shutil.copy2(built, target / LIBRARY)
        for runtime in swift_runtime_libraries(built):
            shutil.copy2(runtime, target / runtime.name)


def swift_runtime_libraries(library: Path) -> list:
    """The shared libraries of the Swift toolchain that `library` loads (ldd), to ship with it."""
    output = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True).stdout
    found = []
    for line in output.splitlines():
        parts = line.split("=>")
        if len(parts) == 2:
            path = parts[1].strip().split(" (")[0]
            if "/lib/swift/" in path and os.path.exists(path):
                found.append(Path(path))
    return found


class BinaryDistribution(Distribution):
    """The wheel holds a native library: it is for this platform only."""

    def has_ext_modules(self) -> bool:
        return True


setup(cmdclass={"build_py": BuildWithSwift}, distclass=BinaryDistribution)
