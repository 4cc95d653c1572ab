//! The history index's paths: every path's text in one string and its record in one table,
//! found through a hash table of record numbers, with up to four commits kept inline. A
//! path costs about a third of what a map of owned strings to lists cost, in a handful of
//! large allocations, so a workspace of hundreds of thousands of files neither holds much
//! nor scatters small blocks over the allocator.
//!
//! Once the walk is complete the table can be frozen into a file read in place
//! (`frozen_paths`); the table then holds only the paths of commits read since, which are
//! newer than every frozen one. While the walk goes on, the paths held are moved to a
//! temporary file of the same format (a run) each time they reach a fixed number, so that
//! the walk of a history of hundreds of thousands of paths (or of one commit of them)
//! holds no more than that number; freezing merges the runs with what is held.

use hashbrown::HashTable;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Where and from how many held paths the main walk moves them to a run.
#[derive(Clone, Debug)]
pub(super) struct PathSpill {
    dir: PathBuf,
    at: usize,
}

/// Held paths that make a run: about 8 MiB of table at the paths' usual lengths.
const SPILL_AT: usize = 1 << 16;

impl PathSpill {
    pub(super) fn new(dir: &Path) -> PathSpill {
        PathSpill::every(dir, SPILL_AT)
    }

    /// Runs of `at` paths (at least one).
    pub(super) fn every(dir: &Path, at: usize) -> PathSpill {
        PathSpill {
            dir: dir.to_path_buf(),
            at: at.max(1),
        }
    }
}

#[derive(Clone, Default)]
pub(super) struct PathTable {
    text: String,
    slots: Vec<Slot>,
    lookup: HashTable<u32>,
    hasher: foldhash::fast::FixedState,
    /// Paths moved out of memory by the main walk, each run newer than the next and all of
    /// them newer than the paths held. Unlinked files, mapped.
    runs: Vec<Arc<FrozenPaths>>,
    /// A run could not be written: the walk holds its paths from then on.
    spill_failed: bool,
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
        self.find(path).is_some()
            || self.runs.iter().any(|r| r.find(path).is_some())
            || self.frozen.as_ref().is_some_and(|f| f.find(path).is_some())
    }

    /// The record of `path`: its commits in the runs, then held here, then frozen.
    pub(super) fn get(&self, path: &str) -> Option<PathRecord> {
        let runs = self
            .runs
            .iter()
            .filter_map(|r| Some(r.record(r.find(path)?)));
        let held = self
            .find(path)
            .map(|i| self.slots[i as usize].record.clone());
        let frozen = self
            .frozen
            .as_ref()
            .and_then(|f| Some(f.record(f.find(path)?)));
        joined(runs.chain(held), frozen)
    }

    /// The record of `path` held in memory for a commit older than every one the table
    /// has (the main walk's next), first moving the held paths to a run in `spill`'s folder
    /// when there are `spill.at` of them and `path` is not among them.
    pub(super) fn older_entry(&mut self, path: &str, spill: Option<&PathSpill>) -> &mut PathRecord {
        if let Some(i) = self.find(path) {
            return &mut self.slots[i as usize].record;
        }
        // A frozen table's paths are older than the held ones: runs would be newer.
        let spill = spill.filter(|s| self.slots.len() >= s.at && self.frozen.is_none());
        if let Some(spill) = spill.filter(|_| !self.spill_failed) {
            if let Err(e) = self.spill(&spill.dir) {
                tracing::warn!("git history paths kept in memory: {e}");
                self.spill_failed = true;
            }
        }
        let i = self.insert(path);
        &mut self.slots[i as usize].record
    }

    /// Move the held paths to a new run in `dir`.
    fn spill(&mut self, dir: &Path) -> Result<(), FrozenError> {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(dir)?;
        let file = dir.join(format!(
            ".history-run-{}-{}{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed),
            crate::index_file::TEMPORARY_SUFFIX
        ));
        let order = self.held_order();
        let written = super::frozen_paths::write(&file, Layers::new(self, &order, false, false))
            .and_then(|_| FrozenPaths::open(&file, usize::MAX));
        // Mapped (or failed): the file is not needed by name, and a crash leaves nothing.
        let _ = std::fs::remove_file(&file);
        self.runs.push(Arc::new(written?));
        // The allocations stay for the next run's paths.
        self.text.clear();
        self.slots.clear();
        self.lookup.clear();
        Ok(())
    }

    /// Take the runs' paths back into memory, for a change that puts newer commits in front
    /// of the held ones (`extend_to` after a freeze that failed).
    pub(super) fn absorb_runs(&mut self) {
        if self.runs.is_empty() {
            return;
        }
        let order = self.held_order();
        let mut table = PathTable::default();
        for (path, record) in Layers::new(self, &order, true, false) {
            *table.entry(path) = record;
        }
        table.frozen = self.frozen.take();
        table.frozen_key = self.frozen_key;
        *self = table;
    }

    /// Held record numbers in path order.
    fn held_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.slots.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let path = |i: u32| Self::path(&self.text, &self.slots[i as usize]);
            path(a).cmp(path(b))
        });
        order
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

    /// How many paths are held in memory or in runs (a path in two counts twice), and how
    /// many frozen.
    pub(super) fn held(&self) -> (usize, usize) {
        (
            self.slots.len() + self.runs.iter().map(|r| r.len()).sum::<usize>(),
            self.frozen.as_ref().map_or(0, |f| f.len()),
        )
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.len()
    }

    /// How many runs the walk wrote and the table still reads.
    #[cfg(test)]
    pub(super) fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Write every path, in runs, frozen or held, to a frozen table at `file` and serve it
    /// from there: the table then holds nothing in memory. `commit_count` bounds commit
    /// indices.
    pub(super) fn freeze(&mut self, file: &Path, commit_count: usize) -> Result<(), FrozenError> {
        let order = self.held_order();
        super::frozen_paths::write(file, Layers::new(self, &order, true, true))?;
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

/// One path's record from its parts: `newer` newest first, then `frozen`. The commits
/// follow that order; the frozen table's renames lead, as they did before there were runs.
fn joined(
    newer: impl Iterator<Item = PathRecord>,
    frozen: Option<PathRecord>,
) -> Option<PathRecord> {
    let mut joined: Option<PathRecord> = None;
    for part in newer {
        match &mut joined {
            None => joined = Some(part),
            Some(j) => {
                j.commits.extend(part.commits);
                j.renamed_from.extend(part.renamed_from);
            }
        }
    }
    match (joined, frozen) {
        (j, None) => j,
        (None, f) => f,
        (Some(mut j), Some(mut f)) => {
            j.commits.extend(f.commits.drain(..));
            f.commits = j.commits;
            f.renamed_from.extend(j.renamed_from);
            Some(f)
        }
    }
}

/// The table's paths merged in path order, each with its whole record: the runs and the
/// held paths, and the frozen table when asked. Walks every part side by side.
#[derive(Clone)]
struct Layers<'a> {
    table: &'a PathTable,
    /// Held record numbers in path order.
    order: &'a [u32],
    /// The next place in each run (none when the runs are left out), in `order`, and in
    /// the frozen table (`None` when it is left out).
    runs: Vec<usize>,
    held: usize,
    frozen: Option<usize>,
}

