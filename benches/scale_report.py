"""The report of benches/scale.py: the figures of every measured workspace against the goals of
issue 11, as markdown tables, and plots against chunk count as mermaid `xychart-beta` blocks
(which render on the forge and in most markdown viewers; they have no legend, so each plot's
caption says which mark is which)."""

import statistics

# (row name, goal, function of one workspace's figures -> text)
GOALS = [
    ("files / chunks", "", lambda f: f"{f['files']:,} / {f['chunks']:,}"),
    ("RSS when ready: anonymous / file-backed", "≤ 100 MB anonymous, ≤ 150 MB in all",
     lambda f: f"{f['ready_anon_mib']:.0f} / {f['ready_file_mib']:.0f} MiB"),
    ("first pass: peak anonymous / peak in all", "≤ 200 MB in all",
     lambda f: f"{f['first_pass_peak_anon_mib']:.0f} / {f['first_pass_peak_total_mib']:.0f} MiB"),
    ("`ail/reindex`: peak anonymous / peak in all", "≤ 200 MB in all",
     lambda f: f"{f['reindex_peak_anon_mib']:.0f} / {f['reindex_peak_total_mib']:.0f} MiB"),
    ("first pass, `initialized` to ready", "≤ 1 s per 1k files",
     lambda f: f"{f['first_pass_s']:.1f} s = {f['first_pass_s_per_1k_files']:.2f} s per 1k files"),
    ("uncached `ail/context` p50 / p95 / p99, one at a time", "p50 ≤ 3 ms, p95 ≤ 10 ms",
     lambda f: "{p50:.1f} / {p95:.1f} / {p99:.1f} ms".format(**f["uncached_ms"])),
    ("25 in flight p50 / p95 / p99", "p95 ≤ 60 ms",
     lambda f: "{p50:.0f} / {p95:.0f} / {p99:.0f} ms".format(**f["in_flight_25_ms"])),
    ("100 in flight p50 / p95 / p99", "",
     lambda f: "{p50:.0f} / {p95:.0f} / {p99:.0f} ms".format(**f["in_flight_100_ms"])),
    ("RSS after the latency runs (3 × the questions): anonymous / file-backed", "≤ 100 MB anonymous",
     lambda f: f"{f['after_queries_anon_mib']:.0f} / {f['after_queries_file_mib']:.0f} MiB"),
    ("cold start on the persisted index: ready / first answer", "",
     lambda f: "{ready_s:.2f} / {first_answer_s:.2f} s, {anon_mib:.0f} MiB anonymous".format(**f["restart"])),
    ("cold start from a prebuilt segment (`prebuiltIndex`): ready / first answer", "",
     lambda f: "{ready_s:.2f} / {first_answer_s:.2f} s, {anon_mib:.0f} MiB anonymous".format(**f["prebuilt"])
     if "prebuilt" in f else "not measured (no `ail index --out` in that build)"),
    ("index file", "", lambda f: f"{f['index_file_mib']:.0f} MiB"),
    ("load average: start, median while measuring, end", "",
     lambda f: f"{f['load_at_start']:.1f}, {statistics.median(f['load_samples'] or [0]):.1f}, {f['load_at_end']:.1f}"),
    ("measured", "", lambda f: f"{f['measured_at']}, `ail` at {f['binary_commit']}"),
]

ORDER = ["real", "20k", "100k", "300k"]


def title(label, figures):
    if figures.get("kind") == "real":
        return f"real ({figures['chunks'] / 1000:.0f}k chunks)"
    if label in ORDER:
        return f"generated {label} files"
    return label


def cell(fn, figures):
    try:
        return fn(figures)
    except (KeyError, TypeError, ValueError):
        return "—"


def chart(name, y_label, entries, series):
    """One xychart-beta block: entries sorted by chunk count, `series` a list of
    (kind, function of figures) with kind "bar" or "line"."""
    labels = ", ".join(f'"{f["chunks"] / 1000:.0f}k"' for _, f in entries)
    top = max((fn(f) for _, fn in series for _, f in entries), default=1.0)
    lines = ["```mermaid", "xychart-beta", f'    title "{name}"',
             f"    x-axis \"chunks\" [{labels}]",
             f'    y-axis "{y_label}" 0 --> {top * 1.15:.0f}']
    for kind, fn in series:
        values = ", ".join(f"{fn(f):.1f}" for _, f in entries)
        lines.append(f"    {kind} [{values}]")
    lines.append("```")
    return "\n".join(lines)


def render(results):
    labels = sorted(results, key=lambda l: (ORDER.index(l) if l in ORDER else len(ORDER), l))
    out = ["| measure | goal (issue 11) | " + " | ".join(title(l, results[l]) for l in labels) + " |",
           "|---|---|" + "---|" * len(labels)]
    for name, goal, fn in GOALS:
        out.append(f"| {name} | {goal} | " + " | ".join(cell(fn, results[l]) for l in labels) + " |")
    machines = sorted({results[l].get("machine", "") for l in labels})
    out.append("")
    out.append("Machine: " + "; ".join(machines) + ". MB in the goals, MiB (2^20 bytes) in the figures.")

    entries = sorted(((l, results[l]) for l in labels), key=lambda e: e[1]["chunks"])
    if len(entries) >= 2:
        names = ", ".join(f"{f['chunks'] / 1000:.0f}k = {title(l, f)}" for l, f in entries)
        out += ["", f"Plots against chunk count ({names}).", "",
                chart("RSS at ready (MiB)", "MiB", entries,
                      [("bar", lambda f: f["ready_file_mib"]), ("line", lambda f: f["ready_anon_mib"])]),
                "", "Bars: file-backed (the segment's pages, the kernel's to drop); line: anonymous.", "",
                chart("Peak anonymous RSS (MiB)", "MiB", entries,
                      [("bar", lambda f: f["first_pass_peak_anon_mib"]),
                       ("line", lambda f: f["reindex_peak_anon_mib"])]),
                "", "Bars: during the first pass; line: during `ail/reindex`.", "",
                chart("First pass, seconds per 1k files", "s", entries,
                      [("bar", lambda f: f["first_pass_s_per_1k_files"])]),
                "",
                chart("Uncached ail/context latency (ms)", "ms", entries,
                      [("bar", lambda f: f["uncached_ms"]["p95"]), ("line", lambda f: f["uncached_ms"]["p50"])]),
                "", "One at a time. Bars: p95; line: p50.", "",
                chart("25 and 100 in flight, p95 (ms)", "ms", entries,
                      [("bar", lambda f: f["in_flight_100_ms"]["p95"]),
                       ("line", lambda f: f["in_flight_25_ms"]["p95"])]),
                "", "Bars: 100 in flight; line: 25 in flight."]
    return "\n".join(out) + "\n"
