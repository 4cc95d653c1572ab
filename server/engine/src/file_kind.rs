//! What kind of file each is: first-party code, vendored code, generated code, tests or
//! documentation, decided the way GitHub's linguist decides it.
//!
//! Order of evidence: `.gitattributes` (`linguist-vendored`, `linguist-generated`,
//! `linguist-documentation`, and their `-`/`=false` negations) wins over everything; then
//! vendored folders (`vendor/`, `third_party/`, `node_modules/`, `_vendor/`, ...); then
//! generated files (suffixes such as `.pb.go` and `_pb2.py`, lock files, minified files,
//! headers such as "Code generated ... DO NOT EDIT" and `@generated`); then tests; then
//! documentation. The ranking reads the kind as a prior, never as a filter.

use globset::{GlobBuilder, GlobMatcher};
use std::path::Path;

/// A file's kind. The numbers are stored in the index; keep them stable.
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// The project's own code (and anything not known to be otherwise).
    #[default]
    FirstParty = 0,
    /// Third-party code copied into the repository.
    Vendored = 1,
    /// Made by a tool: protobuf output, lock files, minified bundles.
    Generated = 2,
    /// Tests of the project's code.
    Test = 3,
    /// Prose about the project: READMEs, docs folders, change logs.
    Documentation = 4,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [
        FileKind::FirstParty,
        FileKind::Vendored,
        FileKind::Generated,
        FileKind::Test,
        FileKind::Documentation,
    ];

    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The kind stored as `n`; an unknown number reads as first-party.
    pub fn from_u8(n: u8) -> FileKind {
        FileKind::ALL
            .get(n as usize)
            .copied()
            .unwrap_or(FileKind::FirstParty)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::FirstParty => "first-party",
            FileKind::Vendored => "vendored",
            FileKind::Generated => "generated",
            FileKind::Test => "test",
            FileKind::Documentation => "documentation",
        }
    }

    /// Code the project did not write by hand: ranked below its own by default.
    pub fn is_third_party_or_generated(self) -> bool {
        matches!(self, FileKind::Vendored | FileKind::Generated)
    }
}

impl serde::Serialize for FileKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.as_u8())
    }
}

impl<'de> serde::Deserialize<'de> for FileKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u8::deserialize(d).map(FileKind::from_u8)
    }
}

/// Folder names under which everything is vendored (linguist's `vendor.yml`, the common
/// part of it). Compared case-sensitively, as linguist does for most of them.
const VENDORED_DIRS: &[&str] = &[
    "vendor",
    "vendors",
    "_vendor",
    "vendored",
    "third_party",
    "third-party",
    "thirdparty",
    "3rdparty",
    "3rd_party",
    "3rd-party",
    "node_modules",
    "bower_components",
    "jspm_packages",
    "site-packages",
    "Godeps",
    "Pods",
    "Carthage",
    "deps",
    "extern",
    "externals",
];

/// File-name endings of tool output.
const GENERATED_SUFFIXES: &[&str] = &[
    ".pb.go",
    ".pb.gw.go",
    "_pb2.py",
    "_pb2.pyi",
    "_pb2_grpc.py",
    ".pb.h",
    ".pb.cc",
    ".pb.c",
    "_pb.js",
    "_pb.d.ts",
    "_grpc_pb.js",
    "_pb.ts",
    ".pb.swift",
    ".pb.dart",
    ".pbjson.dart",
    ".g.dart",
    ".freezed.dart",
    ".designer.cs",
    ".generated.cs",
    ".g.cs",
    "_generated.go",
    ".gen.go",
    ".min.js",
    ".min.css",
    "-min.js",
    "-min.css",
    ".js.map",
    ".css.map",
    ".bundle.js",
];

/// Whole file names of tool output (lock files and the like).
const GENERATED_NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.lock",
    "go.sum",
    "poetry.lock",
    "Pipfile.lock",
    "composer.lock",
    "Gemfile.lock",
    "flake.lock",
    "uv.lock",
];

/// Folder names that hold tests, and benchmarks, which exercise the code as tests do (Go
/// keeps its benchmarks in `_test.go` files; Cargo's `benches/` sit beside `tests/`).
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "testdata",
    "test_data",
    "testing",
    "e2e",
    "benches",
    "benchmarks",
];

/// Folder names that hold documentation (linguist's `documentation.yml`).
const DOC_DIRS: &[&str] = &[
    "doc",
    "docs",
    "Doc",
    "Docs",
    "documentation",
    "Documentation",
];

