#!/usr/bin/env python3
"""Where `ail lsp`'s memory is, quickly: anonymous and file-backed RSS when ready, after the
questions one at a time, 25 and 100 in flight, and optionally the peak during `ail/reindex`,
with the anonymous memory split by mapping (the main heap, other anonymous mappings such as
the allocator's thread arenas) and the largest mappings listed. A lighter companion to
benches/scale.py for before/after comparisons: run it twice on one CACHE to time a restart on
the persisted index instead of a first pass.

usage: benches/memory_probe.py BINARY WORKSPACE CACHE [--questions N] [--reindex]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_measure as m  # noqa: E402

def smaps(pid):
    """Anonymous RSS by mapping kind: heap, big anon mappings (thread arenas / mmap'd allocations)."""
    out = {"heap": 0, "anon": 0, "stack": 0, "other": 0}
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:
                name = parts[5] if len(parts) > 5 else ""
                cur = "heap" if name == "[heap]" else "stack" if name.startswith("[stack") else "anon" if name == "" else "other"
            elif parts[0] == "Anonymous:":
                out[cur] += int(parts[1]) // 1024
    return out

def mappings(pid, top=12):
    rows, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                cur = [parts[0], (hi - lo) >> 20, parts[5] if len(parts) > 5 else "", 0]
                rows.append(cur)
            elif parts[0] == "Anonymous:":
                cur[3] = int(parts[1]) >> 10
    rows = sorted((r for r in rows if r[3] > 0), key=lambda r: -r[3])[:top]
    return " | ".join(f"{r[1]}M:{r[3]}M{(' ' + r[2]) if r[2] else ''}" for r in rows)

ap = argparse.ArgumentParser()
ap.add_argument("binary"); ap.add_argument("workspace"); ap.add_argument("cache")
ap.add_argument("--questions", type=int, default=100)
ap.add_argument("--reindex", action="store_true")
a = ap.parse_args()
os.makedirs(a.cache, exist_ok=True)
c = m.Client(a.binary, a.cache, a.workspace)
s = m.Sampler(c.proc.pid)
t0 = time.perf_counter()
c.initialize(a.workspace, {"cache": False})
st = c.wait_pass(1)
s.stop()
print(f"ready {time.perf_counter()-t0:.1f}s files={st['files']} chunks={st['chunks']} anon/file={m.memory(c.proc.pid)} {smaps(c.proc.pid)} peak anon {s.peak_anon:.0f} file {s.peak_file:.0f}", flush=True)
qs = m.questions_from(a.workspace, a.questions)
s = m.Sampler(c.proc.pid)
lat = m.run_latency(c, qs, 1)
print(mappings(c.proc.pid), flush=True)
print(f"after {len(qs)} one at a time: anon/file={m.memory(c.proc.pid)} {smaps(c.proc.pid)} p50={lat.get('p50')}", flush=True)
lat = m.run_latency(c, qs, 25)
print(f"after 25 in flight: anon/file={m.memory(c.proc.pid)} {smaps(c.proc.pid)} p95={lat.get('p95')}", flush=True)
lat = m.run_latency(c, qs, 100)
s.stop()
print(f"after 100 in flight: anon/file={m.memory(c.proc.pid)} {smaps(c.proc.pid)} peak anon {s.peak_anon:.0f} p95={lat.get('p95')}", flush=True)
if a.reindex:
    s = m.Sampler(c.proc.pid)
    t0 = time.perf_counter()
    c.request("ail/reindex", {})
    c.wait_pass(2)
    s.stop()
    print(f"reindex {time.perf_counter()-t0:.1f}s peak anon {s.peak_anon:.0f} file {s.peak_file:.0f} total {s.peak_total:.0f}; after anon/file={m.memory(c.proc.pid)} {smaps(c.proc.pid)}", flush=True)
print(mappings(c.proc.pid), flush=True)
c.close()
