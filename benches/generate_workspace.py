#!/usr/bin/env python3
"""Generate a deterministic workspace of realistic source files, committed in one git commit.

The scale benchmark (benches/scale.py) and the CI memory gate (tests/memory_budget.rs) both
build their generated workspaces with this script, so the two measure the same thing.

What it makes, for N files (the same bytes for the same N and seed, on any machine):
  * Python, TypeScript, JavaScript, Go, Rust and Markdown files, plus a few YAML files, under
    src/<package>/<module>/; each source file is a module header, imports, often a class or
    struct with methods, and free functions, with docstrings or doc comments, comments in the
    bodies and identifiers made of words;
  * about a sixth of the files under vendor/<library>/ (third-party code checked in, as
    Go's vendor/ or pip's _vendor/ trees are);
  * words drawn with a Zipf-like law from a vocabulary that grows with the workspace (a few
    hundred common words, then made-up words from syllables), so the index's vocabulary grows
    the way a real repository's does and not with every file;
  * file sizes from a few lines to a few hundred (2 to 24 functions, skewed to small).
Then `git init`, and one commit with a fixed author and date (so the commit id is the same on
every run), written with `git fast-import` into one uncompressed pack, because `git add` of
100k files writes 100k loose objects and takes minutes.

Usage: generate_workspace.py DIR --files N [--seed S] [--no-git]
DIR must not exist or be empty. Prints "N files, B bytes, commit C" at the end.
About 10 s per 100k files on one core of the 2-core benchmark machine (see benches/README.md).
"""

import argparse
import bisect
import os
import random
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

COMMON = """
account active address admin agent alert amount archive asset audit backup balance batch
billing block book branch bucket buffer build bundle cache cart catalog channel chart check
client cluster column comment config contact content context cookie counter coupon credit
cursor customer dashboard data date debug default delivery device digest domain draft email
engine entry event export feature feed field file filter folder form frame gateway graph
group handler header health history host image import index invoice item job journal key
label layer layout ledger level limit line link list locale lock log manager mapping market
media member memory menu message meta metric model module monitor node note notice offset
order owner package page panel parser partner password path payload payment peer permission
phone pipeline plan plugin policy pool port post price printer process product profile
project prompt proxy query queue quota rate reader record region registry release report
request resource response result review role route rule schedule schema scope score search
secret section segment sender server service session setting shard shipment signal slot
snapshot socket source span stage state status step storage store stream subject summary
supplier table tag target task team template tenant text thread ticket timer token topic
trace track transaction transfer tree trigger user value vendor version view volume warehouse
window worker workflow zone
""".split()

VERBS = """
add apply build cancel check clean clear close collect compute convert copy count create
decode delete describe detect encode ensure fetch filter find flush format get handle hash
init insert list load lookup mark merge move normalize notify open parse prepare process
publish push read record refresh register reload remove render replace reset resolve
restore retry save scan schedule select send serialize set sort split start stop store sync
track transform update upload validate verify walk watch write
""".split()

SYLLABLES = """
ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu na
ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze
zi zo tra tre tri tro pla ple pli plo gra gre gri gro sta ste sti sto kan ken kin kon lan
len lin lon man men min mon ran ren rin ron tan ten tin ton
""".split()

LANGUAGES = [("py", 30), ("ts", 14), ("js", 8), ("go", 16), ("rs", 14), ("md", 12), ("yaml", 6)]
# Every sixth package is a vendored library.
VENDORED_EVERY = 6
FILES_PER_MODULE = 24
MODULES_PER_PACKAGE = 20