/// File names (before the first dot) of project prose.
const DOC_NAMES: &[&str] = &[
    "README",
    "CHANGELOG",
    "CHANGES",
    "HISTORY",
    "NEWS",
    "CONTRIBUTING",
    "AUTHORS",
    "LICENSE",
    "LICENCE",
    "COPYING",
    "INSTALL",
    "CODE_OF_CONDUCT",
    "SECURITY",
];

/// How far into a file a generated-code header is looked for.
const HEADER_BYTES: usize = 1024;
/// Lines longer than this on average mark a minified file (linguist uses 110).
const MINIFIED_AVERAGE_LINE: usize = 110;

/// The kind of the file at `path` (workspace-relative, `/`-separated) with content `text`,
/// before `.gitattributes` overrides.
pub fn classify(path: &str, text: &str) -> FileKind {
    let (dirs, name) = match path.rsplit_once('/') {
        Some((dirs, name)) => (dirs, name),
        None => ("", path),
    };
    let folders = || dirs.split('/').filter(|d| !d.is_empty());
    if folders().any(|d| VENDORED_DIRS.contains(&d)) {
        return FileKind::Vendored;
    }
    if is_generated(name, text) {
        return FileKind::Generated;
    }
    if folders().any(|d| TEST_DIRS.contains(&d)) || is_test_file(name) {
        return FileKind::Test;
    }
    let stem = name.split('.').next().unwrap_or(name);
    if folders().any(|d| DOC_DIRS.contains(&d))
        || DOC_NAMES.iter().any(|n| stem.eq_ignore_ascii_case(n))
    {
        return FileKind::Documentation;
    }
    FileKind::FirstParty
}

/// Test files by the naming conventions of common languages.
fn is_test_file(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    name.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name == "conftest.py"
        || (stem.len() > 4 && (stem.ends_with("Test") || stem.ends_with("Tests")))
}

/// Tool output, by name or by the header tools write.
fn is_generated(name: &str, text: &str) -> bool {
    if GENERATED_NAMES.contains(&name) || GENERATED_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return true;
    }
    let mut cut = text.len().min(HEADER_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = text[..cut].to_ascii_lowercase();
    let header = head.contains("@generated")
        || (head.contains("do not edit")
            && (head.contains("generated") || head.contains("autogenerated")))
        || head.contains("generated by the protocol buffer compiler")
        || head.contains("this file was automatically generated")
        || head.contains("this file is automatically generated");
    header || is_minified(name, text)
}

/// A script or style sheet whose lines are, on average, far longer than people write.
fn is_minified(name: &str, text: &str) -> bool {
    let script = [".js", ".mjs", ".cjs", ".css"]
        .iter()
        .any(|e| name.ends_with(e));
    if !script || text.is_empty() {
        return false;
    }
    let lines = text.lines().count().max(1);
    text.len() / lines > MINIFIED_AVERAGE_LINE
}

/// One `.gitattributes` line that says something about a kind.
#[derive(Clone, Debug)]
struct AttributeRule {
    /// The folder of the `.gitattributes` file ("" at the root), `/`-terminated unless root.
    base: String,
    /// Matched against the path below `base` (pattern with a slash) or the file name.
    glob: GlobMatcher,
    anchored: bool,
    /// `Some(true)` sets the attribute, `Some(false)` unsets it, for each of vendored,
    /// generated and documentation.
    vendored: Option<bool>,
    generated: Option<bool>,
    documentation: Option<bool>,
}

/// The `linguist-*` overrides of a workspace's `.gitattributes` files. Later rules win,
/// and rules of a deeper `.gitattributes` come after those of the folders above it.
#[derive(Clone, Debug, Default)]
pub struct KindRules {
    rules: Vec<AttributeRule>,
}

impl KindRules {
    /// Read the `.gitattributes` of `root` and of every folder in `folders`
    /// (workspace-relative, `/`-separated). Unreadable files and bad patterns are skipped.
    pub fn load(root: &Path, folders: impl IntoIterator<Item = String>) -> KindRules {
        let mut folders: Vec<String> = folders.into_iter().collect();
        folders.push(String::new());
        folders.sort_by(|a, b| {
            let depth = |s: &str| {
                if s.is_empty() {
                    0
                } else {
                    s.matches('/').count() + 1
                }
            };
            depth(a).cmp(&depth(b)).then(a.cmp(b))
        });
        folders.dedup();
        let mut rules = KindRules::default();
        for folder in folders {
            let rel = if folder.is_empty() {
                ".gitattributes".to_string()
            } else {
                format!("{folder}/.gitattributes")
            };
            let Ok((file, _)) = crate::safe_path::open_regular(root, &rel) else {
                continue;
            };
            let Ok(bytes) = crate::safe_path::read_capped(file, 1 << 20) else {
                continue;
            };
            if let Ok(text) = std::str::from_utf8(&bytes) {
                rules.add_file(&folder, text);
            }
        }
        rules
    }

