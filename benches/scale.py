#!/usr/bin/env python3
"""Scale benchmark: `ail lsp` on a large real workspace and on generated ones, measured as an
editor would see it.

Workspaces (`--only`, comma-separated; default all, in this order):
  real   Django 5.2.19 + SymPy 1.14.0 + pip 25.3 (whose src/pip/_vendor is a real vendored
         tree) + moto 5.2.6, from their PyPI source distributions, side by side under
         bench-data/scale/ (never committed): about 186k chunks;
  20k, 100k, 300k   files made by benches/generate_workspace.py (the generator the CI memory
         gate uses), under bench-data/generated-N/, one git commit each.
Or `--workspace DIR` for any directory.

For each, the release `ail lsp` is driven over a pipe (benches/scale_measure.py says how):
  * first pass, `initialized` to the end of the pass (its `$/progress` ended and `ail/status`
    "ready"), anonymous and file-backed RSS sampled every 20 ms (peaks and at ready);
  * uncached `ail/context` latency: p50/p95/p99 one at a time, then 25 and 100 in flight;
  * `ail/reindex`: time and peak anonymous / file-backed RSS while it runs;
  * cold start: a new server on the persisted index, and, when the binary has
    `ail index --out`, a new server with an empty cache and `prebuiltIndex` set to a segment
    written by `ail index --out`: spawn to ready, and to the first answer.

Figures accumulate in a JSON file (--results, default bench-data/scale-results.json, one entry
per workspace, replaced when measured again); the report (markdown tables and mermaid plots,
benches/scale_report.py) is printed from all of them, and written to --report FILE if given.

Usage: benches/scale.py [--only real,20k] [--workspace DIR] [--questions N] [--binary AIL]
                        [--results FILE] [--report FILE] [--keep]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_workspace  # noqa: E402
import scale_measure  # noqa: E402
import scale_report  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")
SDISTS = [("django", "5.2.19"), ("sympy", "1.14.0"), ("pip", "25.3"), ("moto", "5.2.6")]
GENERATED = {"20k": 20_000, "100k": 100_000, "300k": 300_000}


def sdist(name, version):
    """The source distribution's tarball in bench-data/, downloaded with pip when missing."""
    def find():
        for f in sorted(os.listdir(DATA)):
            if f.lower().startswith(f"{name}-{version}") and f.endswith(".tar.gz"):
                return os.path.join(DATA, f)
        return None
    if find() is None:
        print(f"downloading {name}=={version} (source distribution)", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", f"{name}=={version}", "-d", DATA],
            check=True,
        )
    return find()


def real_workspace():
    """The sdists side by side under bench-data/scale/."""
    dest = os.path.join(DATA, "scale")
    stamp = os.path.join(dest, ".assembled-" + "-".join(n for n, _ in SDISTS))
    if os.path.exists(stamp):
        return dest
    os.makedirs(DATA, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=DATA, prefix=".scale.")
    for name, version in SDISTS:
        with tarfile.open(sdist(name, version)) as t:
            t.extractall(os.path.join(tmp, name), filter="data")
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)
    open(stamp, "w").close()
    return dest


def generated_workspace(files):
    dest = os.path.join(DATA, f"generated-{files}")
    stamp = dest + ".done"
    if os.path.exists(stamp):
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    t0 = time.perf_counter()
    written, head = generate_workspace.generate(dest, files)
    print(f"generated {files} files ({written / 2**20:.0f} MiB, commit {head[:12]}) in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr)
    open(stamp, "w").close()
    return dest


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / 2**20
    return f"{os.cpu_count()} cores ({model}), {mem_gib:.0f} GiB, {platform.system()} {platform.machine()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="real,20k,100k,300k")
    parser.add_argument("--workspace", help="measure this directory instead")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--binary", help="an `ail` binary to measure instead of this tree's release build")
    parser.add_argument("--results", default=os.path.join(DATA, "scale-results.json"))
    parser.add_argument("--report", help="also write the markdown report here")
    parser.add_argument("--keep", action="store_true", help="keep generated workspaces afterwards")
    args = parser.parse_args()

    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "ail"], cwd=ROOT, check=True)
        binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "ail")
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
    else:
        built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(binary)))
        commit = f"{binary} built {built}"
    binary = os.path.realpath(binary)

    results = {}
    if os.path.exists(args.results):
        with open(args.results) as f:
            results = json.load(f)
    if args.workspace:
        plan = [(os.path.basename(os.path.realpath(args.workspace)), lambda: args.workspace)]
    else:
        plan = []
        for label in args.only.split(","):
            if label == "real":
                plan.append((label, real_workspace))
            elif label in GENERATED:
                plan.append((label, lambda n=GENERATED[label]: generated_workspace(n)))
            else:
                parser.error(f"unknown workspace {label!r}: real, 20k, 100k or 300k")

    for label, make in plan:
        workspace = os.path.realpath(make())
        scratch = tempfile.mkdtemp(prefix="ail-scale-", dir=DATA)
        cache = os.path.join(scratch, "cache")
        os.makedirs(cache)
        print(f"measuring {label}: {workspace}", file=sys.stderr)
        try:
            figures = scale_measure.measure(binary, workspace, cache, args.questions, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        figures.update(label=label, binary_commit=commit, machine=machine(),
                       measured_at=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       kind="generated" if label in GENERATED else "real" if label == "real" else "other")
        results[label] = figures
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(results, f, indent=2)
        if label in GENERATED and not args.keep:
            shutil.rmtree(workspace, ignore_errors=True)
            os.remove(workspace + ".done")

    report = scale_report.render(results)
    print(report)
    if args.report:
        with open(args.report, "w") as f:
            f.write(report)


if __name__ == "__main__":
    main()
