//! The language server inside a real git repository: answers carry history and blame,
//! citations are permalinks for committed files and file links for edited ones, and hover
//! shows the line's last change and the file's history.

mod support;

use serde_json::json;
use support::*;

fn repository() -> Workspace {
    let ws = Workspace::new();
    git(&ws, &["init", "-q", "-b", "main"]);
    ws.write(
        "src/args.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.to_vec()\n}\n",
    );
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "Add the argument parser"]);
    ws.write(
        "src/args.rs",
        "pub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.iter().skip(1).cloned().collect()\n}\n",
    );
    ws.write("src/main.rs", "mod args;\n\nfn main() {\n    let argv: Vec<String> = std::env::args().collect();\n    let _ = args::parse_args(&argv);\n}\n");
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "Skip the program name"]);
    git(
        &ws,
        &[
            "remote",
            "add",
            "origin",
            "git@github.com:example/shelf.git",
        ],
    );
    ws
}

#[test]
fn answers_about_a_file_carry_its_history_blame_and_permalinks() {
    let ws = repository();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let answer = server.call(
        "ail/context",
        json!({
            "question": "where is parse args defined",
            "textDocument": { "uri": ws.uri("src/args.rs") },
            "position": { "line": 1, "character": 4 }
        }),
    );
    let history = &answer["history"];
    assert_eq!(history["path"], "src/args.rs", "{answer}");
    assert_eq!(history["totalCommits"], 2, "{history}");
    assert_eq!(history["commits"][0]["summary"], "Skip the program name");
    assert_eq!(history["authors"][0]["name"], "Ada Lovelace");
    let blame = answer["blame"].as_array().expect("blame for a position");
    assert!(
        blame
            .iter()
            .any(|b| b["summary"] == "Skip the program name"),
        "{blame:?}"
    );
    let url = answer["citations"][0]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://github.com/example/shelf/blob/"),
        "{url}"
    );
    assert!(url.ends_with("/src/args.rs#L1-L3"), "{url}");
}

#[test]
fn an_edited_file_is_cited_with_a_file_link_not_a_stale_permalink() {
    let ws = repository();
    ws.write("src/args.rs", "// moved down\n\npub fn parse_args(argv: &[String]) -> Vec<String> {\n    argv.to_vec()\n}\n");
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let answer = server.call("ail/context", json!({ "question": "parse args" }));
    let citation = answer["citations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "src/args.rs")
        .expect("args.rs cited")
        .clone();
    assert!(
        citation["url"].as_str().unwrap().starts_with("file://"),
        "{citation}"
    );
}

#[test]
fn hover_shows_the_last_change_and_the_history() {
    let ws = repository();
    let mut server = TestServer::start(&ws, Options::default());
    server.initialize();
    server.wait_ready();
    let response = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": ws.uri("src/main.rs") }, "position": { "line": 4, "character": 20 } }),
    );
    let markdown = response["result"]["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(markdown.contains("**Last change:**"), "{response}");
    assert!(markdown.contains("Skip the program name"), "{markdown}");
    assert!(
        markdown.contains("**History:** 1 commit by Ada Lovelace"),
        "{markdown}"
    );
}
