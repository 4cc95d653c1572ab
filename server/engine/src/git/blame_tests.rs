//! Blame and permalinks against real repositories made in temp dirs, checked against the
//! `git` command.

use crate::cancel::CancelToken;
use std::path::Path;

use super::tests::{busy_fixture, full_index, open};
use super::testutil::{git_in, Fixture, ANN, BOB, CY};
use super::*;

// ---- blame -------------------------------------------------------------------------------

/// (start, end, sha) runs of `git blame --porcelain -L` (0-based, end exclusive).
fn git_blame_runs(
    dir: &Path,
    path: &str,
    start: u32,
    end: u32,
    contents: Option<&str>,
) -> Vec<(u32, u32, String)> {
    let range = format!("{},{}", start + 1, end);
    let out = match contents {
        None => git_in(
            dir,
            &["blame", "--porcelain", "-L", &range, "HEAD", "--", path],
        ),
        Some(text) => {
            let tmp = dir.join(".git/blame-contents");
            std::fs::write(&tmp, text).unwrap();
            git_in(
                dir,
                &[
                    "blame",
                    "--porcelain",
                    "-L",
                    &range,
                    "--contents",
                    tmp.to_str().unwrap(),
                    "--",
                    path,
                ],
            )
        }
    };
    let mut runs: Vec<(u32, u32, String)> = Vec::new();
    for line in out.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() >= 3
            && fields[0].len() == 40
            && fields[0].bytes().all(|b| b.is_ascii_hexdigit())
        {
            let final_line: u32 = fields[2].parse().unwrap();
            let l = final_line - 1;
            match runs.last_mut() {
                Some(last) if last.2 == fields[0] && last.1 == l => last.1 = l + 1,
                _ => runs.push((l, l + 1, fields[0].to_string())),
            }
        }
    }
    runs
}

fn runs_of(hunks: &[BlameHunk]) -> Vec<(u32, u32, String)> {
    hunks
        .iter()
        .map(|h| (h.start_line, h.end_line, h.sha.clone()))
        .collect()
}

fn blame_fixture() -> Fixture {
    let mut fx = Fixture::new();
    let mut lines: Vec<String> = (1..=60).map(|i| format!("line {i}")).collect();
    let join = |l: &Vec<String>| l.join("\n") + "\n";
    fx.commit(&[("src/big.rs", Some(&join(&lines)))], ANN, "Big file");
    for (k, who) in [(5usize, BOB), (20, CY), (21, CY), (40, BOB), (6, ANN)] {
        lines[k] = format!("line {} edited by {}", k + 1, who.0);
        fx.commit(
            &[("src/big.rs", Some(&join(&lines)))],
            who,
            &format!("Edit line {}", k + 1),
        );
    }
    lines.insert(30, "inserted".to_string());
    fx.commit(&[("src/big.rs", Some(&join(&lines)))], BOB, "Insert at 31");
    fx
}

#[test]
fn blame_matches_git_blame_with_both_backends() {
    let fx = blame_fixture();
    for backend in [BlameBackend::Libgit2, BlameBackend::Cli, BlameBackend::Auto] {
        let mut repo = open(fx.path());
        repo.set_blame_backend(backend);
        for (start, end) in [(0, 61), (3, 9), (19, 23), (30, 31), (40, 45), (55, 61)] {
            let hunks = repo.blame_range("src/big.rs", start, end, None).unwrap();
            assert_eq!(
                runs_of(&hunks),
                git_blame_runs(fx.path(), "src/big.rs", start, end, None),
                "{backend:?} {start}..{end}"
            );
            assert!(hunks.iter().all(|h| h.committed));
        }
        let hunk = &repo.blame_range("src/big.rs", 20, 21, None).unwrap()[0];
        assert_eq!(
            (hunk.author.as_str(), hunk.summary.as_str()),
            ("Cy Coder", "Edit line 21")
        );
        let want_date = git_in(fx.path(), &["log", "-1", "--format=%aI", &hunk.sha]);
        assert_eq!(hunk.date, want_date.trim().replace("+00:00", "Z"));
    }
}

