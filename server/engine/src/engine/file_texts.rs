//! Snippets read from disk while an answer is presented: each file opened once through the
//! workspace gate, and read only as far as the lines asked for.
//!
//! An answer shows a few lines of each place, yet its files average tens of kilobytes and a
//! place may start thousands of lines in. So a file is read from its start in growing
//! blocks until the place's last line, its newlines counted a block at a time, and what was
//! read is kept for the answer's other places in the same file.

use crate::safe_path;
use crate::walk::{looks_binary, SkipReason, BINARY_HEAD};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The first read; each next one doubles, so a large file takes few reads.
const FIRST_READ: usize = 16 * 1024;

/// Files read while formatting one answer, so several places in one file read it once.
#[derive(Default)]
pub(crate) struct FileTexts {
    /// `None` for a file the gate refused or that is not text.
    read: HashMap<String, Option<Prefix>>,
}

/// The first bytes of a file, as far as they have been read.
struct Prefix {
    bytes: Vec<u8>,
    /// Newlines in `bytes`.
    newlines: usize,
    /// `None` once the file has been read to its end.
    rest: Option<File>,
    max_size: u64,
}

impl FileTexts {
    /// The snippet of lines `start_line..end_line` of `path` from the file on disk; empty
    /// when it cannot be read, is not text, or those lines are not UTF-8.
    pub(crate) fn snippet(
        &mut self,
        root: &Path,
        path: &str,
        (start_line, end_line): (u32, u32),
        max_size: u64,
    ) -> String {
        // Through the workspace gate: the file may have become a link or a pipe since it
        // was indexed.
        let prefix = self
            .read
            .entry(path.to_string())
            .or_insert_with(|| Prefix::open(root, path, max_size).ok());
        let Some(prefix) = prefix else {
            return String::new();
        };
        // The last line's newline ends the place (an `end_line` of 0 reads to the end).
        let wanted = match end_line {
            0 => usize::MAX,
            n => n as usize,
        };
        if prefix.read_until(wanted).is_err() {
            self.read.insert(path.to_string(), None);
            return String::new();
        }
        let Some((start, end)) = line_span(&prefix.bytes, start_line, end_line) else {
            return String::new();
        };
        match std::str::from_utf8(&prefix.bytes[start..end]) {
            Ok(body) => crate::index::snippet(body).into(),
            Err(_) => String::new(),
        }
    }
}

impl Prefix {
    /// Open `root/path` through the gate and read its first block; refused when it is
    /// larger than `max_size` or binary.
    fn open(root: &Path, path: &str, max_size: u64) -> Result<Prefix, SkipReason> {
        let (file, meta) = safe_path::open_regular(root, path)?;
        if meta.len() > max_size {
            return Err(SkipReason::TooLarge);
        }
        let mut prefix = Prefix {
            bytes: Vec::new(),
            newlines: 0,
            rest: Some(file),
            max_size,
        };
        prefix.read_more()?;
        while prefix.bytes.len() < BINARY_HEAD && prefix.rest.is_some() {
            prefix.read_more()?;
        }
        if looks_binary(&prefix.bytes) {
            return Err(SkipReason::Binary);
        }
        Ok(prefix)
    }

    /// Read on until `bytes` holds `newlines` newlines or the whole file.
    fn read_until(&mut self, newlines: usize) -> Result<(), SkipReason> {
        while self.newlines < newlines && self.rest.is_some() {
            self.read_more()?;
        }
        Ok(())
    }

