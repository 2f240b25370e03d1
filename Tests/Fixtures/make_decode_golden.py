#!/usr/bin/env python3
"""Writes Tests/Fixtures/decode-golden.json: what Pillow decodes from every sample image.

For each file: the mode Pillow opens it in, and SHA-256 digests of the bytes of
convert("RGB") and convert("L") (HWC, uint8). 16-bit files also carry the reference high
bytes (Pillow's convert("L") clips 16-bit gray at 255 instead of scaling; Sluice keeps the
high byte, as Pillow does for 16-bit colour). Also writes the JPEG fixtures of
Tests/Fixtures/jpeg/ (restart markers, YCCK, CMYK, many-scan progressive) with Sluice's own
encoder (Sources/CSluiceCodecs/encode.c, built here as a shared library), so that Pillow's
decode of them becomes golden too.

Run from the repository root: python3 Tests/Fixtures/make_decode_golden.py (needs Pillow, numpy).
"""
import ctypes, glob, hashlib, json, os, subprocess, sys, tempfile
import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


class Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("size", ctypes.c_size_t), ("capacity", ctypes.c_size_t)]


class JpegOptions(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int32) for name in
                ("quality", "progressive", "restart_interval", "luma_h_sampling", "luma_v_sampling", "ycck")]


def build_encoder():
    out = os.path.join(tempfile.mkdtemp(), "libslencode.so")
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-I", os.path.join(ROOT, "Sources/CSluiceCodecs/include"),
                    os.path.join(ROOT, "Sources/CSluiceCodecs/encode.c"), "-ljpeg", "-lpng", "-o", out], check=True)
    return ctypes.CDLL(out)


def encode_jpeg(lib, pixels, **options):
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = pixels.shape[:2]
    c = 1 if pixels.ndim == 2 else pixels.shape[2]
    opts = JpegOptions(options.get("quality", 90), options.get("progressive", 0), options.get("restart", 0),
                       options.get("h", 2), options.get("v", 2), options.get("ycck", 0))
    buf, msg = Buffer(), ctypes.create_string_buffer(256)
    status = lib.sl_jpeg_encode(pixels.ctypes.data_as(ctypes.c_void_p), w, h, c, ctypes.c_size_t(w * c),
                                ctypes.byref(opts), ctypes.byref(buf), msg)
    assert status == 0, msg.value
    data = ctypes.string_at(buf.data, buf.size)
    lib.sl_buffer_free(ctypes.byref(buf))
    return data


def make_jpeg_fixtures():
    lib = build_encoder()
    photo = np.asarray(Image.open(os.path.join(ROOT, "samples/photos/chelsea.jpg")).convert("RGB"))[40:113, 60:157]
    cmyk = np.asarray(Image.fromarray(photo).convert("CMYK"))
    inverted = 255 - cmyk   # Adobe convention: what Photoshop stores
    fixtures = {
        "restart-markers-420.jpg": encode_jpeg(lib, photo, restart=1),
        "restart-markers-444-progressive.jpg": encode_jpeg(lib, photo, restart=3, h=1, v=1, progressive=1),
        "ycck-adobe.jpg": encode_jpeg(lib, inverted, ycck=1),
        "cmyk-adobe.jpg": encode_jpeg(lib, inverted),
        "gray-restart.jpg": encode_jpeg(lib, photo[:, :, 1], restart=2),
        "odd-size-411.jpg": encode_jpeg(lib, photo[:31, :45], h=4, v=1),
    }
    for name, data in fixtures.items():
        with open(os.path.join(FIXTURES, "jpeg", name), "wb") as f:
            f.write(data)


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def main():
    make_jpeg_fixtures()
    paths = sorted(glob.glob(os.path.join(ROOT, "samples/good/**/*.*"), recursive=True))
    paths += sorted(glob.glob(os.path.join(ROOT, "samples/photos/*.*")))
    paths += sorted(glob.glob(os.path.join(ROOT, "samples/fashion-mnist/test/*/*.png")))[:10]
    paths += sorted(glob.glob(os.path.join(FIXTURES, "jpeg/*.jpg")))
    cases = []
    for path in paths:
        with Image.open(path) as image:
            image.load()
            entry = {"path": os.path.relpath(path, ROOT), "pillow_mode": image.mode,
                     "width": image.width, "height": image.height}
            if image.mode in ("I;16", "I;16B", "I"):
                high = (np.asarray(image).astype(np.uint32) >> 8).astype(np.uint8)
                entry["gray_sha256"] = digest(high)
                entry["rgb_sha256"] = digest(np.repeat(high[:, :, None], 3, axis=2))
                entry["note"] = "16-bit gray: high byte (Pillow's convert('L') clips at 255)"
            else:
                entry["rgb_sha256"] = digest(np.asarray(image.convert("RGB")))
                entry["gray_sha256"] = digest(np.asarray(image.convert("L")))
            entry["native_channels"] = 1 if image.mode in ("1", "L", "LA", "I;16", "I;16B", "I") else 3
        cases.append(entry)
    import PIL
    golden = {"generator": {"Pillow": PIL.__version__, "numpy": np.__version__,
                            "libjpeg_turbo": __import__("PIL.features").features.version("libjpeg_turbo")},
              "cases": cases}
    with open(os.path.join(FIXTURES, "decode-golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    sys.exit(main())
