"""MCP `context` latency against the same questions over `ail lsp`, so the bridge's cost is known.

Usage: python benches/mcp_latency.py /path/to/ail WORKSPACE [ROUNDS]
(run it with the virtual environment tests/mcp/run.sh makes: target/mcp-venv/bin/python).

Indexes WORKSPACE once into a fresh cache directory, then, for each server in turn (`ail mcp`
through the official MCP Python SDK, `ail mcp` through a bare JSON-RPC client, `ail lsp` through
a minimal LSP client), asks every
question once (uncached: the answer cache has never seen it) and then again (cached), one at a
time, timing each call on the client; the cached pass is asked three times. All of that ROUNDS
times (default 3), each round with fresh server processes. The servers load the same persisted index. The MCP calls
are budgeted (maxTokens 4000, the tool's default), so they include reading and packing the
places' code; the LSP calls are made both with the same budget (so the difference is MCP's
own cost) and unbudgeted, as editors send them. Prints p50 / p95 in ms.
"""

import json
import math
import pathlib
import subprocess
import sys
import tempfile
import time

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

# The Django questions the budget tests ask too (server/protocol/tests/budget.rs).
QUESTIONS = json.loads(
    (pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/django.questions.json").read_text()
)


def percentiles(samples):
    """p50 and p95 by nearest rank (of 60 samples: the 30th and the 57th)."""
    s = sorted(samples)
    pick = lambda q: s[max(0, math.ceil(q * len(s)) - 1)]
    return pick(0.5), pick(0.95)


async def mcp_run(ail, ws, cache):
    params = StdioServerParameters(command=ail, args=["mcp", "--workspace", ws],
                                   env={"AIL_CACHE_DIR": cache, "AIL_LOG": "error"})
    timings = {"uncached": [], "cached": []}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            while (await session.call_tool("status", {})).structured_content["state"] != "ready":
                await anyio.sleep(0.2)
            for kind in ("uncached", "cached", "cached", "cached"):
                for q in QUESTIONS:
                    started = time.perf_counter()
                    result = await session.call_tool("context", {"question": q})
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    assert not result.is_error, result
    return timings


class RawMcp:
    """`ail mcp` through a bare newline-delimited JSON-RPC client: no SDK on the client side,
    so what it times is the server and the pipe."""

    def __init__(self, ail, ws, cache):
        self.proc = subprocess.Popen([ail, "mcp", "--workspace", ws], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env={"AIL_CACHE_DIR": cache, "AIL_LOG": "error"})
        self.next_id = 0
        self.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "0"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message):
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def call(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = json.loads(self.proc.stdout.readline())
            if message.get("id") == self.next_id and "method" not in message:
                return message["result"]

    def tool(self, name, arguments):
        result = self.call("tools/call", {"name": name, "arguments": arguments})
        assert not result.get("isError"), result
        return result["structuredContent"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def raw_mcp_run(ail, ws, cache):
    mcp = RawMcp(ail, ws, cache)
    while mcp.tool("status", {})["state"] != "ready":
        time.sleep(0.2)
    timings = {"uncached": [], "cached": []}
    for kind in ("uncached", "cached", "cached", "cached"):
        for q in QUESTIONS:
            started = time.perf_counter()
            mcp.tool("context", {"question": q})
            timings[kind].append((time.perf_counter() - started) * 1000)
    mcp.close()
    return timings


class Lsp:
    def __init__(self, ail, ws, cache):
        self.proc = subprocess.Popen([ail, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL,
                                     env={"AIL_CACHE_DIR": cache, "AIL_LOG": "error", "PATH": "/usr/bin:/bin"})
        self.next_id = 0
        uri = "file://" + ws
        self.call("initialize", {"processId": None, "rootUri": uri, "capabilities": {},
                                 "workspaceFolders": [{"uri": uri, "name": "ws"}]})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def call(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result")
            if "method" in message and "id" in message:  # a request from the server
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def close(self):
        self.call("shutdown", None)
        self.send({"jsonrpc": "2.0", "method": "exit"})
        self.proc.wait(timeout=10)


def lsp_run(ail, ws, cache, max_tokens=None):
    lsp = Lsp(ail, ws, cache)
    while lsp.call("ail/status", None)["state"] != "ready":
        time.sleep(0.2)
    timings = {"uncached": [], "cached": []}
    for kind in ("uncached", "cached", "cached", "cached"):
        for q in QUESTIONS:
            started = time.perf_counter()
            params = {"question": q}
            if max_tokens:
                params["maxTokens"] = max_tokens
            result = lsp.call("ail/context", params)
            assert result and result.get("results") is not None, result
            timings[kind].append((time.perf_counter() - started) * 1000)
    lsp.close()
    return timings


def main():
    ail, ws = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    runs = {"mcp context, MCP Python SDK": lambda cache: anyio.run(mcp_run, ail, ws, cache),
            "mcp context, bare JSON-RPC": lambda cache: raw_mcp_run(ail, ws, cache),
            "lsp ail/context (maxTokens 4000)": lambda cache: lsp_run(ail, ws, cache, 4000),
            "lsp ail/context": lambda cache: lsp_run(ail, ws, cache)}
    results = {name: {"uncached": [], "cached": []} for name in runs}
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run([ail, "--cache-dir", cache, "index", ws], check=True, capture_output=True)
        for _ in range(rounds):
            for name, run in runs.items():
                for kind, samples in run(cache).items():
                    results[name][kind] += samples
    for name, timings in results.items():
        for kind, samples in timings.items():
            p50, p95 = percentiles(samples)
            print(f"{name:34} {kind:9} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  ({len(samples)} calls)")


if __name__ == "__main__":
    main()
