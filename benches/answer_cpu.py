#!/usr/bin/env python3
"""CPU per uncached `ail/context` answer and its latency, for several `ail` binaries on one
persisted index, in interleaved runs; checks that every binary gives the same answers.

Usage: benches/answer_cpu.py WORKSPACE CACHE_DIR RUNS LABEL=AIL [LABEL=AIL ...]

CACHE_DIR holds the index (`ail --cache-dir CACHE_DIR index WORKSPACE` once, with the oldest
binary, so every binary opens the same file). Each run starts `ail lsp` on it with the answer
cache off, waits for ready, asks 20 questions to warm up, then asks the scale bench's 300
questions (`scale_measure.questions_from`) one at a time three times over: CPU per answer is
the process's user + system time over those 900 answers; p50/p95/p99 are of the first 300.
Then the 300 again in batches of 25 sent together (`scale_measure.run_latency`). Binaries
take turns, the order reversed every other run; medians over the runs are printed last.
Answers are compared whole, timings left out: every result's path, range, score, snippet,
copies, the citations, confidence and summary.
"""

import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_measure as sm  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def one_run(binary, workspace, cache, questions):
    client = sm.Client(binary, cache, workspace)
    try:
        client.initialize(workspace, {"cache": False})
        client.wait_pass(1)
        time.sleep(1.0)
        for q in questions[:20]:
            client.request("ail/context", {"question": q})
        pid = client.proc.pid
        before = cpu_seconds(pid)
        latencies, answers = [], []
        for q in questions:
            t0 = time.perf_counter()
            response = client.request("ail/context", {"question": q})
            latencies.append((time.perf_counter() - t0) * 1000)
            answer = dict(response["result"])
            answer.pop("timingsMs", None)
            answers.append(answer)
        for _ in range(2):
            for q in questions:
                client.request("ail/context", {"question": q})
        after = cpu_seconds(pid)
        one = sm.percentiles(latencies)
        flight = sm.run_latency(client, questions, 25)
    finally:
        client.close()
    digest = hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()[:16]
    return {"cpu_ms": (after - before) / (3 * len(questions)) * 1000,
            "p50": one["p50"], "p95": one["p95"], "p99": one["p99"],
            "25_p50": flight["p50"], "25_p95": flight["p95"], "25_p99": flight["p99"],
            "load": os.getloadavg()[0], "answers": digest}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    workspace, cache, runs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), int(sys.argv[3])
    binaries = [(label, os.path.abspath(path)) for label, path in
                (arg.split("=", 1) for arg in sys.argv[4:])]
    questions = sm.questions_from(workspace, 300)
    results = {label: [] for label, _ in binaries}
    for run in range(runs):
        for label, binary in (binaries if run % 2 == 0 else binaries[::-1]):
            figures = one_run(binary, workspace, cache, questions)
            results[label].append(figures)
            shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items()}
            print(label, run, json.dumps(shown), flush=True)
    print("medians:")
    for label, runs_of in results.items():
        median = {k: round(sorted(r[k] for r in runs_of)[len(runs_of) // 2], 3)
                  for k in runs_of[0] if k != "answers"}
        print(label, json.dumps(median))
    digests = {r["answers"] for runs_of in results.values() for r in runs_of}
    print("answers identical across binaries and runs" if len(digests) == 1
          else f"ANSWERS DIFFER: {sorted(digests)}")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
