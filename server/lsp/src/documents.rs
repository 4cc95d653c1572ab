//! Open documents: their text in a rope, their version, and the rules for changing them.
//!
//! Every mutation happens synchronously inside the `didOpen`/`didChange`/`didClose`
//! handlers, before their first `.await`. The framework polls handler futures in arrival
//! order, so doing the whole change before yielding keeps edits in the order the client sent
//! them without a separate queue.

use crate::convert::{self, Encoding};
use dashmap::DashMap;
use parking_lot::Mutex;
use ropey::Rope;
use std::path::Path;
use std::sync::Arc;
use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

pub struct Document {
    pub text: Rope,
    pub version: i32,
    /// Counts applied changes; a debounced re-index runs only if no change came after it.
    pub edits: u64,
    /// The edit count whose text the index holds; `None` until the text is first indexed.
    /// A question indexes every document where this lags `edits` before it is answered.
    pub indexed_edits: Option<u64>,
    /// Held while this document is being re-indexed, so that two re-indexes of one document
    /// never apply in the wrong order (each reads the newest text once it holds the lock).
    pub index_lock: Arc<Mutex<()>>,
}

/// What a `didChange` did.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Applied; the document's edit count is now this.
    Applied(u64),
    /// The version did not increase: ignored.
    Stale {
        current: i32,
        got: i32,
    },
    NotOpen,
}

#[derive(Default)]
pub struct Documents {
    map: DashMap<String, Document>,
}

impl Documents {
    pub fn open(&self, uri: &str, text: &str, version: i32) {
        let index_lock = self
            .map
            .get(uri)
            .map(|d| d.index_lock.clone())
            .unwrap_or_default();
        self.map.insert(
            uri.to_string(),
            Document {
                text: Rope::from_str(text),
                version,
                edits: 0,
                indexed_edits: None,
                index_lock,
            },
        );
    }

    /// Apply `changes` in order if `version` is newer than the document's.
    pub fn change(
        &self,
        uri: &str,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
        encoding: Encoding,
    ) -> ChangeOutcome {
        let Some(mut doc) = self.map.get_mut(uri) else {
            return ChangeOutcome::NotOpen;
        };
        if version <= doc.version {
            return ChangeOutcome::Stale {
                current: doc.version,
                got: version,
            };
        }
        for change in changes {
            apply_change(&mut doc.text, change, encoding);
        }
        doc.version = version;
        doc.edits += 1;
        ChangeOutcome::Applied(doc.edits)
    }

    pub fn close(&self, uri: &str) -> bool {
        self.map.remove(uri).is_some()
    }

    /// The text (a cheap rope clone) and version of an open document.
    pub fn snapshot(&self, uri: &str) -> Option<(Rope, i32)> {
        self.map.get(uri).map(|d| (d.text.clone(), d.version))
    }

    /// The text and edit count of an open document, to index it.
    pub fn snapshot_for_index(&self, uri: &str) -> Option<(Rope, u64)> {
        self.map.get(uri).map(|d| (d.text.clone(), d.edits))
    }

    /// Record that the index holds the text as of `edits` changes.
    pub fn mark_indexed(&self, uri: &str, edits: u64) {
        if let Some(mut doc) = self.map.get_mut(uri) {
            doc.indexed_edits = Some(doc.indexed_edits.map_or(edits, |e| e.max(edits)));
        }
    }

    /// Open documents whose newest text the index does not hold yet.
    pub fn pending(&self) -> Vec<String> {
        self.map
            .iter()
            .filter(|d| d.indexed_edits != Some(d.edits))
            .map(|d| d.key().clone())
            .collect()
    }

    pub fn edits(&self, uri: &str) -> Option<u64> {
        self.map.get(uri).map(|d| d.edits)
    }

    pub fn index_lock(&self, uri: &str) -> Option<Arc<Mutex<()>>> {
        self.map.get(uri).map(|d| d.index_lock.clone())
    }

    /// Line `line` of an open document, without its line break.
    pub fn line(&self, uri: &str, line: u32) -> Option<Option<String>> {
        self.map.get(uri).map(|d| convert::line_text(&d.text, line))
    }

    pub fn uris(&self) -> Vec<String> {
        self.map.iter().map(|e| e.key().clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
}

/// One line of a document that is not open, read from disk, if it is a regular text file
/// inside the workspace (reached without links) and not larger than `max_size`. A named
/// pipe or a link out of the workspace gives `None` at once.
pub fn line_on_disk(root: &Path, rel: &str, line: u32, max_size: u64) -> Option<String> {
    let bytes = ail_engine::safe_path::read_regular(root, rel, max_size).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    convert::line_of(&text, line)
}

/// Apply one change. A change without a range replaces the whole text. Ranges out of the
/// text are clamped and an inverted range is read start-to-end, so no client input can make
/// this panic.
pub fn apply_change(text: &mut Rope, change: &TextDocumentContentChangeEvent, encoding: Encoding) {
    let Some(range) = change.range else {
        *text = Rope::from_str(&change.text);
        return;
    };
    let a = convert::char_index(text, range.start, encoding);
    let b = convert::char_index(text, range.end, encoding);
    let (start, end) = if a <= b { (a, b) } else { (b, a) };
    text.remove(start..end);
    text.insert(start, &change.text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn edit(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range {
                start: Position {
                    line: sl,
                    character: sc,
                },
                end: Position {
                    line: el,
                    character: ec,
                },
            }),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_in_utf16_land_after_an_emoji() {
        let mut rope = Rope::from_str("a😀b\n名前\n");
        apply_change(&mut rope, &edit(0, 3, 0, 4, "B"), Encoding::Utf16);
        apply_change(&mut rope, &edit(1, 1, 1, 2, "字"), Encoding::Utf16);
        assert_eq!(rope.to_string(), "a😀B\n名字\n");
    }

    #[test]
    fn incremental_edits_in_utf8_count_bytes() {
        let mut rope = Rope::from_str("a😀b\n");
        apply_change(&mut rope, &edit(0, 5, 0, 6, "B"), Encoding::Utf8);
        assert_eq!(rope.to_string(), "a😀B\n");
    }

    #[test]
    fn out_of_range_and_inverted_edits_clamp_instead_of_panicking() {
        let mut rope = Rope::from_str("one\ntwo\n");
        apply_change(&mut rope, &edit(7, 0, 99, 99, "!"), Encoding::Utf16);
        assert_eq!(rope.to_string(), "one\ntwo\n!");
        apply_change(&mut rope, &edit(1, 3, 1, 0, "2"), Encoding::Utf16);
        assert_eq!(rope.to_string(), "one\n2\n!");
        apply_change(&mut rope, &edit(0, 50, 0, 60, "+"), Encoding::Utf16);
        assert_eq!(rope.to_string(), "one+\n2\n!");
    }

    #[test]
    fn versions_must_increase_and_unknown_documents_are_not_changed() {
        let docs = Documents::default();
        docs.open("file:///a", "x", 3);
        let change = [edit(0, 0, 0, 1, "y")];
        assert_eq!(
            docs.change("file:///a", 3, &change, Encoding::Utf16),
            ChangeOutcome::Stale { current: 3, got: 3 }
        );
        assert_eq!(
            docs.change("file:///a", 4, &change, Encoding::Utf16),
            ChangeOutcome::Applied(1)
        );
        assert_eq!(
            docs.change("file:///b", 9, &change, Encoding::Utf16),
            ChangeOutcome::NotOpen
        );
        assert_eq!(
            docs.snapshot("file:///a").map(|(t, v)| (t.to_string(), v)),
            Some(("y".to_string(), 4))
        );
    }
}