    /// Add the rules of one `.gitattributes` file that lives in `folder`.
    pub fn add_file(&mut self, folder: &str, text: &str) {
        let base = if folder.is_empty() {
            String::new()
        } else {
            format!("{}/", folder.trim_end_matches('/'))
        };
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let Some(pattern) = fields.next() else {
                continue;
            };
            let mut rule = (None, None, None);
            for attr in fields {
                let (name, value) = if let Some(n) = attr.strip_prefix('-') {
                    (n, Some(false))
                } else if let Some(n) = attr.strip_prefix('!') {
                    (n, None)
                } else if let Some((n, v)) = attr.split_once('=') {
                    (n, Some(!matches!(v, "false" | "0" | "no")))
                } else {
                    (attr, Some(true))
                };
                match name {
                    "linguist-vendored" => rule.0 = Some(value),
                    "linguist-generated" => rule.1 = Some(value),
                    "linguist-documentation" => rule.2 = Some(value),
                    _ => {}
                }
            }
            if rule == (None, None, None) {
                continue;
            }
            // `!x` ("unspecified") resets to what the file itself says: no override.
            let flatten = |v: Option<Option<bool>>| v.map(|v| v.unwrap_or(false));
            let anchored = pattern.trim_end_matches('/').contains('/');
            let pattern = pattern.trim_start_matches('/');
            let Ok(glob) = GlobBuilder::new(pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
            else {
                tracing::debug!("ignoring .gitattributes pattern {pattern:?}");
                continue;
            };
            self.rules.push(AttributeRule {
                base: base.clone(),
                glob: glob.compile_matcher(),
                anchored,
                vendored: flatten(rule.0),
                generated: flatten(rule.1),
                documentation: flatten(rule.2),
            });
        }
    }

    /// Whether there are no overrides at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The kind of `path` with content `text`: the overrides first, then `classify`.
    pub fn kind_of(&self, path: &str, text: &str) -> FileKind {
        let (mut vendored, mut generated, mut documentation) = (None, None, None);
        for rule in &self.rules {
            let Some(below) = path.strip_prefix(rule.base.as_str()) else {
                continue;
            };
            // A folder pattern (`vendor/**`, or a folder's name) covers what is inside it.
            let matched = if rule.anchored {
                rule.glob.is_match(below) || ancestors(below).any(|d| rule.glob.is_match(d))
            } else {
                below.split('/').any(|part| rule.glob.is_match(part))
            };
            if matched {
                vendored = rule.vendored.or(vendored);
                generated = rule.generated.or(generated);
                documentation = rule.documentation.or(documentation);
            }
        }
        let natural = classify(path, text);
        if vendored == Some(true) {
            return FileKind::Vendored;
        }
        if generated == Some(true) {
            return FileKind::Generated;
        }
        if documentation == Some(true) {
            return FileKind::Documentation;
        }
        let unset = |flag: Option<bool>, kind: FileKind| flag == Some(false) && natural == kind;
        if unset(vendored, FileKind::Vendored)
            || unset(generated, FileKind::Generated)
            || unset(documentation, FileKind::Documentation)
        {
            // Told it is not what its path or header suggests: judge it as if it were not.
            return classify_without(path, text, natural);
        }
        natural
    }
}

/// The folders above a file, innermost last: `a/b/c.py` -> `a`, `a/b`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(at, _)| &path[..at])
}

