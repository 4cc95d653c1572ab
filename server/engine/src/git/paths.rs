//! The history index's paths: every path's text in one string and its record in one table,
//! found through a hash table of record numbers, with up to four commits kept inline. A
//! path costs about a third of what a map of owned strings to lists cost, in a handful of
//! large allocations, so a workspace of hundreds of thousands of files neither holds much
//! nor scatters small blocks over the allocator.
//!
//! Once the walk is complete the table can be frozen into a file read in place
//! (`frozen_paths`); the table then holds only the paths of commits read since, which are
//! newer than every frozen one.

use hashbrown::HashTable;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;

use super::frozen_paths::{FrozenError, FrozenPaths};

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
    /// The paths frozen into a file, older than every commit above.
    frozen: Option<Arc<FrozenPaths>>,
    /// The checksum of the frozen table a persisted index refers to, until `attach` opens it.
    frozen_key: Option<u64>,
}

impl std::fmt::Debug for PathTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathTable")
            .field("paths", &self.slots.len())
            .field("frozen", &self.frozen)
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
        self.find(path).is_some() || self.frozen.as_ref().is_some_and(|f| f.find(path).is_some())
    }

    /// The record of `path`: its newer commits held here, then its frozen ones.
    pub(super) fn get(&self, path: &str) -> Option<PathRecord> {
        let recent = self.find(path).map(|i| &self.slots[i as usize].record);
        let frozen = self
            .frozen
            .as_ref()
            .and_then(|f| Some(f.record(f.find(path)?)));
        match (recent, frozen) {
            (Some(r), None) => Some(r.clone()),
            (recent, Some(mut f)) => {
                if let Some(r) = recent {
                    let mut commits = r.commits.clone();
                    commits.extend(f.commits.drain(..));
                    f.commits = commits;
                    f.renamed_from.extend(r.renamed_from.iter().cloned());
                }
                Some(f)
            }
            (None, None) => None,
        }
    }

    /// The record of `path` held in memory, empty when it was not there. With a frozen
    /// table, only commits newer than all of its may be added (`extend_to` does so).
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

    /// The records held in memory (a frozen table's were checked when it was opened).
    pub(super) fn records(&self) -> impl Iterator<Item = &PathRecord> {
        self.slots.iter().map(|s| &s.record)
    }

    /// How many paths are held in memory, and how many frozen.
    pub(super) fn held(&self) -> (usize, usize) {
        (
            self.slots.len(),
            self.frozen.as_ref().map_or(0, |f| f.len()),
        )
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.len()
    }

    /// Write every path, frozen or held, to a frozen table at `file` and serve it from
    /// there: the table then holds nothing in memory. `commit_count` bounds commit indices.
    pub(super) fn freeze(&mut self, file: &Path, commit_count: usize) -> Result<(), FrozenError> {
        let mut order: Vec<u32> = (0..self.slots.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let path = |i: u32| Self::path(&self.text, &self.slots[i as usize]);
            path(a).cmp(path(b))
        });
        let merged = Merged {
            table: self,
            order: &order,
            held: 0,
            frozen: 0,
        };
        super::frozen_paths::write(file, merged)?;
        let frozen = FrozenPaths::open(file, commit_count)?;
        *self = PathTable {
            frozen_key: Some(frozen.checksum()),
            frozen: Some(Arc::new(frozen)),
            ..PathTable::default()
        };
        Ok(())
    }

    /// Open the frozen table a persisted index refers to, at `file`. An index without one
    /// needs none; a missing, damaged or different file is an error (the history is read
    /// again).
    pub(super) fn attach(
        &mut self,
        file: Option<&Path>,
        commit_count: usize,
    ) -> Result<(), FrozenError> {
        let Some(key) = self.frozen_key else {
            return Ok(());
        };
        let file = file.ok_or(FrozenError::Corrupt("no file for the frozen paths"))?;
        let frozen = FrozenPaths::open(file, commit_count)?;
        if frozen.checksum() != key {
            return Err(FrozenError::Corrupt("not the table this history wrote"));
        }
        self.frozen = Some(Arc::new(frozen));
        Ok(())
    }
}

/// The frozen paths and the held ones merged in path order, for `freeze`.
#[derive(Clone)]
struct Merged<'a> {
    table: &'a PathTable,
    order: &'a [u32],
    held: usize,
    frozen: usize,
}

impl<'a> Iterator for Merged<'a> {
    type Item = (&'a str, PathRecord);

    fn next(&mut self) -> Option<Self::Item> {
        let table = self.table;
        let held = self.order.get(self.held).map(|&i| {
            let slot = &table.slots[i as usize];
            PathTable::path(&table.text, slot)
        });
        let frozen = table
            .frozen
            .as_deref()
            .filter(|f| self.frozen < f.len())
            .map(|f| f.path(self.frozen));
        let path = match (held, frozen) {
            (Some(h), Some(f)) => h.min(f),
            (Some(h), None) => h,
            (None, Some(f)) => f,
            (None, None) => return None,
        };
        if held == Some(path) {
            self.held += 1;
        }
        if frozen == Some(path) {
            self.frozen += 1;
        }
        Some((path, table.get(path).unwrap_or_default()))
    }
}

/// The held paths as a map from path to record, after the checksum of the frozen table.
impl Serialize for PathTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.frozen_key, Held(self)).serialize(serializer)
    }
}

struct Held<'a>(&'a PathTable);

impl Serialize for Held<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let table = self.0;
        let mut map = serializer.serialize_map(Some(table.slots.len()))?;
        for slot in &table.slots {
            map.serialize_entry(PathTable::path(&table.text, slot), &slot.record)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PathTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (frozen_key, HeldTable(mut table)) =
            <(Option<u64>, HeldTable)>::deserialize(deserializer)?;
        table.frozen_key = frozen_key;
        Ok(table)
    }
}

struct HeldTable(PathTable);

impl<'de> Deserialize<'de> for HeldTable {
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
        deserializer.deserialize_map(Paths).map(HeldTable)
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
