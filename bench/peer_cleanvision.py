#!/usr/bin/env python3
"""cleanvision's health checks on a folder, timed, and their agreement with `sluice stats --report`.

    python3 bench/peer_cleanvision.py FOLDER --json cv.json          # run cleanvision, save its answers
    python3 bench/peer_cleanvision.py FOLDER --json cv.json --compare REPORT_DIR/report.json
    python3 bench/peer_cleanvision.py samples/photos --json Tests/Fixtures/cleanvision/photos.json --answers-only

Run it with cleanvision 0.3.7 in a virtual environment of its own (`pip install cleanvision==0.3.7`);
`--compare` alone (with an existing --json) needs only the standard library. The comparison is per
image and check, over the images both tools read, plus the duplicate sets themselves.
"""
import argparse, json, os, sys, time

CHECKS = ["dark", "light", "odd_aspect_ratio", "low_information", "blurry", "grayscale", "odd_size",
          "exact_duplicates", "near_duplicates"]


def run_cleanvision(folder, jobs):
    from cleanvision import Imagelab
    from cleanvision.issue_managers.image_property_issue_manager import ImagePropertyIssueManager
    from cleanvision.utils.utils import get_filepaths
    from PIL import Image
    # cleanvision stops at the first file Pillow cannot read or its scores fail on (a gray + alpha
    # PNG): those are left out, and listed, before the timed run.
    properties = ImagePropertyIssueManager().image_properties.values()
    readable, unreadable, modes = [], [], {}
    for path in get_filepaths(folder):
        try:
            with Image.open(path) as image:
                image.load()
                for prop in properties:
                    prop.calculate(image)
                modes[path] = image.mode
            readable.append(path)
        except Exception:
            unreadable.append(path)
    start = time.perf_counter()
    lab = Imagelab(filepaths=readable, verbose=False)
    lab.find_issues(n_jobs=jobs, verbose=False)
    seconds = time.perf_counter() - start
    issues = lab.issues
    images = {}
    for path, row in issues.iterrows():
        images[relative(path, folder)] = {
            "mode": modes[path],
            "issues": [check for check in CHECKS if bool(row.get(f"is_{check}_issue", False))],
            "scores": {check: float(row[f"{check}_score"]) for check in CHECKS if f"{check}_score" in row},
        }
    sets = {kind: [sorted(relative(p, folder) for p in group) for group in lab.info[kind]["sets"]]
            for kind in ("exact_duplicates", "near_duplicates")}
    return {"tool": "cleanvision 0.3.7", "seconds": seconds, "images_per_second": len(images) / seconds,
            "images": images, "unreadable": [relative(p, folder) for p in unreadable], **sets}


def relative(path, folder):
    """Paths within the folder, so that answers compare wherever the folder is."""
    return os.path.relpath(os.path.realpath(path), os.path.realpath(folder))


def compare(ours_path, theirs, folder):
    with open(ours_path) as file:
        ours = json.load(file)
    flagged = {check: {relative(p, folder) for p in paths} for check, paths in ours["issues"].items()}
    ours_paths = {relative(image["path"], folder) for image in ours["images"]}
    common = sorted(ours_paths & set(theirs["images"]))
    print(f"images: sluice {len(ours_paths)}, cleanvision {len(theirs['images'])}, both {len(common)}")
    print(f"{'check':<18} {'sluice':>7} {'cleanvision':>12} {'agree':>8}  disagreements")
    worst, total_differ = 1.0, 0
    for check in CHECKS:
        mine = flagged.get(check, set())
        agree, differ = 0, []
        for path in common:
            a, b = path in mine, check in theirs["images"][path]["issues"]
            if a == b:
                agree += 1
            else:
                differ.append(("sluice only " if a else "cleanvision only ") + f"{path} ({theirs['images'][path]['mode']})")
        share = agree / max(1, len(common))
        total_differ += len(differ)
        worst = min(worst, share)
        count_ours = sum(p in mine for p in common)
        count_theirs = sum(check in theirs["images"][p]["issues"] for p in common)
        print(f"{check:<18} {count_ours:>7} {count_theirs:>12} {100 * share:>7.1f}%  {'; '.join(differ[:4])}")
    for kind in ("exact_duplicates", "near_duplicates"):
        mine = sorted(sorted(relative(p, folder) for p in group) for group in ours[kind])
        same = mine == sorted(theirs[kind])
        print(f"{kind} sets: sluice {len(mine)}, cleanvision {len(theirs[kind])}, {'identical' if same else 'DIFFERENT'}")
    pairs = len(common) * len(CHECKS)
    print(f"lowest agreement of a check: {100 * worst:.1f}%; over all image-check pairs: {100 * (pairs - total_differ) / max(1, pairs):.1f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--json", required=True, help="cleanvision's answers: written, or read with --compare if present")
    parser.add_argument("--compare", help="a report.json of `sluice stats --report`")
    parser.add_argument("--jobs", type=int, default=None, help="cleanvision's n_jobs (default: all cores)")
    parser.add_argument("--answers-only", action="store_true", help="leave the timing out (test fixtures)")
    args = parser.parse_args()
    if args.compare and os.path.exists(args.json):
        with open(args.json) as file:
            theirs = json.load(file)
    else:
        theirs = run_cleanvision(args.folder, args.jobs)
        saved = {k: v for k, v in theirs.items() if not (args.answers_only and k in ("seconds", "images_per_second"))}
        with open(args.json, "w") as file:
            json.dump(saved, file, indent=1, sort_keys=True)
            file.write("\n")
        print(f"cleanvision: {len(theirs['images'])} images in {theirs['seconds']:.2f} s, "
              f"{theirs['images_per_second']:.1f} img/s", file=sys.stderr)
    if args.compare:
        compare(args.compare, theirs, args.folder)


if __name__ == "__main__":
    main()