#[test]
fn blame_is_clipped_and_cached() {
    let fx = blame_fixture();
    let repo = open(fx.path());
    let first = repo.blame_range("src/big.rs", 50, 500, None).unwrap();
    assert_eq!(first.last().unwrap().end_line, 61);
    assert!(repo
        .blame_range("src/big.rs", 70, 80, None)
        .unwrap()
        .is_empty());
    // Answered from the cache once the lines are known, and the same as computed afresh.
    let again = repo.blame_range("src/big.rs", 52, 58, None).unwrap();
    let fresh = open(fx.path())
        .blame_range("src/big.rs", 52, 58, None)
        .unwrap();
    assert_eq!(again, fresh);
}

#[test]
fn blame_with_an_unsaved_buffer_marks_changed_lines() {
    let fx = blame_fixture();
    let head_text = std::fs::read_to_string(fx.path().join("src/big.rs")).unwrap();
    let mut lines: Vec<&str> = head_text.lines().collect();
    lines.insert(10, "typed in the editor");
    lines[3] = "changed in the editor";
    lines.remove(50);
    let buffer = lines.join("\n") + "\n";
    for backend in [BlameBackend::Libgit2, BlameBackend::Cli] {
        let mut repo = open(fx.path());
        repo.set_blame_backend(backend);
        let hunks = repo
            .blame_range("src/big.rs", 0, 60, Some(&buffer))
            .unwrap();
        let want: Vec<(u32, u32, String)> =
            git_blame_runs(fx.path(), "src/big.rs", 0, 60, Some(&buffer));
        assert_eq!(runs_of(&hunks), want, "{backend:?}");
        let uncommitted: Vec<(u32, u32)> = hunks
            .iter()
            .filter(|h| !h.committed)
            .map(|h| (h.start_line, h.end_line))
            .collect();
        assert_eq!(uncommitted, [(3, 4), (10, 11)]);
        let typed = hunks.iter().find(|h| h.start_line == 10).unwrap();
        assert_eq!(
            (typed.sha.as_str(), typed.author.as_str()),
            (NOT_COMMITTED_SHA, NOT_COMMITTED_AUTHOR)
        );
    }
}

#[test]
fn blame_of_a_file_edited_on_disk() {
    let fx = blame_fixture();
    let repo = open(fx.path());
    let text = std::fs::read_to_string(fx.path().join("src/big.rs")).unwrap();
    fx.write("src/big.rs", &format!("new first line\n{text}"));
    let hunks = repo.blame_range("src/big.rs", 0, 3, None).unwrap();
    assert!(!hunks[0].committed);
    assert_eq!((hunks[0].start_line, hunks[0].end_line), (0, 1));
    assert!(hunks[1..].iter().all(|h| h.committed));
    assert_eq!(hunks[1].summary, "Big file");
}

#[test]
fn blame_of_an_untracked_file_is_an_error() {
    let fx = blame_fixture();
    fx.write("scratch.txt", "scratch\n");
    let repo = open(fx.path());
    assert!(matches!(
        repo.blame_range("scratch.txt", 0, 1, None),
        Err(GitError::NotTracked(_))
    ));
    assert!(matches!(
        repo.blame_range("no/such/file", 0, 1, Some("x\n")),
        Err(GitError::NotTracked(_))
    ));
}

// ---- permalinks --------------------------------------------------------------------------

#[test]
fn permalink_at_head_only_for_unchanged_files() {
    let fx = busy_fixture();
    fx.git(&[
        "remote",
        "add",
        "origin",
        "https://user:tok@github.com/owner/repo.git",
    ]);
    let repo = open(&fx.path().join("src"));
    let links = Permalinker::from_repo(&repo, &PermalinkSettings::default()).unwrap();
    assert_eq!(links.kind(), RemoteKind::GitHub);
    let head = repo.head_sha().unwrap();
    assert_eq!(
        links.permalink("lib.rs", 30, 58).unwrap(),
        format!("https://github.com/owner/repo/blob/{head}/src/lib.rs#L31-L58")
    );
    assert!(links.permalink("lib.rs", 0, 1).unwrap().ends_with("#L1"));

    let original = std::fs::read_to_string(fx.path().join("src/lib.rs")).unwrap();
    fx.write("src/lib.rs", &format!("{original}changed\n"));
    assert!(!repo.is_unchanged_since_head("lib.rs"));
    assert_eq!(links.permalink("lib.rs", 0, 1), None);
    fx.write("src/lib.rs", &original);
    assert!(links.permalink("lib.rs", 0, 1).is_some());

    fx.write("src/untracked.rs", "new\n");
    assert_eq!(links.permalink("untracked.rs", 0, 1), None);
    assert_eq!(links.permalink("missing.rs", 0, 1), None);
}

