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
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let text = path.to_string_lossy();
    let mut out = String::with_capacity("file:///".len() + text.len());
    out.push_str("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        // A backslash byte is never part of a multi-byte character.
        let b = if b == b'\\' { b'/' } else { b };
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xF)]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_encode_what_uris_do_not_allow() {
        assert_eq!(
            file_uri(Path::new("/ws/a b/%é.rs")),
            "file:///ws/a%20b/%25%C3%A9.rs"
        );
        assert_eq!(file_uri(Path::new("C:\\ws\\x.rs")), "file:///C%3A/ws/x.rs");
        assert_eq!(
            file_url(Path::new("/ws/x.rs"), 4, 9),
            "file:///ws/x.rs#L5-L9"
        );
    }
}