/// `classify` with one kind ruled out by an override.
fn classify_without(path: &str, text: &str, ruled_out: FileKind) -> FileKind {
    let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
    let folders = || dirs.split('/').filter(|d| !d.is_empty());
    if ruled_out != FileKind::Vendored && folders().any(|d| VENDORED_DIRS.contains(&d)) {
        return FileKind::Vendored;
    }
    if ruled_out != FileKind::Generated && is_generated(name, text) {
        return FileKind::Generated;
    }
    if folders().any(|d| TEST_DIRS.contains(&d)) || is_test_file(name) {
        return FileKind::Test;
    }
    FileKind::FirstParty
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_numbers() {
        for kind in FileKind::ALL {
            assert_eq!(FileKind::from_u8(kind.as_u8()), kind);
        }
        assert_eq!(FileKind::from_u8(200), FileKind::FirstParty);
    }

    #[test]
    fn paths_and_headers_say_what_a_file_is() {
        let code = "def f():\n    return 1\n";
        assert_eq!(classify("src/app/models.py", code), FileKind::FirstParty);
        assert_eq!(
            classify("src/pip/_vendor/requests/api.py", code),
            FileKind::Vendored
        );
        assert_eq!(
            classify("vendor/github.com/x/y.go", code),
            FileKind::Vendored
        );
        assert_eq!(
            classify("web/node_modules/react/index.js", code),
            FileKind::Vendored
        );
        assert_eq!(
            classify("third_party/zlib/zlib.h", code),
            FileKind::Vendored
        );
        assert_eq!(classify("api/v1/service.pb.go", code), FileKind::Generated);
        assert_eq!(classify("proto/user_pb2.py", code), FileKind::Generated);
        assert_eq!(classify("package-lock.json", "{}"), FileKind::Generated);
        assert_eq!(
            classify(
                "pkg/zz_deepcopy.go",
                "// Code generated by deepcopy-gen. DO NOT EDIT.\n\npackage x\n"
            ),
            FileKind::Generated
        );
        assert_eq!(
            classify("src/schema.rs", "// @generated by diesel\nfn x() {}\n"),
            FileKind::Generated
        );
        let minified = format!("!function(){{{}}}();\n", "var a=1;".repeat(40));
        assert_eq!(classify("static/app.js", &minified), FileKind::Generated);
        assert_eq!(classify("static/app.js", code), FileKind::FirstParty);
        assert_eq!(classify("tests/test_views.py", code), FileKind::Test);
        assert_eq!(classify("pkg/server_test.go", code), FileKind::Test);
        assert_eq!(classify("src/app.test.ts", code), FileKind::Test);
        assert_eq!(classify("benches/quality/floor.rs", code), FileKind::Test);
        assert_eq!(classify("asv/benchmarks/bench_io.py", code), FileKind::Test);
        assert_eq!(
            classify("docs/intro.md", "# Intro"),
            FileKind::Documentation
        );
        assert_eq!(classify("README.md", "# x"), FileKind::Documentation);
        assert_eq!(classify("src/readme_parser.py", code), FileKind::FirstParty);
    }

    #[test]
    fn gitattributes_overrides_win_and_negations_undo_defaults() {
        let code = "fn main() {}\n";
        let mut rules = KindRules::default();
        rules.add_file(
            "",
            "# kinds\n\
             lib/copied/** linguist-vendored\n\
             *.gen.rs linguist-generated=true\n\
             vendor/ours/** -linguist-vendored\n\
             gen/api.pb.go linguist-generated=false\n\
             handbook/** linguist-documentation\n\
             *.txt text eol=lf\n",
        );
        assert_eq!(rules.kind_of("lib/copied/x/y.rs", code), FileKind::Vendored);
        assert_eq!(rules.kind_of("src/a.gen.rs", code), FileKind::Generated);
        assert_eq!(
            rules.kind_of("src/deep/b.gen.rs", code),
            FileKind::Generated
        );
        assert_eq!(
            rules.kind_of("vendor/ours/z.rs", code),
            FileKind::FirstParty
        );
        assert_eq!(
            rules.kind_of("vendor/theirs/z.rs", code),
            FileKind::Vendored
        );
        assert_eq!(rules.kind_of("gen/api.pb.go", code), FileKind::FirstParty);
        assert_eq!(
            rules.kind_of("handbook/ops.md", "x"),
            FileKind::Documentation
        );
        assert_eq!(rules.kind_of("src/main.rs", code), FileKind::FirstParty);

        // A deeper file's rules come later and win; its patterns are relative to it.
        rules.add_file(
            "sub",
            "copied linguist-vendored\nkeep.rs -linguist-generated\n",
        );
        assert_eq!(rules.kind_of("sub/copied/q.rs", code), FileKind::Vendored);
        assert_eq!(
            rules.kind_of("other/copied/q.rs", code),
            FileKind::FirstParty
        );
        assert_eq!(
            rules.kind_of("sub/keep.rs", "// Code generated by x. DO NOT EDIT.\n"),
            FileKind::FirstParty
        );
    }

    #[test]
    fn gitattributes_files_are_read_from_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(
            dir.path().join(".gitattributes"),
            "ext/** linguist-vendored\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pkg/.gitattributes"),
            "*.py linguist-generated\n",
        )
        .unwrap();
        let rules = KindRules::load(dir.path(), ["pkg".to_string(), "ext".to_string()]);
        assert_eq!(rules.kind_of("ext/lib.py", ""), FileKind::Vendored);
        assert_eq!(rules.kind_of("pkg/models.py", ""), FileKind::Generated);
        assert_eq!(rules.kind_of("models.py", ""), FileKind::FirstParty);
    }
}
