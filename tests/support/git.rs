//! Git for tests: commands run in a test's own repository with a fixed author and no system
//! configuration, failing the test (with git's message) when git fails.

use super::Workspace;
use std::path::Path;
use std::process::Command;

/// Run `git args` in `dir` and return its standard output.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run `git args` at the root of `ws` and return its standard output.
pub fn git(ws: &Workspace, args: &[&str]) -> String {
    git_in(&ws.root(), args)
}
