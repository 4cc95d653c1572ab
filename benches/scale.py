#!/usr/bin/env python3
"""Scale benchmark: `ail lsp` on a large real workspace, measured as an editor would see it.

Assembles a workspace from source distributions on PyPI (Django, SymPy and pip, whose
src/pip/_vendor is a real vendored tree; fetched into bench-data/, never committed), or
takes any directory, then drives the release `ail lsp` over a pipe:

  * first pass: `initialized` to `state: ready`, anonymous and file-backed RSS sampled
    every 20 ms (peak and at ready);
  * uncached `ail/context` latency: p50/p95/p99 one at a time, then 25 and 100 in flight;
  * `ail/reindex`: peak anonymous and total RSS while it runs;
  * cold start: a new server on the persisted segment, `initialize` to the first answer.

Usage: benches/scale.py [--workspace DIR] [--questions N] [--out FILE.json] [--binary AIL]
Prints a markdown table; --out also writes the figures as JSON.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")
SDISTS = [("django", "5.2.19"), ("sympy", "1.14.0"), ("pip", "25.3")]


def assemble_workspace():
    """Django + SymPy + pip sdists side by side under bench-data/scale/."""
    dest = os.path.join(DATA, "scale")
    stamp = os.path.join(dest, ".assembled")
    if os.path.exists(stamp):
        return dest
    os.makedirs(DATA, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=DATA, prefix=".scale.")
    for name, version in SDISTS:
        tarball = None
        for f in os.listdir(DATA):
            if f.lower().startswith(f"{name}-{version}") and f.endswith(".tar.gz"):
                tarball = os.path.join(DATA, f)
        if tarball is None:
            print(f"downloading {name}=={version} (source distribution)", file=sys.stderr)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
                 "--no-deps", f"{name}=={version}", "-d", DATA],
                check=True,
            )
            tarball = next(
                os.path.join(DATA, f) for f in os.listdir(DATA)
                if f.lower().startswith(f"{name}-{version}") and f.endswith(".tar.gz")
            )
        with tarfile.open(tarball) as t:
            t.extractall(os.path.join(tmp, name), filter="data")
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)
    open(stamp, "w").close()
    return dest


def memory(pid):
    """(RssAnon, RssFile + RssShmem) of a process in MiB."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("RssAnon", "RssFile", "RssShmem"):
                    fields[key] = int(rest.split()[0]) / 1024
    except OSError:
        return (0.0, 0.0)
    return (fields.get("RssAnon", 0.0), fields.get("RssFile", 0.0) + fields.get("RssShmem", 0.0))


class Sampler:
    """Samples a process's memory every 20 ms; keeps the peaks."""

    def __init__(self, pid):
        self.pid, self.peak_anon, self.peak_total, self.running = pid, 0.0, 0.0, True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            anon, file = memory(self.pid)
            self.peak_anon = max(self.peak_anon, anon)
            self.peak_total = max(self.peak_total, anon + file)
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join()


class Client:
    """A minimal LSP client over the server's pipes."""

    def __init__(self, binary, cache, workspace):
        self.proc = subprocess.Popen(
            [binary, "--cache-dir", cache, "lsp"], cwd=workspace,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.next_id, self.lock = 1, threading.Lock()
        self.waiting, self.responses = {}, {}
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.lower()] = v.strip()
            body = json.loads(out.read(int(headers["content-length"])))
            if "id" in body and "method" in body:
                self.send({"jsonrpc": "2.0", "id": body["id"], "result": None})
            elif "id" in body:
                with self.lock:
                    self.responses[body["id"]] = body
                    event = self.waiting.pop(body["id"], None)
                if event:
                    event.set()

    def send(self, message):
        data = json.dumps(message).encode()
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
            self.proc.stdin.flush()

    def request_async(self, method, params):
        with self.lock:
            rid = self.next_id
            self.next_id += 1
            event = threading.Event()
            self.waiting[rid] = event
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid, event

    def wait(self, rid, event, timeout=600):
        if not event.wait(timeout):
            raise TimeoutError(f"request {rid} unanswered")
        with self.lock:
            return self.responses.pop(rid)

    def request(self, method, params):
        return self.wait(*self.request_async(method, params))

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, workspace, options):
        uri = "file://" + workspace
        self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri, "capabilities": {},
            "workspaceFolders": [{"uri": uri, "name": "ws"}],
            "initializationOptions": options,
        })
        self.notify("initialized", {})

    def wait_ready(self):
        while True:
            status = self.request("ail/status", None)["result"]
            if status["state"] == "ready":
                return status
            time.sleep(0.05)

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


def questions_from(workspace, n):
    """Questions a person might ask: names of functions and classes found in the
    workspace, as words ("parse args" for parse_args), sampled with a fixed seed."""
    names = set()
    pattern = re.compile(r"^\s*(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]{3,})", re.M)
    for base, _, files in os.walk(workspace):
        for f in files:
            if f.endswith(".py"):
                try:
                    with open(os.path.join(base, f), encoding="utf-8") as fh:
                        names.update(pattern.findall(fh.read()))
                except (OSError, UnicodeDecodeError):
                    pass
    words = lambda name: re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").strip().lower()
    rng = random.Random(7)
    picked = rng.sample(sorted(names), min(n, len(names)))
    return [f"how does {words(name)} work" for name in picked]