impl<'a> Layers<'a> {
    fn new(table: &'a PathTable, order: &'a [u32], runs: bool, frozen: bool) -> Layers<'a> {
        Layers {
            table,
            order,
            runs: vec![0; if runs { table.runs.len() } else { 0 }],
            held: 0,
            frozen: frozen.then_some(0),
        }
    }
}

impl<'a> Iterator for Layers<'a> {
    type Item = (&'a str, PathRecord);

    fn next(&mut self) -> Option<Self::Item> {
        let table = self.table;
        let run_heads: SmallVec<[Option<&'a str>; 8]> = self
            .runs
            .iter()
            .zip(&table.runs)
            .map(|(&at, run)| (at < run.len()).then(|| run.path(at)))
            .collect();
        let held = self.order.get(self.held).map(|&i| {
            let slot = &table.slots[i as usize];
            PathTable::path(&table.text, slot)
        });
        let frozen_table = table.frozen.as_deref();
        let frozen = match (self.frozen, frozen_table) {
            (Some(at), Some(f)) if at < f.len() => Some(f.path(at)),
            _ => None,
        };
        let path = run_heads
            .iter()
            .chain([&held, &frozen])
            .flatten()
            .min()
            .copied()?;
        let mut newer: SmallVec<[PathRecord; 2]> = SmallVec::new();
        for ((at, run), head) in self.runs.iter_mut().zip(&table.runs).zip(&run_heads) {
            if *head == Some(path) {
                newer.push(run.record(*at));
                *at += 1;
            }
        }
        if held == Some(path) {
            newer.push(table.slots[self.order[self.held] as usize].record.clone());
            self.held += 1;
        }
        let frozen = match (frozen == Some(path), &mut self.frozen, frozen_table) {
            (true, Some(at), Some(f)) => {
                *at += 1;
                Some(f.record(*at - 1))
            }
            _ => None,
        };
        Some((path, joined(newer.into_iter(), frozen).unwrap_or_default()))
    }
}

/// The held paths as a map from path to record, after the checksum of the frozen table.
/// The runs' paths count as held: they are read back into memory when loaded.
impl Serialize for PathTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.frozen_key, Held(self)).serialize(serializer)
    }
}

struct Held<'a>(&'a PathTable);

impl Serialize for Held<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let table = self.0;
        if table.runs.is_empty() {
            let mut map = serializer.serialize_map(Some(table.slots.len()))?;
            for slot in &table.slots {
                map.serialize_entry(PathTable::path(&table.text, slot), &slot.record)?;
            }
            return map.end();
        }
        let order = table.held_order();
        let merged = Layers::new(table, &order, true, false);
        let mut map = serializer.serialize_map(Some(merged.clone().count()))?;
        for (path, record) in merged {
            map.serialize_entry(path, &record)?;
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