def made_up_words(count):
    """`count` distinct pronounceable words made of 2 to 4 syllables, in a fixed order."""
    rng = random.Random(17)
    seen, words = set(COMMON) | set(VERBS), []
    while len(words) < count:
        word = "".join(SYLLABLES[int(rng.random() * len(SYLLABLES))]
                       for _ in range(2 + int(rng.random() * 3)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Vocabulary:
    """Words for a workspace of `files` files: the common words first, then made-up ones,
    drawn with weight 1/(rank+10)^1.1 so that rare words keep appearing as files are added."""

    def __init__(self, files):
        self.words = COMMON + made_up_words(max(2_000, files // 2))
        weights = [1.0 / (rank + 10) ** 1.1 for rank in range(len(self.words))]
        total, self.cumulative = 0.0, []
        for w in weights:
            total += w
            self.cumulative.append(total)
        self.total = total


VOCABULARY = None


def word(rng):
    v = VOCABULARY
    return v.words[bisect.bisect(v.cumulative, rng.random() * v.total)]


def pick(rng, items):
    return items[int(rng.random() * len(items))]


def snake(parts):
    return "_".join(parts)


def camel(parts):
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def pascal(parts):
    return "".join(p.capitalize() for p in parts)


def sentence(rng, topic):
    """A docstring sentence about the topic."""
    verb = pick(rng, VERBS)
    return (f"{verb.capitalize()} the {word(rng)} {topic} of a {word(rng)} and keep its "
            f"{word(rng)} in step with the {word(rng)} {word(rng)}")


def function_count(rng):
    """2 to 24 functions, most files small."""
    return min(24, 2 + int(rng.expovariate(1 / 3.5)))


class Unit:
    """The names one function or method is made of."""

    def __init__(self, rng, topic):
        self.verb = pick(rng, VERBS)
        self.noun = [topic, word(rng)] if rng.random() < 0.5 else [word(rng)]
        self.args = [word(rng) for _ in range(1 + int(rng.random() * 3))]
        self.local = word(rng)
        self.doc = sentence(rng, topic)
        self.note = f"{word(rng)} before {word(rng)}: the {word(rng)} may be empty"
        self.steps = 1 + int(rng.random() * 4)


def python_file(rng, topic, n):
    out = [f'"""{sentence(rng, topic)}."""\n\nimport {word(rng)}\nfrom .{word(rng)} import {snake([word(rng), topic])}\n\n']
    units = [Unit(rng, topic) for _ in range(function_count(rng))]
    methods = units[: len(units) // 2] if rng.random() < 0.6 else []
    if methods:
        out.append(f"\nclass {pascal([topic, word(rng)])}:\n    \"\"\"{sentence(rng, topic)}.\"\"\"\n\n")
        out.append(f"    def __init__(self, {topic}):\n        self.{topic} = {topic}\n\n")
        for u in methods:
            name = snake([u.verb] + u.noun)
            out.append(f"    def {name}(self, {', '.join(u.args)}):\n        \"\"\"{u.doc}.\"\"\"\n")
            out.append(f"        # {u.note}\n        {u.local} = self.{topic}.get({u.args[0]!s})\n")
            for s in range(u.steps):
                out.append(f"        {u.local} = {snake([u.verb, u.args[-1]])}({u.local}, {s})\n")
            out.append(f"        return {u.local}\n\n")
    for u in units[len(methods):]:
        name = snake([u.verb] + u.noun)
        out.append(f"\ndef {name}({', '.join(u.args)}):\n    \"\"\"{u.doc}.\"\"\"\n")
        out.append(f"    # {u.note}\n    {u.local} = []\n    for item in {u.args[0]}:\n")
        for s in range(u.steps):
            out.append(f"        if item.{word(rng)} > {s}:\n            {u.local}.append(item)\n")
        out.append(f"    return {u.local}\n\n")
    return "".join(out)


def script_file(rng, topic, n, typed):
    ty = (lambda t: f": {t}") if typed else (lambda t: "")
    out = [f"/**\n * {sentence(rng, topic)}.\n */\n\nimport {{ {camel([word(rng), topic])} }} from './{word(rng)}';\n\n"]
    units = [Unit(rng, topic) for _ in range(function_count(rng))]
    methods = units[: len(units) // 2] if rng.random() < 0.5 else []
    if methods:
        out.append(f"export class {pascal([topic, word(rng)])} {{\n  constructor(private {topic}{ty('Map<string, number>')}) {{}}\n\n")
        for u in methods:
            args = ", ".join(a + ty("number") for a in u.args)
            out.append(f"  /** {u.doc}. */\n  {camel([u.verb] + u.noun)}({args}){ty('number')} {{\n")
            out.append(f"    // {u.note}\n    let {u.local} = this.{topic}.get('{u.args[0]}') ?? 0;\n")
            for s in range(u.steps):
                out.append(f"    {u.local} += {u.args[-1]} * {s + 1};\n")
            out.append(f"    return {u.local};\n  }}\n\n")
        out.append("}\n\n")
    for u in units[len(methods):]:
        args = ", ".join(a + ty("number[]") for a in u.args)
        out.append(f"/** {u.doc}. */\nexport function {camel([u.verb] + u.noun)}({args}){ty('number')} {{\n")
        out.append(f"  // {u.note}\n  let {u.local} = 0;\n  for (const x of {u.args[0]}) {{\n")
        for s in range(u.steps):
            out.append(f"    if (x > {s}) {{ {u.local} += x; }}\n")
        out.append(f"  }}\n  return {u.local};\n}}\n\n")
    return "".join(out)


def go_file(rng, topic, n):
    out = [f"// Package {topic} does this: {sentence(rng, topic)}.\npackage {topic}\n\nimport \"{word(rng)}\"\n\n"]
    units = [Unit(rng, topic) for _ in range(function_count(rng))]
    methods = units[: len(units) // 2] if rng.random() < 0.6 else []
    struct = pascal([topic, word(rng)])
    if methods:
        out.append(f"// {struct} keeps the {word(rng)} of a {topic}.\ntype {struct} struct {{\n\t{pascal([word(rng)])} map[string]int\n\t{pascal([word(rng)])} []int\n}}\n\n")
        for u in methods:
            name = pascal([u.verb] + u.noun)
            out.append(f"// {name}: {u.doc}.\nfunc (s *{struct}) {name}({', '.join(u.args)} int) int {{\n")
            out.append(f"\t// {u.note}\n\t{u.local} := {u.args[0]}\n")
            for s in range(u.steps):
                out.append(f"\t{u.local} += {u.args[-1]} * {s + 1}\n")
            out.append(f"\treturn {u.local}\n}}\n\n")
    for u in units[len(methods):]:
        name = pascal([u.verb] + u.noun)
        out.append(f"// {name}: {u.doc}.\nfunc {name}({', '.join(u.args)} []int) int {{\n")
        out.append(f"\t// {u.note}\n\t{u.local} := 0\n\tfor _, x := range {u.args[0]} {{\n")
        for s in range(u.steps):
            out.append(f"\t\tif x > {s} {{\n\t\t\t{u.local} += x\n\t\t}}\n")
        out.append(f"\t}}\n\treturn {u.local}\n}}\n\n")
    return "".join(out)


def rust_file(rng, topic, n):
    out = [f"//! {sentence(rng, topic)}.\n\nuse crate::{word(rng)}::{pascal([word(rng), topic])};\n\n"]
    units = [Unit(rng, topic) for _ in range(function_count(rng))]
    methods = units[: len(units) // 2] if rng.random() < 0.6 else []
    struct = pascal([topic, word(rng)])
    if methods:
        out.append(f"/// The {word(rng)} of a {topic}.\npub struct {struct} {{\n    {word(rng)}: Vec<u32>,\n}}\n\nimpl {struct} {{\n")
        for u in methods:
            args = ", ".join(f"{a}: u32" for a in u.args)
            out.append(f"    /// {u.doc}.\n    pub fn {snake([u.verb] + u.noun)}(&self, {args}) -> u32 {{\n")
            out.append(f"        // {u.note}\n        let mut {u.local} = {u.args[0]};\n")
            for s in range(u.steps):
                out.append(f"        {u.local} += {u.args[-1]} * {s + 1};\n")
            out.append(f"        {u.local}\n    }}\n\n")
        out.append("}\n\n")
    for u in units[len(methods):]:
        args = ", ".join(f"{a}: &[u32]" for a in u.args)
        out.append(f"/// {u.doc}.\npub fn {snake([u.verb] + u.noun)}({args}) -> u32 {{\n")
        out.append(f"    // {u.note}\n    let mut {u.local} = 0;\n    for x in {u.args[0]} {{\n")
        for s in range(u.steps):
            out.append(f"        if *x > {s} {{\n            {u.local} += x;\n        }}\n")
        out.append(f"    }}\n    {u.local}\n}}\n\n")
    return "".join(out)


def markdown_file(rng, topic, n):
    out = [f"# The {topic} {word(rng)}\n\n{sentence(rng, topic)}.\n\n"]
    for _ in range(function_count(rng)):
        out.append(f"## {pick(rng, VERBS).capitalize()} a {word(rng)} {topic}\n\n")
        for _ in range(1 + int(rng.random() * 3)):
            out.append(f"{sentence(rng, topic)}. See `{snake([pick(rng, VERBS), topic])}` for the {word(rng)}.\n")
        out.append("\n")
    return "".join(out)


def yaml_file(rng, topic, n):
    out = [f"# {sentence(rng, topic)}.\n{topic}:\n"]
    for _ in range(function_count(rng) * 2):
        out.append(f"  {snake([word(rng), word(rng)])}: {int(rng.random() * 1000)}\n")
    return "".join(out)


WRITERS = {
    "py": python_file,
    "ts": lambda rng, topic, n: script_file(rng, topic, n, True),
    "js": lambda rng, topic, n: script_file(rng, topic, n, False),
    "go": go_file,
    "rs": rust_file,
    "md": markdown_file,
    "yaml": yaml_file,
}
EXTENSIONS = [ext for ext, share in LANGUAGES for _ in range(share)]


def file_for(n, seed):
    """Path and text of file number `n`; depends only on (n, seed), so files can be made in
    any order and on any number of processes."""
    rng = random.Random(seed * 1_000_003 + n)
    ext = EXTENSIONS[int(rng.random() * len(EXTENSIONS))]
    module = n // FILES_PER_MODULE
    package = module // MODULES_PER_PACKAGE
    # Names of folders come from their own generator, so they are stable for a folder.
    names = random.Random(seed * 7_919 + module)
    topic = word(names)
    library = word(random.Random(seed * 31 + package))
    if package % VENDORED_EVERY == VENDORED_EVERY - 1:
        folder = f"vendor/{library}-lib/{topic}{module}"
    else:
        folder = f"src/{library}{package}/{topic}{module}"
    name = snake([word(rng), topic]) + f"_{n}.{ext}"
    return f"{folder}/{name}", WRITERS[ext](rng, topic, n)


def init_worker(files):
    global VOCABULARY
    VOCABULARY = Vocabulary(files)


def write_range(args):
    root, start, stop, seed = args
    made, written = set(), 0
    for n in range(start, stop):
        path, text = file_for(n, seed)
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(os.path.join(root, folder), exist_ok=True)
            made.add(folder)
        data = text.encode()
        with open(os.path.join(root, path), "wb") as f:
            f.write(data)
        written += len(data)
    return written


MESSAGE = b"Generated workspace, one commit"


def commit(root):
    """One commit of every file, with a fixed author and date: a fast-import stream that
    names every file, then a reset that fills git's index from the files on disk."""
    env = dict(os.environ, GIT_AUTHOR_DATE="1700000000 +0000", GIT_COMMITTER_DATE="1700000000 +0000")
    subprocess.run(["git", "init", "-q", "-b", "main", root], check=True)
    paths = []
    for base, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for f in files:
            paths.append(os.path.relpath(os.path.join(base, f), root))
    paths.sort()
    # Uncompressed: fast-import takes 15x longer to deflate than to write, and the pack is
    # only read back by this machine.
    importer = subprocess.Popen(["git", "-c", "pack.compression=0", "fast-import", "--quiet",
                                 "--date-format=raw"],
                                cwd=root, stdin=subprocess.PIPE, env=env)
    out = importer.stdin
    out.write(b"commit refs/heads/main\n"
              b"author Generator <generator@example.invalid> 1700000000 +0000\n"
              b"committer Generator <generator@example.invalid> 1700000000 +0000\n"
              b"data %d\n%s\n" % (len(MESSAGE), MESSAGE))
    for path in paths:
        with open(os.path.join(root, path), "rb") as f:
            data = f.read()
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")
    # The index from the commit, then stat information from the files (they match the commit).
    subprocess.run(["git", "reset", "-q", "--mixed"], cwd=root, check=True, env=env)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True,
                          capture_output=True, text=True).stdout.strip()
    return head


def generate(root, files, seed=1, git=True, jobs=None):
    """Write `files` files under `root` (and commit them unless git is False); returns
    (bytes written, commit id or None)."""
    if os.path.isdir(root) and os.listdir(root):
        raise SystemExit(f"{root} is not empty")
    os.makedirs(root, exist_ok=True)
    jobs = jobs or os.cpu_count() or 1
    step = max(1, files // (jobs * 8))
    ranges = [(root, s, min(files, s + step), seed) for s in range(0, files, step)]
    if jobs == 1:
        init_worker(files)
        written = sum(map(write_range, ranges))
    else:
        with ProcessPoolExecutor(jobs, initializer=init_worker, initargs=(files,)) as pool:
            written = sum(pool.map(write_range, ranges))
    return written, commit(root) if git else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--files", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-git", action="store_true", help="write the files only")
    parser.add_argument("--jobs", type=int, help="processes (default: one per core)")
    args = parser.parse_args()
    if args.files <= 0:
        parser.error("--files must be positive")
    written, head = generate(args.dir, args.files, args.seed, not args.no_git, args.jobs)
    print(f"{args.files} files, {written} bytes, commit {head or 'none'}")


if __name__ == "__main__":
    main()