    /// Read the next block: as many bytes as are held already, at least `FIRST_READ`.
    fn read_more(&mut self) -> Result<(), SkipReason> {
        let Some(file) = self.rest.as_mut() else {
            return Ok(());
        };
        let block = self.bytes.len().max(FIRST_READ);
        let before = self.bytes.len();
        self.bytes.resize(before + block, 0);
        let mut filled = 0;
        while filled < block {
            match file.read(&mut self.bytes[before + filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(SkipReason::Unreadable),
            }
        }
        self.bytes.truncate(before + filled);
        if self.bytes.len() as u64 > self.max_size {
            // It grew past the limit after its size was checked.
            return Err(SkipReason::TooLarge);
        }
        self.newlines += memchr::memchr_iter(b'\n', &self.bytes[before..]).count();
        if filled < block {
            self.rest = None;
        }
        Ok(())
    }
}

/// The bytes of lines `start_line..end_line` (0-based, end exclusive) of `text`: from just
/// past its `start_line`-th newline to just past its `end_line`-th (or the end of the text);
/// `None` when the text has fewer than `start_line` newlines or the range is reversed. An
/// `end_line` of 0 reaches the end of the text.
fn line_span(text: &[u8], start_line: u32, end_line: u32) -> Option<(usize, usize)> {
    if end_line != 0 && end_line < start_line {
        return None;
    }
    let start = match start_line {
        0 => 0,
        n => nth_newline(text, 0, n as usize)? + 1,
    };
    let end = match end_line {
        0 => text.len(),
        // The `start_line`-th newline ends the range as it starts it.
        n if n == start_line => start,
        n => nth_newline(text, start, (n - start_line) as usize).map_or(text.len(), |at| at + 1),
    };
    Some((start, end.max(start)))
}

/// The offset of the `n`-th newline (`n` ≥ 1) at or after `from`: whole blocks are counted
/// (vectorised by `memchr`) and skipped while they hold fewer newlines than are still wanted.
fn nth_newline(text: &[u8], from: usize, n: usize) -> Option<usize> {
    const BLOCK: usize = 4096;
    let mut left = n;
    let mut at = from;
    while at < text.len() {
        let block = &text[at..text.len().min(at + BLOCK)];
        let count = memchr::memchr_iter(b'\n', block).count();
        if count >= left {
            return memchr::memchr_iter(b'\n', block)
                .nth(left - 1)
                .map(|i| at + i);
        }
        left -= count;
        at += block.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The span as a loop over every newline finds it, line by line.
    fn span_line_by_line(text: &str, start_line: u32, end_line: u32) -> Option<(usize, usize)> {
        let (mut start, mut end, mut line) = (0, text.len(), 0u32);
        for (at, _) in text.match_indices('\n') {
            line += 1;
            if line == start_line {
                start = at + 1;
            }
            if line == end_line {
                end = at + 1;
                break;
            }
        }
        (start_line <= line).then_some((start, end.max(start)))
    }

    /// Lines of many lengths, so that spans start and end inside, at and across blocks.
    fn lines_text(lines: usize) -> String {
        let mut text = String::new();
        for i in 0..lines {
            text.push_str(&format!("{i} "));
            text.push_str(&"x".repeat(i * 37 % 150));
            text.push('\n');
        }
        text
    }

    #[test]
    fn line_spans_match_a_line_by_line_scan() {
        let text = lines_text(300);
        for ending in ["", "tail without a newline"] {
            let text = format!("{text}{ending}");
            for start in 0..305u32 {
                let ends = [
                    0,
                    1,
                    start.saturating_sub(1),
                    start,
                    start + 1,
                    start + 90,
                    400,
                ];
                for end in ends {
                    assert_eq!(
                        line_span(text.as_bytes(), start, end),
                        span_line_by_line(&text, start, end),
                        "lines {start}..{end}"
                    );
                }
            }
        }
        assert_eq!(line_span(b"", 0, 0), Some((0, 0)));
        assert_eq!(line_span(b"", 1, 2), None);
        assert_eq!(line_span(b"a\nb\n", 1, 2), Some((2, 4)));
    }

    #[test]
    fn snippets_read_as_far_as_their_lines_match_the_whole_text() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        // Several first reads long, with blank lines for the snippet to skip.
        let text = lines_text(3000).replace("\n7", "\n\n  \n7");
        std::fs::write(root.join("big.py"), &text).unwrap();
        let mut texts = FileTexts::default();
        // Out of order, so later places find their lines already read, or read on.
        for (start, end) in [(2900, 2950), (5, 40), (1500, 1501), (3100, 3200), (0, 0)] {
            let expected = span_line_by_line(&text, start, end)
                .map(|(s, e)| crate::index::snippet(&text[s..e]).to_string())
                .unwrap_or_default();
            let got = texts.snippet(&root, "big.py", (start, end), 1 << 20);
            assert_eq!(got, expected, "lines {start}..{end}");
        }
        assert!(!texts
            .snippet(&root, "big.py", (2900, 2950), 1 << 20)
            .is_empty());
    }

    #[test]
    fn files_the_gate_refuses_or_that_are_not_text_give_no_snippet() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.py"), "token = 1\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.py"), root.join("link.py")).unwrap();
        std::fs::write(root.join("binary.py"), b"a = 1\n\0\n").unwrap();
        std::fs::write(root.join("big.py"), "b = 2\n".repeat(100)).unwrap();
        let mut latin1 = b"c = 3\n".to_vec();
        latin1.extend_from_slice(b"d = '\xe9'\n");
        std::fs::write(root.join("latin1.py"), latin1).unwrap();
        let mut texts = FileTexts::default();
        for path in ["link.py", "binary.py", "../secret.py", "missing.py"] {
            assert_eq!(texts.snippet(&root, path, (0, 1), 1 << 20), "", "{path}");
        }
        assert_eq!(
            texts.snippet(&root, "big.py", (0, 1), 100),
            "",
            "over the size limit"
        );
        assert_eq!(texts.snippet(&root, "latin1.py", (1, 2), 1 << 20), "");
        assert_eq!(texts.snippet(&root, "latin1.py", (0, 1), 1 << 20), "c = 3");
    }
}
