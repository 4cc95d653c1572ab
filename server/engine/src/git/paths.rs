//! The history index's paths: every path's text in one string and its record in one table,
//! found through a hash table of record numbers, with up to four commits kept inline. A
//! path costs about a third of what a map of owned strings to lists cost, in a handful of
//! large allocations, so a workspace of hundreds of thousands of files neither holds much
//! nor scatters small blocks over the allocator.

use hashbrown::HashTable;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;
use std::hash::BuildHasher;

/// Indices into the history's commits, newest first.
pub(super) type Commits = SmallVec<[u32; 4]>;

/// One path's history.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct PathRecord {
    pub(super) commits: Commits,
    /// Commits that created this path by renaming another: (commit index, older path).
    pub(super) renamed_from: Vec<(u32, Box<str>)>,
}

#[derive(Clone, Debug)]
struct Slot {
    start: u32,
    len: u32,
    record: PathRecord,
}

#[derive(Clone, Default)]
pub(super) struct PathTable {
    text: String,
    slots: Vec<Slot>,
    lookup: HashTable<u32>,
    hasher: foldhash::fast::FixedState,
}

impl std::fmt::Debug for PathTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathTable")
            .field("paths", &self.slots.len())
            .finish()
    }
}

impl PathTable {
    fn path<'a>(text: &'a str, slot: &Slot) -> &'a str {
        &text[slot.start as usize..(slot.start + slot.len) as usize]
    }

    fn find(&self, path: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(path);
        self.lookup
            .find(hash, |&i| {
                Self::path(&self.text, &self.slots[i as usize]) == path
            })
            .copied()
    }

    pub(super) fn contains(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    pub(super) fn get(&self, path: &str) -> Option<&PathRecord> {
        self.find(path).map(|i| &self.slots[i as usize].record)
    }

    /// The record of `path`, empty when it was not there.
    pub(super) fn entry(&mut self, path: &str) -> &mut PathRecord {
        let i = match self.find(path) {
            Some(i) => i,
            None => self.insert(path),
        };
        &mut self.slots[i as usize].record
    }

    fn insert(&mut self, path: &str) -> u32 {
        let i = self.slots.len() as u32;
        let start = self.text.len() as u32;
        self.text.push_str(path);
        self.slots.push(Slot {
            start,
            len: path.len() as u32,
            record: PathRecord::default(),
        });
        let (text, slots, hasher) = (&self.text, &self.slots, &self.hasher);
        let hash = hasher.hash_one(path);
        self.lookup.insert_unique(hash, i, |&j| {
            hasher.hash_one(Self::path(text, &slots[j as usize]))
        });
        i
    }

    pub(super) fn records(&self) -> impl Iterator<Item = &PathRecord> {
        self.slots.iter().map(|s| &s.record)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.len()
    }
}

/// Persisted as a map from path to record, as the map it replaced was.
impl Serialize for PathTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.slots.len()))?;
        for slot in &self.slots {
            map.serialize_entry(Self::path(&self.text, slot), &slot.record)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PathTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Paths;
        impl<'de> Visitor<'de> for Paths {
            type Value = PathTable;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of paths to their commits")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<PathTable, A::Error> {
                let mut table = PathTable::default();
                while let Some((path, record)) = access.next_entry::<String, PathRecord>()? {
                    *table.entry(&path) = record;
                }
                Ok(table)
            }
        }
        deserializer.deserialize_map(Paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_found_after_many_inserts_and_a_round_trip() {
        let mut table = PathTable::default();
        for i in 0..1000u32 {
            table.entry(&format!("src/m{i}.rs")).commits.push(i);
        }
        table.entry("src/m7.rs").commits.push(5000);
        table
            .entry("new.rs")
            .renamed_from
            .push((3, "old.rs".into()));
        let bytes = postcard::to_allocvec(&table).unwrap();
        let back: PathTable = postcard::from_bytes(&bytes).unwrap();
        for t in [&table, &back] {
            assert_eq!(t.len(), 1001);
            assert_eq!(&t.get("src/m7.rs").unwrap().commits[..], &[7, 5000]);
            assert_eq!(&t.get("src/m999.rs").unwrap().commits[..], &[999]);
            assert_eq!(
                t.get("new.rs").unwrap().renamed_from[0].1.as_ref(),
                "old.rs"
            );
            assert!(!t.contains("src/m1000.rs"));
        }
    }
}
