//! How places are named for people and editors: `file://` URIs, links to lines, and the
//! `path:31-58` labels of citations.

use std::path::Path;

/// `path:31-58`: a place's lines, 1-based and inclusive, as people write them
/// (`start_line`/`end_line` are 0-based, end exclusive).
pub fn citation_label(path: &str, start_line: u32, end_line: u32) -> String {
    format!(
        "{}:{}-{}",
        path,
        start_line + 1,
        end_line.max(start_line + 1)
    )
}

/// A `file://` URL for `path` with a `#L31-L58` fragment (1-based, inclusive).
pub fn file_url(path: &Path, start_line: u32, end_line: u32) -> String {
    let start = start_line + 1;
    let end = end_line.max(start_line + 1);
    let fragment = if end == start {
        format!("#L{start}")
    } else {
        format!("#L{start}-L{end}")
    };
    format!("{}{fragment}", file_uri(path))
}

/// A `file://` URI for an absolute path, percent-encoding what URIs do not allow.
pub fn file_uri(path: &Path) -> String {
    let mut out = String::from("file://");
    let text = path.to_string_lossy();
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
