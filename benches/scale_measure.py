"""Measuring one workspace for benches/scale.py: a minimal LSP client over the server's pipes,
a sampler of anonymous and file-backed RSS, and the measurement sequence itself.

A pass counts as finished when the server has ended its `$/progress` for it *and*
`ail/status` says "ready": status alone can say "ready" before the pass has begun (a server
restarted on a persisted index is ready with the old index while it starts checking files).
"""

import json
import os
import random
import re
import subprocess
import threading
import time


def memory(pid):
    """(RssAnon, RssFile + RssShmem) of a process in MiB; (0, 0) once it has gone."""
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
    """Samples a process's memory every 20 ms and the load average every second; keeps the
    peaks and the load samples."""

    def __init__(self, pid):
        self.pid, self.running = pid, True
        self.peak_anon = self.peak_file = self.peak_total = 0.0
        self.loads = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        last_load = 0.0
        while self.running:
            anon, file = memory(self.pid)
            self.peak_anon = max(self.peak_anon, anon)
            self.peak_file = max(self.peak_file, file)
            self.peak_total = max(self.peak_total, anon + file)
            now = time.monotonic()
            if now - last_load >= 1.0:
                self.loads.append(os.getloadavg()[0])
                last_load = now
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join()
        return self


class Client:
    """A minimal LSP client: answers the server's requests, counts ended progress."""

    def __init__(self, binary, cache, workspace, extra_args=()):
        self.proc = subprocess.Popen(
            [binary, "--cache-dir", cache, *extra_args, "lsp"], cwd=workspace,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self.next_id, self.lock = 1, threading.Lock()
        self.waiting, self.responses = {}, {}
        self.progress_ended = 0
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
            elif body.get("method") == "$/progress":
                if body["params"].get("value", {}).get("kind") == "end":
                    with self.lock:
                        self.progress_ended += 1

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

    def wait(self, rid, event, timeout=3600):
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
            "processId": os.getpid(), "rootUri": uri,
            "capabilities": {"window": {"workDoneProgress": True}},
            "workspaceFolders": [{"uri": uri, "name": "ws"}],
            "initializationOptions": options,
        })
        self.notify("initialized", {})

    def wait_pass(self, passes, timeout=4 * 3600):
        """Wait until `passes` indexing passes have ended their progress and the server says
        "ready"; return its status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}")
            with self.lock:
                ended = self.progress_ended
            if ended >= passes:
                status = self.request("ail/status", None)["result"]
                if status["state"] == "ready":
                    return status
            time.sleep(0.05)
        raise TimeoutError("the indexing pass did not finish")

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(30)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "n": len(values)}


def questions_from(workspace, n, max_files=20_000):
    """Questions a person might ask: names of Python functions and classes found in the
    workspace (the first `max_files` Python files in path order), as words ("parse args" for
    parse_args), sampled with a fixed seed."""
    names, seen = set(), 0
    pattern = re.compile(r"^\s*(?:def|class)\s+([A-Za-z_][A-Za-z0-9_]{3,})", re.M)
    for base, dirs, files in os.walk(workspace):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for f in sorted(files):
            if f.endswith(".py") and seen < max_files:
                seen += 1
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
    """Closed loop: batches of `in_flight` requests sent together, each timed to its answer."""
    latencies = []
    for start in range(0, len(questions), in_flight):
        batch = questions[start:start + in_flight]
        sent = [(time.perf_counter(), *client.request_async("ail/context", {"question": q}))
                for q in batch]
        for t0, rid, event in sent:
            response = client.wait(rid, event)
            if "result" not in response:
                raise RuntimeError(f"ail/context failed: {response}")
            latencies.append((time.perf_counter() - t0) * 1000)
    return percentiles(latencies)


def supports_prebuilt(binary):
    """Whether this `ail` can write a portable segment (`ail index --out`)."""
    help_text = subprocess.run([binary, "index", "--help"], capture_output=True, text=True).stdout
    return "--out" in help_text


def cold_start(binary, cache, workspace, options, question, extra_args=()):
    """A new server: spawn to the end of its first pass, and to its first answer after that."""
    t0 = time.perf_counter()
    client = Client(binary, cache, workspace, extra_args)
    sampler = Sampler(client.proc.pid)
    try:
        client.initialize(workspace, options)
        status = client.wait_pass(1)
        ready = time.perf_counter() - t0
        answer = client.request("ail/context", {"question": question})
        first_answer = time.perf_counter() - t0
        if "result" not in answer:
            raise RuntimeError(f"ail/context failed: {answer}")
        anon, file = memory(client.proc.pid)
    finally:
        sampler.stop()
        client.close()
    return {"ready_s": ready, "first_answer_s": first_answer, "anon_mib": anon, "file_mib": file,
            "peak_anon_mib": sampler.peak_anon, "chunks": status["chunks"]}


def measure(binary, workspace, cache, n_questions, scratch):
    """Every figure for one workspace; `cache` must be an empty directory."""
    figures = {"workspace": workspace, "load_at_start": os.getloadavg()[0]}
    # The answer cache is off so every question is answered afresh.
    options = {"cache": False}
    loads = []

    client = Client(binary, cache, workspace)
    sampler = Sampler(client.proc.pid)
    t0 = time.perf_counter()
    client.initialize(workspace, options)
    status = client.wait_pass(1)
    figures["first_pass_s"] = time.perf_counter() - t0
    anon, file = memory(client.proc.pid)
    sampler.stop()
    loads += sampler.loads
    figures.update(files=status["files"], chunks=status["chunks"],
                   ready_anon_mib=anon, ready_file_mib=file,
                   first_pass_peak_anon_mib=sampler.peak_anon,
                   first_pass_peak_file_mib=sampler.peak_file,
                   first_pass_peak_total_mib=sampler.peak_total,
                   index_file_mib=(status.get("indexFileBytes") or 0) / 2**20)
    figures["first_pass_s_per_1k_files"] = figures["first_pass_s"] / max(figures["files"], 1) * 1000

    questions = questions_from(workspace, n_questions)
    figures["questions"] = len(questions)
    sampler = Sampler(client.proc.pid)
    for q in questions[:20]:
        client.request("ail/context", {"question": q})
    figures["uncached_ms"] = run_latency(client, questions, 1)
    figures["in_flight_25_ms"] = run_latency(client, questions, 25)
    figures["in_flight_100_ms"] = run_latency(client, questions, 100)
    sampler.stop()
    loads += sampler.loads
    anon, file = memory(client.proc.pid)
    figures.update(after_queries_anon_mib=anon, after_queries_file_mib=file,
                   queries_peak_anon_mib=sampler.peak_anon)

    sampler = Sampler(client.proc.pid)
    t0 = time.perf_counter()
    client.request("ail/reindex", {})
    client.wait_pass(2)
    figures["reindex_s"] = time.perf_counter() - t0
    sampler.stop()
    loads += sampler.loads
    figures.update(reindex_peak_anon_mib=sampler.peak_anon,
                   reindex_peak_file_mib=sampler.peak_file,
                   reindex_peak_total_mib=sampler.peak_total)
    client.close()

    # Restart on the persisted index.
    figures["restart"] = cold_start(binary, cache, workspace, options, questions[0])

    # A fresh machine with a prebuilt segment: written by `ail index --out`, opened read-only.
    if supports_prebuilt(binary):
        segment = os.path.join(scratch, "prebuilt.seg")
        index_cache = os.path.join(scratch, "index-cache")
        t0 = time.perf_counter()
        subprocess.run([binary, "--cache-dir", index_cache, "index", "--out", segment, workspace],
                       check=True, capture_output=True)
        figures["prebuilt_write_s"] = time.perf_counter() - t0
        figures["prebuilt_mib"] = os.path.getsize(segment) / 2**20
        fresh = os.path.join(scratch, "fresh-cache")
        os.makedirs(fresh)
        figures["prebuilt"] = cold_start(binary, fresh, workspace,
                                         dict(options, prebuiltIndex=segment), questions[0])
    figures["load_at_end"] = os.getloadavg()[0]
    figures["load_samples"] = loads
    return figures
