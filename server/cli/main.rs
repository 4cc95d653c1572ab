//! The `ail` binary: `ail index`, `ail context` and `ail status` call the engine directly;
//! `ail lsp` serves the same engine over the Language Server Protocol and `ail mcp` over the
//! Model Context Protocol.
//!
//! Exit codes follow ripgrep: 0 when something was found, 1 when nothing was, 2 on error.

use ail_engine::answer::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUESTION_BYTES};
use ail_engine::{Answer, Engine, EngineConfig, FileKind, Phase, Progress, Query};
use ail_protocol::budget::{self, MAX_MAX_TOKENS, MIN_MAX_TOKENS};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ail",
    version,
    about = "Repository context: the right places in your code, with history and citations"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct GlobalArgs {
    /// Where persisted indexes live (default: $AIL_CACHE_DIR, $XDG_CACHE_HOME/ail or ~/.cache/ail)
    #[arg(long, global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// A Model2Vec-format model directory to embed with instead of the built-in embedder
    #[arg(long, global = true, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Skip files larger than this many bytes
    #[arg(long, global = true, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Keep the index in memory only
    #[arg(long, global = true)]
    no_persist: bool,
    /// Weight of vendored and generated code against the project's own, 0 to 1 (default
    /// 0.5; 1 ranks them alike)
    #[arg(long, global = true, value_name = "W", value_parser = parse_weight)]
    vendored_weight: Option<f32>,
    /// Anonymous memory the index may hold while indexing, in megabytes (default 100): a
    /// larger workspace is written to disk in parts as it is indexed
    #[arg(long, global = true, value_name = "MB", value_parser = parse_budget)]
    memory_budget_mb: Option<u64>,
    /// Start from a prebuilt index (`ail index --out FILE`) when there is no index of the
    /// workspace yet; only files that differ from its commit are indexed
    #[arg(long, global = true, value_name = "FILE")]
    prebuilt: Option<PathBuf>,
}

/// A memory budget in megabytes, within the language server's accepted range.
fn parse_budget(text: &str) -> Result<u64, String> {
    let (min, max) = (
        ail_engine::config::MIN_MEMORY_BUDGET_MB,
        ail_engine::config::MAX_MEMORY_BUDGET_MB,
    );
    match text.parse::<u64>() {
        Ok(mb) if (min..=max).contains(&mb) => Ok(mb),
        _ => Err(format!(
            "expected a whole number of megabytes from {min} to {max}, got {text:?}"
        )),
    }
}