#[test]
fn unicode_and_spaces_in_paths_are_encoded() {
    let mut fx = Fixture::new();
    fx.commit(
        &[("docs/my notes/ünïcode file.md", Some("x\n"))],
        ANN,
        "notes",
    );
    fx.git(&["remote", "add", "origin", "git@gitlab.com:group/proj.git"]);
    let repo = open(fx.path());
    let links = Permalinker::from_repo(&repo, &PermalinkSettings::default()).unwrap();
    let head = repo.head_sha().unwrap();
    assert_eq!(
        links.permalink("docs/my notes/ünïcode file.md", 0, 1).unwrap(),
        format!("https://gitlab.com/group/proj/-/blob/{head}/docs/my%20notes/%C3%BCn%C3%AFcode%20file.md#L1")
    );
}

#[test]
fn first_remote_when_no_origin_and_none_without_remotes() {
    let fx = busy_fixture();
    let repo = open(fx.path());
    assert!(Permalinker::from_repo(&repo, &PermalinkSettings::default()).is_none());
    fx.git(&[
        "remote",
        "add",
        "upstream",
        "ssh://git@codeberg.org/team/proj.git",
    ]);
    let links = Permalinker::from_repo(&repo, &PermalinkSettings::default()).unwrap();
    assert_eq!(links.kind(), RemoteKind::Gitea);
    assert!(links
        .permalink("README.md", 0, 2)
        .unwrap()
        .starts_with("https://codeberg.org/team/proj/src/commit/"));
    fx.git(&["remote", "add", "origin", "git@bitbucket.org:team/proj.git"]);
    let links = Permalinker::from_repo(&repo, &PermalinkSettings::default()).unwrap();
    assert_eq!(links.kind(), RemoteKind::Bitbucket);
}

#[test]
fn local_and_unknown_remotes_give_no_permalinker() {
    let fx = busy_fixture();
    fx.git(&["remote", "add", "origin", "/srv/git/elsewhere.git"]);
    let repo = open(fx.path());
    assert!(Permalinker::from_repo(&repo, &PermalinkSettings::default()).is_none());
    fx.git(&[
        "remote",
        "set-url",
        "origin",
        "git@git.internal:team/app.git",
    ]);
    assert!(Permalinker::from_repo(&repo, &PermalinkSettings::default()).is_none());
    let settings = PermalinkSettings {
        template: Some("{base}/-/tree/{sha}/{path}#L{start}-L{end}".into()),
        ..PermalinkSettings::default()
    };
    let links = Permalinker::from_repo(&repo, &settings).unwrap();
    let head = repo.head_sha().unwrap();
    assert_eq!(
        links.permalink("README.md", 0, 1).unwrap(),
        format!("https://git.internal/team/app/-/tree/{head}/README.md#L1-L1")
    );
}

// ---- small pieces ------------------------------------------------------------------------

#[test]
fn handles_can_be_shared_across_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<GitRepo>();
    shared::<HistoryIndex>();
    shared::<Permalinker>();
}

#[test]
fn index_of_another_workspace_directory_is_rebuilt_by_read_all() {
    let fx = busy_fixture();
    let root = open(fx.path());
    let mut index = full_index(&root);
    let src = open(&fx.path().join("src"));
    index.read_all(&src, &CancelToken::new()).unwrap();
    assert_eq!(index.history("lib.rs", 10).unwrap().total_commits, 3);
    assert!(index.history("src/lib.rs", 10).is_none());
}

#[test]
fn rfc3339_known_instants() {
    assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339_utc(1_767_323_045), "2026-01-02T03:04:05Z");
    assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    assert_eq!(rfc3339_utc(4_107_542_400), "2100-03-01T00:00:00Z");
}

#[test]
fn sha_hex_is_lowercase_forty_chars() {
    let mut sha = [0u8; 20];
    sha[0] = 0xab;
    sha[19] = 0x0f;
    let hex = sha_hex(&sha);
    assert_eq!(hex.len(), 40);
    assert!(hex.starts_with("ab00"));
    assert!(hex.ends_with("0f"));
}
