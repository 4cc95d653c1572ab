//! The lexical index's vocabulary: term strings in one arena, found through an
//! open-addressing table of term ids keyed by each term's xxh3 hash.
//!
//! A map of boxed strings costs an allocation per term and a rehash of every key on load;
//! here a load reads two buffers and rebuilds the table from hashes it already has, and a
//! term costs its bytes plus about 16 bytes (offset, hash, table slots).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use xxhash_rust::xxh3::xxh3_64;

const EMPTY: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct Vocabulary {
    /// Every term, back to back, in id order.
    arena: String,
    /// Term `i` is `arena[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<u32>,
    /// xxh3 of each term, by id.
    hashes: Vec<u64>,
    /// Term ids by hash, linear probing; its length is a power of two, at most 7/8 full.
    table: Vec<u32>,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            arena: String::new(),
            ends: Vec::new(),
            hashes: Vec::new(),
            table: vec![EMPTY; 16],
        }
    }
}

impl Vocabulary {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The term with id `id`.
    pub fn term(&self, id: u32) -> &str {
        let id = id as usize;
        let end = self.ends.get(id).copied().unwrap_or(0) as usize;
        let start = if id == 0 {
            0
        } else {
            self.ends.get(id - 1).copied().unwrap_or(0) as usize
        };
        self.arena.get(start..end).unwrap_or("")
    }

    /// xxh3 of the term with id `id` (0 for an unknown id).
    pub fn hash(&self, id: u32) -> u64 {
        self.hashes.get(id as usize).copied().unwrap_or(0)
    }

    pub fn get(&self, term: &str) -> Option<u32> {
        self.find(term, xxh3_64(term.as_bytes())).ok()
    }

    /// The id of `term`, adding it when new.
    pub fn intern(&mut self, term: &str) -> u32 {
        self.intern_hashed(term, xxh3_64(term.as_bytes()))
    }

    /// `intern` with the term's xxh3 hash computed by the caller.
    pub fn intern_hashed(&mut self, term: &str, hash: u64) -> u32 {
        debug_assert_eq!(hash, xxh3_64(term.as_bytes()));
        let slot = match self.find(term, hash) {
            Ok(id) => return id,
            Err(slot) => slot,
        };
        let id = self.ends.len() as u32;
        self.arena.push_str(term);
        self.ends.push(self.arena.len() as u32);
        self.hashes.push(hash);
        self.table[slot] = id;
        if (self.ends.len() + 1) * 8 > self.table.len() * 7 {
            self.rebuild_table(self.table.len() * 2);
        }
        id
    }

    /// `Ok(id)` when present, else `Err(slot)`: the free slot where it would go.
    fn find(&self, term: &str, hash: u64) -> Result<u32, usize> {
        let mask = self.table.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match self.table[slot] {
                EMPTY => return Err(slot),
                id if self.hashes[id as usize] == hash && self.term(id) == term => return Ok(id),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn rebuild_table(&mut self, size: usize) {
        let size = size.next_power_of_two().max(16);
        let mut table = vec![EMPTY; size];
        let mask = size - 1;
        for (id, &hash) in self.hashes.iter().enumerate() {
            let mut slot = hash as usize & mask;
            while table[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            table[slot] = id as u32;
        }
        self.table = table;
    }

    /// Whether the parts agree with one another (after loading from disk).
    pub fn validate(&self) -> bool {
        self.ends.len() == self.hashes.len()
            && self.ends.windows(2).all(|w| w[0] <= w[1])
            && self
                .ends
                .last()
                .is_none_or(|&e| e as usize == self.arena.len())
            && self.table.len().is_power_of_two()
            && self.table.len() > self.ends.len()
    }

    /// Every (id, term) in id order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (0..self.ends.len() as u32).map(|id| (id, self.term(id)))
    }

    pub fn memory_bytes(&self) -> usize {
        self.arena.capacity()
            + self.ends.capacity() * 4
            + self.hashes.capacity() * 8
            + self.table.capacity() * 4
    }
}

/// On disk: the arena and the term ends; hashes and the table are rebuilt on load.
#[derive(Serialize, Deserialize)]
struct Stored<A, E> {
    arena: A,
    ends: E,
}

impl Serialize for Vocabulary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored {
            arena: &self.arena,
            ends: &self.ends,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Vocabulary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = Stored::<String, Vec<u32>>::deserialize(d)?;
        let mut previous = 0usize;
        let mut hashes = Vec::with_capacity(stored.ends.len());
        for &end in &stored.ends {
            let term = stored
                .arena
                .get(previous..end as usize)
                .ok_or_else(|| serde::de::Error::custom("vocabulary term out of bounds"))?;
            hashes.push(xxh3_64(term.as_bytes()));
            previous = end as usize;
        }
        if previous != stored.arena.len() {
            return Err(serde::de::Error::custom(
                "vocabulary arena has trailing bytes",
            ));
        }
        let mut vocab = Vocabulary {
            arena: stored.arena,
            ends: stored.ends,
            hashes,
            table: Vec::new(),
        };
        vocab.rebuild_table((vocab.ends.len() + 1) * 8 / 7 + 1);
        Ok(vocab)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_stable_dense_ids_and_finds_them_again() {
        let mut v = Vocabulary::default();
        let words: Vec<String> = (0..5000).map(|i| format!("term{i}")).collect();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(v.intern(w), i as u32);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(v.intern(w), i as u32, "interning again changes nothing");
            assert_eq!(v.get(w), Some(i as u32));
            assert_eq!(v.term(i as u32), w);
        }
        assert_eq!(v.get("absent"), None);
        assert_eq!(v.get(""), None);
        assert_eq!(v.len(), 5000);
        assert!(v.validate());
    }

    #[test]
    fn empty_and_unicode_terms_are_terms_like_any_other() {
        let mut v = Vocabulary::default();
        let e = v.intern("");
        let g = v.intern("grüße");
        let c = v.intern("缓存");
        assert_eq!(
            (v.get(""), v.get("grüße"), v.get("缓存")),
            (Some(e), Some(g), Some(c))
        );
        assert_eq!(v.term(g), "grüße");
    }

    #[test]
    fn round_trips_through_postcard_and_rejects_bad_ends() {
        let mut v = Vocabulary::default();
        for w in ["alpha", "beta", "gamma"] {
            v.intern(w);
        }
        let bytes = postcard::to_stdvec(&v).unwrap();
        let back: Vocabulary = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.get("beta"), Some(1));
        assert_eq!(
            back.iter().map(|(_, t)| t).collect::<Vec<_>>(),
            ["alpha", "beta", "gamma"]
        );
        assert!(back.validate());
        let bad = postcard::to_stdvec(&Stored {
            arena: "abc",
            ends: vec![2u32, 9],
        })
        .unwrap();
        assert!(postcard::from_bytes::<Vocabulary>(&bad).is_err());
        let not_boundary = postcard::to_stdvec(&Stored {
            arena: "ü",
            ends: vec![1u32, 2],
        })
        .unwrap();
        assert!(postcard::from_bytes::<Vocabulary>(&not_boundary).is_err());
    }
}
