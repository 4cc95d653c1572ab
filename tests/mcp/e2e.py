"""End-to-end tests of `ail mcp` with the official MCP Python SDK as the client.

Usage: python tests/mcp/e2e.py /path/to/ail
Starts `ail mcp` over stdio in a copy of tests/fixtures/polyglot made into a git repository,
and checks: initialize, the tool list and its schemas, every tool's structured content
against its output schema, tool errors for bad arguments, refusal of files outside the
workspace (`../`, absolute, a symlink out), progress notifications, cancellation, and a clean
exit (code 0) when the client closes the connection. Prints "N passed, M failed"; exits 1 if
anything failed.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import anyio
import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "polyglot"

RESULTS = {"passed": 0, "failed": 0}


def check(name, condition, detail=""):
    if condition:
        RESULTS["passed"] += 1
        print(f"ok    {name}")
    else:
        RESULTS["failed"] += 1
        print(f"FAIL  {name} {detail}")


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="Ada", GIT_AUTHOR_EMAIL="ada@example.com",
               GIT_COMMITTER_NAME="Ada", GIT_COMMITTER_EMAIL="ada@example.com",
               GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def make_workspace(tmp):
    ws = tmp / "ws"
    shutil.copytree(FIXTURE, ws)
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "Import the polyglot fixture")
    # Something outside the workspace, and a link to it from inside.
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("SECRET_TOKEN = 'do not read me'\n")
    os.symlink(outside / "secret.py", ws / "linked_secret.py")
    os.symlink(outside, ws / "linked_dir")
    return ws


def some_file(ws):
    """A tracked source file of the fixture and a line in it."""
    for path in sorted(ws.rglob("*.py")):
        if not path.is_symlink() and "linked" not in str(path):
            return str(path.relative_to(ws)), 1
    raise RuntimeError("the fixture has no Python file")


def is_tool_error(result, argument):
    text = " ".join(c.text for c in result.content if getattr(c, "type", "") == "text")
    return bool(result.is_error) and text.startswith(argument + ":"), text


def server(ail, ws, cache, codefile, env=None):
    # A shell records the server's exit code once the client has closed its stdin.
    script = '"$0" mcp --workspace "$1"; echo $? > "$2"'
    return StdioServerParameters(
        command="sh",
        args=["-c", script, ail, str(ws), str(codefile)],
        env=dict({"AIL_CACHE_DIR": str(cache), "AIL_LOG": "warn"}, **(env or {})),
        cwd=str(ws),
    )


async def wait_ready(session, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = await session.call_tool("status", {})
        if status.structured_content and status.structured_content.get("state") == "ready":
            return status
        await anyio.sleep(0.2)
    return None


async def main_session(ail, ws, cache, codefile):
    params = server(ail, ws, cache, codefile)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            check("initialize names the server and offers tools",
                  init.server_info.name == "ail" and init.capabilities.tools is not None)

            listed = await session.list_tools()
            tools = {t.name: t for t in listed.tools}
            check("four tools are listed", set(tools) == {"context", "history", "status", "reindex"},
                  str(sorted(tools)))
            for name, tool in tools.items():
                jsonschema.Draft202012Validator.check_schema(tool.input_schema)
                jsonschema.Draft202012Validator.check_schema(tool.output_schema or {})
                check(f"{name}: input and output schemas are valid JSON Schemas, with a description",
                      tool.output_schema is not None and len(tool.description or "") > 80)
            check("context requires a question and takes file, line, limit, maxTokens",
                  tools["context"].input_schema.get("required") == ["question"]
                  and set(tools["context"].input_schema["properties"])
                  == {"question", "file", "line", "limit", "maxTokens"})

            def valid(name, result):
                try:
                    jsonschema.validate(result.structured_content, tools[name].output_schema)
                    return True, ""
                except jsonschema.ValidationError as e:
                    return False, e.message

            # While the first pass may still run, an answer is flagged, never refused.
            early = await session.call_tool("context", {"question": "how are requests handled"})
            ok, why = valid("context", early)
            check("context answers at once, flagged while indexing", not early.is_error and ok and
                  (early.structured_content["index"]["state"] == "ready"
                   or any("index" in w for w in early.structured_content.get("warnings", []))), why)

            status = await wait_ready(session)
            check("status reaches ready", status is not None)
            ok, why = valid("status", status)
            check("status matches its output schema", ok, why)
            sc = status.structured_content
            check("status counts the fixture's files", sc["files"] >= 20 and sc["chunks"] >= sc["files"],
                  json.dumps({k: sc[k] for k in ("files", "chunks")}))
            check("status reports the symlinks it skipped", sc["skipped"]["symlink"] >= 1)

            rel, line = some_file(ws)
            answer = await session.call_tool("context", {"question": "parse the configuration file",
                                                         "maxTokens": 1500})
            ok, why = valid("context", answer)
            sc = answer.structured_content
            check("context matches its output schema", ok, why)
            check("context finds places, cites them and stays in budget",
                  len(sc["results"]) >= 1 and len(sc["citations"]) == len(sc["results"])
                  and 0 < sc["tokens"] <= 1500, json.dumps({"n": len(sc["results"]), "tokens": sc.get("tokens")}))
            text = answer.content[0].text
            check("context's text shows the best place and its code",
                  sc["results"][0]["path"] in text and sc["results"][0]["snippet"].splitlines()[0] in text)
            check("nothing outside the workspace is returned",
                  all("do not read me" not in r["snippet"] and not r["path"].startswith("linked")
                      for r in sc["results"]) and "do not read me" not in text)

            with_file = await session.call_tool("context", {"question": "what does this do", "file": rel,
                                                            "line": line, "limit": 3})
            ok, why = valid("context", with_file)
            sc = with_file.structured_content
            check("context with file and line: history and blame of that file", ok and
                  sc["history"] is not None and sc["history"]["path"] == rel and
                  sc["history"]["totalCommits"] >= 1 and isinstance(sc.get("blame"), list)
                  and len(sc["results"]) <= 3, why or json.dumps(sc.get("history"))[:200])

            history = await session.call_tool("history", {"file": rel, "startLine": 1, "endLine": 3})
            ok, why = valid("history", history)
            sc = history.structured_content
            check("history matches its output schema", ok, why)
            check("history lists the commit and blames the lines",
                  sc["history"]["commits"][0]["summary"] == "Import the polyglot fixture"
                  and sc["blame"] and sc["blame"][0]["author"] == "Ada", json.dumps(sc)[:300])
            absolute = await session.call_tool("history", {"file": str(ws / rel)})
            check("history takes an absolute path inside the workspace",
                  not absolute.is_error and absolute.structured_content["path"] == rel)

            # Bad arguments: tool errors naming the argument, never protocol errors.
            bad_calls = [
                ("context", {}, "question"),
                ("context", {"question": "   "}, "question"),
                ("context", {"question": 42}, "question"),
                ("context", {"question": "q", "limit": 0}, "limit"),
                ("context", {"question": "q", "limit": "ten"}, "limit"),
                ("context", {"question": "q", "maxTokens": 5}, "maxTokens"),
                ("context", {"question": "q", "line": 3}, "line"),
                ("context", {"question": "q", "file": rel, "line": -1}, "line"),
                ("context", {"question": "q", "colour": "red"}, "colour"),
                ("context", {"question": "q", "file": "no/such/file.py"}, "file"),
                ("history", {}, "file"),
                ("history", {"file": rel, "startLine": 5, "endLine": 2}, "endLine"),
                ("history", {"file": rel, "endLine": 2}, "startLine"),
                ("status", {"verbose": True}, "verbose"),
                ("reindex", {"wait": "yes"}, "wait"),
            ]
            for name, arguments, argument in bad_calls:
                result = await session.call_tool(name, arguments)
                ok, text = is_tool_error(result, argument)
                check(f"{name} {json.dumps(arguments)}: tool error naming {argument}", ok, text)

            # Files outside the workspace are refused, however they are spelt.
            outside = [
                "../outside/secret.py",
                str(ws.parent / "outside" / "secret.py"),
                "linked_secret.py",
                "linked_dir/secret.py",
                "core/../../outside/secret.py",
                "/etc/passwd",
            ]
            for spelling in outside:
                for name, arguments in (("context", {"question": "secret token", "file": spelling}),
                                        ("history", {"file": spelling})):
                    result = await session.call_tool(name, arguments)
                    ok, text = is_tool_error(result, "file")
                    check(f"{name} refuses file {spelling}", ok and "do not read me" not in text, text)

            # Progress: a rebuild waited on reports progress to the caller's token.
            seen = []

            async def on_progress(progress, total, message):
                seen.append((progress, total, message))

            rebuilt = await session.call_tool("reindex", {"wait": True}, progress_callback=on_progress)
            ok, why = valid("reindex", rebuilt)
            check("reindex waits for the rebuild and matches its output schema",
                  ok and rebuilt.structured_content["state"] == "ready"
                  and rebuilt.structured_content["waited"] is True, why)
            check("reindex reports progress notifications", len(seen) >= 1 and
                  all(b[0] >= a[0] for a, b in zip(seen, seen[1:])), str(seen[:5]))
            quick = await session.call_tool("reindex", {})
            ok, why = valid("reindex", quick)
            check("reindex without wait returns at once", ok and quick.structured_content["waited"] is False, why)
            await wait_ready(session)

            unknown = None
            try:
                await session.call_tool("no_such_tool", {})
            except Exception as e:  # an unknown tool is a protocol error, by the specification
                unknown = e
            check("an unknown tool is refused", unknown is not None)
            after = await session.call_tool("status", {})
            check("the server still answers after every bad call", not after.is_error)


async def cancel_session(ail, ws, cache, codefile):
    """A context call that waits (test hook) is cancelled; the engine never runs it."""
    params = server(ail, ws, cache, codefile, {"AIL_TEST_HOOKS": "1", "AIL_TEST_DELAY_MS": "3000"})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await wait_ready(session)
            started = time.monotonic()
            with anyio.move_on_after(0.5) as scope:
                await session.call_tool("context", {"question": "how are requests handled"})
            check("a slow call is abandoned by the client", scope.cancelled_caught
                  and time.monotonic() - started < 2.0)
            # Past the delay the call would have queried the engine, had it not been cancelled.
            await anyio.sleep(3.5)
            status = await session.call_tool("status", {})
            check("the cancelled call never reached the engine",
                  status.structured_content["requests"] == 0, str(status.structured_content["requests"]))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    ail = str(Path(sys.argv[1]).resolve())
    with tempfile.TemporaryDirectory(prefix="ail-mcp-e2e-") as tmp:
        tmp = Path(tmp)
        ws = make_workspace(tmp)
        cache = tmp / "cache"
        for name, session in (("main", main_session), ("cancel", cancel_session)):
            codefile = tmp / f"exit-{name}"
            try:
                anyio.run(session, ail, ws, cache, codefile)
            except Exception:
                traceback.print_exc()
                check(f"{name} session ran to its end", False)
            for _ in range(50):
                if codefile.exists() and codefile.read_text().strip():
                    break
                time.sleep(0.1)
            code = codefile.read_text().strip() if codefile.exists() else "(none)"
            check(f"{name} session: ail mcp exits with code 0 when the client closes", code == "0", code)

        printed = subprocess.run([ail, "mcp", "--print-config", "vscode"], capture_output=True, text=True)
        # Comment lines first (the one-line `code --add-mcp` command), then the mcp.json object.
        start = printed.stdout.find("\n{")
        config = json.loads(printed.stdout[start:] if start >= 0 else "{}")
        check("--print-config vscode prints mcp.json with this binary's absolute path",
              printed.returncode == 0 and config["servers"]["ail"]["command"] == ail)
        add = next((l for l in printed.stdout.splitlines() if "code --add-mcp " in l), "")
        added = json.loads(shlex.split(add.split("code --add-mcp ", 1)[-1] or "'{}'")[0])
        check("--print-config vscode prints a code --add-mcp line with this binary's path",
              added.get("name") == "ail" and added.get("command") == ail, add)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