/// A weight between 0 and 1.
fn parse_weight(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(w) if (0.0..=1.0).contains(&w) => Ok(w),
        _ => Err(format!("expected a number from 0 to 1, got {text:?}")),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Build or refresh the persisted index of a workspace
    Index {
        /// The workspace folder
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Also write the index to FILE as a portable segment, keyed by the HEAD commit, for
        /// others to start from with `--prebuilt FILE` (or the `prebuiltIndex` setting)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Answer a question about a workspace with ranked, cited places
    Context {
        /// The workspace folder
        #[arg(long, short = 'w', default_value = ".", value_name = "DIR")]
        workspace: PathBuf,
        /// The file the question is about (biases ranking toward it)
        #[arg(long, short = 'f', value_name = "PATH")]
        file: Option<PathBuf>,
        /// The line in --file the question is about (1-based)
        #[arg(long, short = 'l', value_name = "N")]
        line: Option<u32>,
        /// How many places to return (1-100; default 10, or as many as fit --max-tokens)
        #[arg(long, short = 'k', allow_negative_numbers = true)]
        limit: Option<i64>,
        /// Pack the answer into this many tokens (o200k): whole places in rank order, then
        /// the best remaining one trimmed; prints the places' code
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        max_tokens: Option<i64>,
        /// Print the exact `ail/context` result object as JSON
        #[arg(long)]
        json: bool,
        /// The question, e.g. "how are chunks ranked"
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Serve the Language Server Protocol on stdin/stdout (for editors and AI assistants)
    Lsp {
        /// Accepted for compatibility with clients that pass it; stdio is the only transport
        #[arg(long)]
        stdio: bool,
    },
    /// Serve the Model Context Protocol on stdin/stdout (for AI assistants)
    Mcp {
        /// A workspace folder to serve (repeat for several; default: the current directory)
        #[arg(long, short = 'w', value_name = "DIR")]
        workspace: Vec<PathBuf>,
        /// Print the snippet that registers `ail mcp` with a client, then exit
        #[arg(long, value_name = "CLIENT", value_parser = clap::builder::PossibleValuesParser::new(ail_mcp::CLIENTS))]
        print_config: Option<String>,
    },
    /// Show what is indexed, where the index lives and its size
    Status {
        /// The workspace folder
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Print the `ail/status` result object as JSON
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    ail_engine::limit_allocator_arenas();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AIL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Index { dir, out } => index(&cli.global, &dir, out.as_deref()),
        Command::Context {
            workspace,
            file,
            line,
            limit,
            max_tokens,
            json,
            question,
        } => context(
            &cli.global,
            &workspace,
            ContextArgs {
                file: file.as_deref(),
                line,
                limit,
                max_tokens,
                json,
            },
            &question.join(" "),
        ),
        Command::Mcp {
            workspace,
            print_config,
        } => match print_config {
            Some(client) => print_client_config(&client),
            None => Ok(ExitCode::from(
                ail_mcp::run_stdio(config(&cli.global), workspace).clamp(0, 255) as u8,
            )),
        },
        Command::Status { dir, json } => status(&cli.global, &dir, json),
        Command::Lsp { stdio: _ } => Ok(ExitCode::from(
            ail_lsp::run_stdio(config(&cli.global)).clamp(0, 255) as u8,
        )),
    }
}

fn config(global: &GlobalArgs) -> EngineConfig {
    let mut config = EngineConfig {
        cache_dir: global.cache_dir.clone(),
        model_dir: global.model.clone(),
        ..Default::default()
    };
    if let Some(max) = global.max_file_size {
        config.max_file_size = max;
    }
    config.persist = !global.no_persist;
    if let Some(w) = global.vendored_weight {
        config.vendored_weight = w;
    }
    config.prebuilt_index = global.prebuilt.clone();
    if let Some(mb) = global.memory_budget_mb {
        config.memory_budget = (mb as usize) << 20;
    }
    config
}

fn open(global: &GlobalArgs, dir: &Path) -> Result<Engine, String> {
    if !dir.is_dir() {
        return Err(format!(
            "no such directory: {} (pass an existing folder)",
            dir.display()
        ));
    }
    Engine::open(dir, config(global)).map_err(|e| e.to_string())
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
fn progress_bar() -> (indicatif::ProgressBar, impl Fn(Progress)) {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg:10} [{bar:30}] {pos}/{len} files ({elapsed})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let handle = bar.clone();
    let report = move |p: Progress| {
        let msg = match p.phase {
            Phase::Walking => "walking",
            Phase::Indexing => "indexing",
            Phase::Embedding => "embedding",
            Phase::Saving => "saving",
        };
        handle.set_message(msg);
        if p.phase == Phase::Indexing {
            handle.set_length(p.total as u64);
            handle.set_position(p.done as u64);
        } else if p.phase != Phase::Walking {
            handle.set_position(handle.length().unwrap_or(0));
        }
    };
    (bar, report)
}

fn index(global: &GlobalArgs, dir: &Path, prebuilt_out: Option<&Path>) -> Result<ExitCode, String> {
    let engine = open(global, dir)?;
    let (bar, report) = progress_bar();
    let result = engine
        .refresh(&report, &ail_engine::CancelToken::new())
        .map_err(|e| e.to_string());
    bar.finish_and_clear();
    let r = result?;
    let status = engine.status();
    let skipped = r.skipped.total();
    let where_ = match (&status.index_path, status.index_file_bytes) {
        (Some(p), Some(bytes)) => format!("; index {} at {}", human_bytes(bytes), p.display()),
        _ => String::new(),
    };
    out(&format!(
        "Indexed {} files into {} chunks in {:.2} s ({} read, {} unchanged, {} removed, {} skipped){}",
        r.files, r.chunks, r.seconds, r.updated, r.unchanged, r.removed, skipped, where_
    ));
    if let Some(file) = prebuilt_out {
        let bytes = engine
            .write_prebuilt(file)
            .map_err(|e| format!("could not write {}: {e}", file.display()))?;
        out(&format!(
            "Wrote a prebuilt index of {} to {}",
            human_bytes(bytes),
            file.display()
        ));
    }
    exit_without_teardown(engine);
    Ok(ExitCode::SUCCESS)
}

/// `ail mcp --print-config CLIENT`, with the absolute path of this binary.
fn print_client_config(client: &str) -> Result<ExitCode, String> {
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot tell where this binary is: {e}"))?;
    out(ail_mcp::client_config(client, &exe)?.trim_end());
    Ok(ExitCode::SUCCESS)
}

/// The options of `ail context` besides the workspace and the question.
struct ContextArgs<'a> {
    file: Option<&'a Path>,
    line: Option<u32>,
    limit: Option<i64>,
    max_tokens: Option<i64>,
    json: bool,
}

fn context(
    global: &GlobalArgs,
    workspace: &Path,
    args: ContextArgs<'_>,
    question: &str,
) -> Result<ExitCode, String> {
    let ContextArgs {
        file,
        line,
        limit,
        max_tokens,
        json,
    } = args;
    if question.trim().is_empty() {
        return Err(
            "the question is empty: ask something, e.g. ail context \"how are chunks ranked\""
                .into(),
        );
    }
    let limit = match (limit, max_tokens) {
        (None, Some(_)) => MAX_LIMIT as i64,
        (limit, _) => limit.unwrap_or(DEFAULT_LIMIT as i64),
    };
    if limit < 1 || limit > MAX_LIMIT as i64 {
        return Err(format!(
            "--limit must be between 1 and {MAX_LIMIT}, got {limit}"
        ));
    }
    if let Some(n) = max_tokens {
        if n < MIN_MAX_TOKENS as i64 || n > MAX_MAX_TOKENS as i64 {
            return Err(format!(
                "--max-tokens must be between {MIN_MAX_TOKENS} and {MAX_MAX_TOKENS}, got {n}"
            ));
        }
    }
    let asked = question.trim().len();
    if asked > MAX_QUESTION_BYTES {
        return Err(format!(
            "the question is {asked} bytes long; at most {MAX_QUESTION_BYTES} are answered"
        ));
    }
    if line == Some(0) {
        return Err("--line is 1-based: the first line is 1".into());
    }
    if line.is_some() && file.is_none() {
        return Err("--line needs --file: say which file the line is in".into());
    }
    let engine = open(global, workspace)?;
    // One question per process: an answer cache would never be read.
    engine.set_cache_config(ail_engine::cache::CacheConfig {
        enabled: false,
        ..Default::default()
    });
    let rel_file = match file {
        Some(f) => {
            let candidate = if f.exists() {
                f.to_path_buf()
            } else {
                engine.root().join(f)
            };
            if !candidate.exists() {
                return Err(format!(
                    "no such file: {} (pass a path inside the workspace)",
                    f.display()
                ));
            }
            Some(engine.relative_path(&candidate).ok_or_else(|| {
                format!(
                    "{} is outside the workspace {} (pass --workspace)",
                    f.display(),
                    engine.root().display()
                )
            })?)
        }
        None => None,
    };
    let (bar, report) = progress_bar();
    let refreshed = engine
        .refresh(&report, &ail_engine::CancelToken::new())
        .map_err(|e| e.to_string());
    bar.finish_and_clear();
    refreshed?;
    let query = Query {
        question: question.to_string(),
        file: rel_file,
        line: line.map(|l| l - 1),
        limit: limit as usize,
        ..Default::default()
    };
    let answer = engine.query(&query).map_err(|e| e.to_string())?;
    if let Some(max_tokens) = max_tokens {
        let mut wire = ail_protocol::ContextResult::from_answer(&answer, engine.root());
        let focus_uri = query
            .file
            .as_ref()
            .map(|rel| ail_protocol::uri::file_uri(&engine.root().join(rel)));
        let focus = focus_uri
            .as_deref()
            .zip(query.line)
            .map(|(uri, line)| budget::Focus { uri, line });
        let max_size = engine.config().max_file_size;
        budget::pack(&mut wire, max_tokens as usize, focus, &|item| {
            // Paths of results come from the index; read them through the engine's gate.
            let bytes = ail_engine::safe_path::read_regular(engine.root(), &item.path, max_size);
            bytes.ok().and_then(|b| String::from_utf8(b).ok())
        });
        if json {
            out(&serde_json::to_string_pretty(&wire).map_err(|e| e.to_string())?);
        } else {
            out(ail_protocol::render::context_text(&wire).trim_end());
        }
    } else if json {
        let wire = ail_protocol::ContextResult::from_answer(&answer, engine.root());
        out(&serde_json::to_string_pretty(&wire).map_err(|e| e.to_string())?);
    } else {
        let summary = ail_protocol::ContextResult::from_answer(&answer, engine.root()).summary;
        out(&human_answer(&answer, &summary));
    }
    let code = if answer.results.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    exit_without_teardown(engine);
    Ok(code)
}

/// The process is about to exit: let the OS take the index back in one go instead of
/// freeing its many small allocations one by one (tens of milliseconds on a large index).
fn exit_without_teardown(engine: Engine) {
    std::mem::forget(engine);
}

fn human_answer(answer: &Answer, summary: &str) -> String {
    let mut s = String::new();
    for hit in &answer.results {
        let name = hit
            .symbol
            .as_deref()
            .map(|sym| format!("  {sym} ({})", hit.kind.as_str()))
            .unwrap_or_default();
        let kind = match hit.file_kind {
            FileKind::FirstParty => String::new(),
            other => format!("  [{}]", other.as_str()),
        };
        s.push_str(&format!(
            "{}. {}:{}-{}{}{}  score {:.2}\n",
            hit.citation,
            hit.path,
            hit.start_line + 1,
            hit.end_line.max(hit.start_line + 1),
            name,
            kind,
            hit.score
        ));
        if !hit.copies.is_empty() {
            let copies: Vec<String> = hit
                .copies
                .iter()
                .map(|c| format!("{}:{}", c.path, c.start_line + 1))
                .collect();
            s.push_str(&format!("     same text at {}\n", copies.join(", ")));
        }
        for l in hit.snippet.lines().take(3) {
            s.push_str(&format!("     {l}\n"));
        }
    }
    if !answer.results.is_empty() {
        s.push('\n');
    }
    s.push_str(summary);
    s.push('\n');
    for w in &answer.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s.push_str(&format!(
        "confidence {:.2} · {:.1} ms · {} files, {} chunks",
        answer.confidence, answer.timings.total, answer.index.files, answer.index.chunks
    ));
    s
}

fn status(global: &GlobalArgs, dir: &Path, json: bool) -> Result<ExitCode, String> {
    let engine = open(global, dir)?;
    let s = engine.status();
    if json {
        let wire = ail_protocol::StatusResult::from_status(&s, ail_protocol::memory_usage());
        out(&serde_json::to_string_pretty(&wire).map_err(|e| e.to_string())?);
        exit_without_teardown(engine);
        return Ok(ExitCode::SUCCESS);
    }
    let mut lines = vec![format!("workspace  {}", s.root.display())];
    if s.files == 0 && !engine.is_ready() {
        lines.push(format!(
            "state      not indexed yet: run `ail index {}`",
            dir.display()
        ));
    } else {
        lines.push(format!("state      {}", s.state.as_str()));
        lines.push(format!("files      {}", s.files));
        let kinds: Vec<String> = FileKind::ALL
            .iter()
            .zip(s.files_by_kind)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {}", k.as_str()))
            .collect();
        if !kinds.is_empty() {
            lines.push(format!("kinds      {}", kinds.join(", ")));
        }
        lines.push(format!("chunks     {}", s.chunks));
        let memory = ail_protocol::memory_usage();
        lines.push(format!(
            "memory     {} anonymous, {} file-backed (index: {} in memory, the rest mapped)",
            human_bytes(memory.anon),
            human_bytes(memory.file),
            human_bytes(s.index_bytes as u64)
        ));
    }
    let sk = s.skipped;
    if sk.total() > 0 {
        lines.push(format!(
            "skipped    {} binary, {} too large, {} not UTF-8, {} unreadable, {} symlinks, {} special files",
            sk.binary, sk.too_large, sk.not_utf8, sk.unreadable, sk.symlink, sk.special
        ));
    }
    match (&s.index_path, s.index_file_bytes) {
        (Some(p), Some(bytes)) => lines.push(format!(
            "index      {} ({})",
            p.display(),
            human_bytes(bytes)
        )),
        (Some(p), None) => lines.push(format!("index      {} (not written yet)", p.display())),
        (None, _) => lines.push("index      in memory only".into()),
    }
    lines.push(format!(
        "embedder   {} · vectors {}",
        s.embedder, s.vector_index
    ));
    if let Some(note) = &s.load_note {
        if s.files == 0 {
            lines.push(format!("note       {note}"));
        }
    }
    out(&lines.join("\n"));
    Ok(ExitCode::SUCCESS)
}

fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// Print a line to stdout; a closed pipe (`ail context ... | head`) is not an error.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
}