def run_latency(client, questions, in_flight):
    latencies = []
    for start in range(0, len(questions), in_flight):
        batch = questions[start:start + in_flight]
        sent = [(time.perf_counter(), *client.request_async("ail/context", {"question": q}))
                for q in batch]
        for t0, rid, event in sent:
            response = client.wait(rid, event)
            assert "result" in response, response
            latencies.append((time.perf_counter() - t0) * 1000)
    return percentiles(latencies)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--out")
    parser.add_argument("--binary", help="an `ail` binary to measure instead of this tree's release build")
    args = parser.parse_args()
    workspace = os.path.realpath(args.workspace or assemble_workspace())
    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "ail"], cwd=ROOT, check=True)
        binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "ail")
    cache = tempfile.mkdtemp(prefix="ail-scale-")
    files = sum(len(f) for _, _, f in os.walk(workspace))
    figures = {"workspace": workspace, "files_on_disk": files, "cores": os.cpu_count(),
               "load_at_start": os.getloadavg()[0]}
    # The answer cache is off so every question is answered afresh.
    options = {"cache": False}
    try:
        client = Client(binary, cache, workspace)
        sampler = Sampler(client.proc.pid)
        t0 = time.perf_counter()
        client.initialize(workspace, options)
        status = client.wait_ready()
        figures["first_pass_s"] = time.perf_counter() - t0
        anon, file = memory(client.proc.pid)
        figures.update(files=status["files"], chunks=status["chunks"],
                       ready_anon_mib=anon, ready_file_mib=file,
                       first_pass_peak_anon_mib=sampler.peak_anon,
                       first_pass_peak_total_mib=sampler.peak_total,
                       index_file_mib=(status.get("indexFileBytes") or 0) / 2**20)
        sampler.stop()
        questions = questions_from(workspace, args.questions)
        for q in questions[:20]:
            client.request("ail/context", {"question": q})
        figures["uncached_ms"] = run_latency(client, questions, 1)
        figures["in_flight_25_ms"] = run_latency(client, questions, 25)
        figures["in_flight_100_ms"] = run_latency(client, questions, 100)
        anon, file = memory(client.proc.pid)
        figures.update(after_queries_anon_mib=anon, after_queries_file_mib=file)
        sampler = Sampler(client.proc.pid)
        t0 = time.perf_counter()
        client.request("ail/reindex", {})
        client.wait_ready()
        figures["reindex_s"] = time.perf_counter() - t0
        sampler.stop()
        figures.update(reindex_peak_anon_mib=sampler.peak_anon,
                       reindex_peak_total_mib=sampler.peak_total)
        client.close()
        # Cold start on the persisted segment.
        t0 = time.perf_counter()
        client = Client(binary, cache, workspace)
        client.initialize(workspace, options)
        client.request("ail/context", {"question": questions[0]})
        figures["cold_start_first_answer_s"] = time.perf_counter() - t0
        anon, file = memory(client.proc.pid)
        figures.update(cold_anon_mib=anon, cold_file_mib=file)
        client.close()
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    figures["load_at_end"] = os.getloadavg()[0]
    per_1k = figures["first_pass_s"] / max(figures["files"], 1) * 1000
    rows = [
        ("files / chunks", f"{figures['files']} / {figures['chunks']}"),
        ("first pass, initialized to ready", f"{figures['first_pass_s']:.1f} s ({per_1k:.2f} s per 1k files)"),
        ("RSS at ready: anonymous / file-backed", f"{figures['ready_anon_mib']:.0f} / {figures['ready_file_mib']:.0f} MiB"),
        ("first pass peak: anonymous / total", f"{figures['first_pass_peak_anon_mib']:.0f} / {figures['first_pass_peak_total_mib']:.0f} MiB"),
        ("index file", f"{figures['index_file_mib']:.0f} MiB"),
        ("uncached p50 / p95 / p99", "{p50:.1f} / {p95:.1f} / {p99:.1f} ms".format(**figures["uncached_ms"])),
        ("25 in flight p50 / p95 / p99", "{p50:.1f} / {p95:.1f} / {p99:.1f} ms".format(**figures["in_flight_25_ms"])),
        ("100 in flight p50 / p95 / p99", "{p50:.1f} / {p95:.1f} / {p99:.1f} ms".format(**figures["in_flight_100_ms"])),
        ("RSS after the queries: anonymous / file-backed", f"{figures['after_queries_anon_mib']:.0f} / {figures['after_queries_file_mib']:.0f} MiB"),
        ("ail/reindex: time, peak anonymous / total", f"{figures['reindex_s']:.1f} s, {figures['reindex_peak_anon_mib']:.0f} / {figures['reindex_peak_total_mib']:.0f} MiB"),
        ("cold start to first answer", f"{figures['cold_start_first_answer_s']:.2f} s ({figures['cold_anon_mib']:.0f} MiB anonymous)"),
        ("load average start / end", f"{figures['load_at_start']:.1f} / {figures['load_at_end']:.1f}"),
    ]
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
