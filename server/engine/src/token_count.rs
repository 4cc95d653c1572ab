//! Counting a chunk's tokens for indexing: distinct tokens in order of first occurrence,
//! with their counts, without an allocation per token.

use crate::index::PreparedToken;
use xxhash_rust::xxh3::xxh3_64;

/// Counts a chunk's tokens in order of first occurrence. The distinct tokens are kept in
/// one string and found through an open-addressing table, so counting allocates nothing
/// per token; each distinct token is copied out once, by `append_to`.
#[derive(Default)]
pub(crate) struct TokenCounter {
    /// The distinct tokens, back to back.
    text: String,
    entries: Vec<TokenEntry>,
    /// Index + 1 into `entries`; 0 is empty. The length is 0 or a power of two.
    slots: Vec<u32>,
}

struct TokenEntry {
    start: usize,
    end: usize,
    hash: u64,
    count: u16,
}

impl TokenCounter {
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
        self.slots.fill(0);
    }

    pub(crate) fn add(&mut self, token: &str) {
        if self.entries.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let hash = xxh3_64(token.as_bytes());
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at] as usize;
            if slot == 0 {
                break;
            }
            let entry = &mut self.entries[slot - 1];
            if entry.hash == hash && &self.text[entry.start..entry.end] == token {
                entry.count = entry.count.saturating_add(1);
                return;
            }
            at = (at + 1) & mask;
        }
        let start = self.text.len();
        self.text.push_str(token);
        self.entries.push(TokenEntry {
            start,
            end: self.text.len(),
            hash,
            count: 1,
        });
        self.slots[at] = self.entries.len() as u32;
    }

    /// Doubles the table (keeping it at most half full) and re-files every entry.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        self.slots.clear();
        self.slots.resize(size, 0);
        let mask = size - 1;
        for (index, entry) in self.entries.iter().enumerate() {
            let mut at = entry.hash as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = index as u32 + 1;
        }
    }

    /// Append the tokens with their counts, in order of first occurrence, to a file's
    /// token buffers.
    pub(crate) fn append_to(&self, tokens: &mut Vec<PreparedToken>, text: &mut String) {
        text.reserve(self.text.len());
        tokens.extend(self.entries.iter().map(|e| {
            text.push_str(&self.text[e.start..e.end]);
            PreparedToken {
                hash: e.hash,
                end: text.len(),
                count: e.count,
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_counter_counts_in_order_of_first_occurrence() {
        // Enough distinct tokens to grow the table several times, some repeated past u16.
        let mut stream: Vec<String> = Vec::new();
        for round in 0..3 {
            for i in 0..500 {
                stream.push(format!("t{}", (i * 7 + round) % 450));
            }
        }
        stream.extend(std::iter::repeat_n("many".to_string(), 70_000));
        stream.extend(["", "é", "t1", "many"].map(String::from));
        let mut expected: Vec<(Box<str>, u16)> = Vec::new();
        for t in &stream {
            match expected.iter_mut().find(|(x, _)| &**x == t.as_str()) {
                Some((_, n)) => *n = n.saturating_add(1),
                None => expected.push((t.as_str().into(), 1)),
            }
        }
        // What `append_to` leaves in a file's buffers, read back as (token, count).
        let counts = |counter: &TokenCounter| {
            let mut tokens = vec![PreparedToken {
                hash: 0,
                end: 1,
                count: 0,
            }];
            let mut text = "x".to_string(); // a previous chunk's token
            counter.append_to(&mut tokens, &mut text);
            let mut out = Vec::new();
            for at in 1..tokens.len() {
                let start = tokens[at - 1].end;
                let token = &text[start..tokens[at].end];
                assert_eq!(tokens[at].hash, xxh3_64(token.as_bytes()));
                out.push((Box::<str>::from(token), tokens[at].count));
            }
            out
        };
        let mut counter = TokenCounter::default();
        for _ in 0..2 {
            counter.clear();
            for t in &stream {
                counter.add(t);
            }
            assert_eq!(counts(&counter), expected);
        }
        counter.clear();
        assert!(counts(&counter).is_empty());
    }
}
