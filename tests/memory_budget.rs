//! Memory regression gate: `ail index` on a generated 20,000-file workspace must stay under
//! the peak RSS recorded in `benches/memory-baseline.json` plus 20%. Peak RSS is a count of
//! pages, not a timing, so it does not flake on a busy machine; a change that makes the index
//! or the indexing pass much bigger fails here.
//!
//! This file holds one test on purpose: the peak comes from `getrusage(RUSAGE_CHILDREN)`,
//! which covers every child this test binary has waited for.

use std::path::Path;
use std::process::Command;

const FILES: usize = 20_000;
/// Allowed growth over the recorded baseline.
const TOLERANCE: f64 = 1.20;

/// Words that identifiers and comments are made of, so the vocabulary is realistic: a few
/// hundred words combined into many thousands of identifiers.
const WORDS: &[&str] = &[
    "account",
    "active",
    "address",
    "admin",
    "agent",
    "alert",
    "amount",
    "archive",
    "asset",
    "audit",
    "backup",
    "balance",
    "batch",
    "billing",
    "block",
    "book",
    "branch",
    "bucket",
    "buffer",
    "build",
    "bundle",
    "cache",
    "cart",
    "catalog",
    "channel",
    "chart",
    "check",
    "client",
    "cluster",
    "column",
    "comment",
    "config",
    "contact",
    "content",
    "context",
    "cookie",
    "counter",
    "coupon",
    "credit",
    "cursor",
    "customer",
    "dashboard",
    "data",
    "date",
    "debug",
    "default",
    "delivery",
    "device",
    "digest",
    "domain",
    "draft",
    "email",
    "engine",
    "entry",
    "event",
    "export",
    "feature",
    "feed",
    "field",
    "file",
    "filter",
    "folder",
    "form",
    "frame",
    "gateway",
    "graph",
    "group",
    "handler",
    "header",
    "health",
    "history",
    "host",
    "image",
    "import",
    "index",
    "invoice",
    "item",
    "job",
    "journal",
    "key",
    "label",
    "layer",
    "ledger",
    "limit",
    "link",
    "list",
    "locale",
    "lock",
    "log",
    "manager",
    "map",
    "media",
    "member",
    "menu",
    "message",
    "metric",
    "model",
    "module",
    "monitor",
    "node",
    "note",
    "notice",
    "offer",
    "order",
    "owner",
    "package",
    "page",
    "panel",
    "parser",
    "partner",
    "payment",
    "period",
    "permission",
    "pipeline",
    "plan",
    "policy",
    "pool",
    "post",
    "price",
    "profile",
    "project",
    "promo",
    "query",
    "queue",
    "quota",
    "rate",
    "record",
    "region",
    "release",
    "report",
    "request",
    "resource",
    "response",
    "review",
    "role",
    "route",
    "rule",
    "schedule",
    "schema",
    "score",
    "search",
    "secret",
    "segment",
    "sensor",
    "server",
    "service",
    "session",
    "setting",
    "shard",
    "shipment",
    "signal",
    "snapshot",
    "source",
    "stage",
    "state",
    "status",
    "stock",
    "storage",
    "store",
    "stream",
    "subscription",
    "summary",
    "supplier",
    "survey",
    "table",
    "tag",
    "task",
    "tax",
    "team",
    "template",
    "tenant",
    "theme",
    "thread",
    "ticket",
    "timer",
    "token",
    "topic",
    "trace",
    "track",
    "transfer",
    "trigger",
    "upload",
    "user",
    "value",
    "vendor",
    "version",
    "view",
    "volume",
    "wallet",
    "warehouse",
    "widget",
    "window",
    "worker",
    "zone",
];
const VERBS: &[&str] = &[
    "add", "apply", "build", "cancel", "check", "clean", "close", "compute", "count", "create",
    "decode", "delete", "encode", "export", "fetch", "find", "flush", "format", "get", "handle",
    "import", "load", "lock", "merge", "open", "parse", "publish", "read", "refresh", "remove",
    "render", "reset", "resolve", "retry", "save", "scan", "send", "set", "sort", "split", "start",
    "stop", "sync", "update", "validate", "write",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() % from.len()]
    }
}

/// One generated source file: a few documented functions in the file's language.
fn source_file(rng: &mut Rng, ext: &str, n: usize) -> String {
    let mut out = String::new();
    for f in 0..3 + rng.next() % 4 {
        let (verb, noun, other) = (rng.pick(VERBS), rng.pick(WORDS), rng.pick(WORDS));
        let doc = format!(
            "{verb} the {noun} of a {other} and keep its {} in step",
            rng.pick(WORDS)
        );
        let name = format!("{verb}_{noun}_{other}_{n}_{f}");
        match ext {
            "py" => out.push_str(&format!(
                "def {name}({other}, {noun}=None):\n    \"\"\"{doc}.\"\"\"\n    {noun}_count = len({other})\n    return {noun}_count + {f}\n\n\n"
            )),
            "rs" => out.push_str(&format!(
                "/// {doc}.\npub fn {name}({other}: &[u32]) -> usize {{\n    let {noun}_count = {other}.len();\n    {noun}_count + {f}\n}}\n\n"
            )),
            "go" => out.push_str(&format!(
                "// {name} does this: {doc}.\nfunc {name}({other} []int) int {{\n\t{noun}Count := len({other})\n\treturn {noun}Count + {f}\n}}\n\n"
            )),
            "js" => out.push_str(&format!(
                "/** {doc}. */\nexport function {name}({other}) {{\n  const {noun}Count = {other}.length;\n  return {noun}Count + {f};\n}}\n\n"
            )),
            _ => out.push_str(&format!(
                "## {verb} {noun} {other} {n}.{f}\n\n{doc}. The {} {} goes to the {}.\n\n",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.pick(WORDS)
            )),
        }
    }
    out
}

fn generate(root: &Path) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for n in 0..FILES {
        let ext = ["py", "rs", "go", "js", "md"][n % 5];
        let dir = root.join(format!("pkg{:02}/mod{:03}", n % 40, n % 500));
        std::fs::create_dir_all(&dir).unwrap();
        let text = source_file(&mut rng, ext, n);
        std::fs::write(dir.join(format!("file{n}.{ext}")), text).unwrap();
    }
}

fn baseline_mib() -> f64 {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/memory-baseline.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = if cfg!(debug_assertions) {
        "index20kPeakRssMibDebug"
    } else {
        "index20kPeakRssMibRelease"
    };
    json[key].as_f64().unwrap_or_else(|| {
        panic!(
            "{key} missing from {}: measure this build profile's baseline first",
            path.display()
        )
    })
}

fn children_peak_rss_mib() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one `rusage` into the pointer it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage failed");
    // SAFETY: initialised by the successful call above.
    let usage = unsafe { usage.assume_init() };
    usage.ru_maxrss as f64 / 1024.0 // KiB on Linux
}

#[test]
fn indexing_twenty_thousand_files_stays_within_the_memory_baseline() {
    let workspace = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    generate(workspace.path());
    let out = Command::new(env!("CARGO_BIN_EXE_ail"))
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("index")
        .arg(workspace.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("Indexed {FILES} files")),
        "{stdout}"
    );
    let peak = children_peak_rss_mib();
    let budget = baseline_mib() * TOLERANCE;
    println!("peak RSS {peak:.1} MiB, budget {budget:.1} MiB ({stdout})");
    assert!(
        peak <= budget,
        "`ail index` of {FILES} files peaked at {peak:.1} MiB, over the budget of {budget:.1} MiB \
         (baseline in benches/memory-baseline.json + 20%); if the growth is intended, re-measure \
         and update the baseline"
    );
}
