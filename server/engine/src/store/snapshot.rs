//! The served store behind snapshots: a reader takes the store as it is now (an `Arc`) and
//! answers from it without holding any lock, while indexing, editor updates and merges go
//! on. A change never shows in a snapshot already taken.
//!
//! Copy on write: a change made while some reader still holds the current snapshot first
//! copies the store. The segments inside are shared (`Arc`), so the copy costs their dead
//! bitmaps and the overlay, which the memory budget keeps small. Vectors are shared too,
//! but they are only ever appended under new chunk ids, which an older snapshot does not
//! know and so never returns.

use super::Store;
use parking_lot::{RwLock, RwLockUpgradableReadGuard, RwLockWriteGuard};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

pub struct SharedStore {
    current: RwLock<Arc<Store>>,
}

impl SharedStore {
    pub fn new(store: Store) -> SharedStore {
        SharedStore {
            current: RwLock::new(Arc::new(store)),
        }
    }

    /// The store as it is now. Later changes never show in it.
    pub fn snapshot(&self) -> Arc<Store> {
        self.current.read().clone()
    }

    /// Change the store. Readers keep the snapshots they hold; new readers wait until the
    /// change is done, so keep it short.
    pub fn write(&self) -> StoreWriter<'_> {
        StoreWriter(self.current.write())
    }

    /// Read the store while no change may happen (readers still take snapshots), then
    /// perhaps change it: for writing a segment from the store and then serving that
    /// segment, with no change lost in between.
    pub fn upgradable(&self) -> StoreUpgradable<'_> {
        StoreUpgradable(self.current.upgradable_read())
    }
}

/// Exclusive access to change the store (see `SharedStore::write`).
pub struct StoreWriter<'a>(RwLockWriteGuard<'a, Arc<Store>>);

impl StoreWriter<'_> {
    /// Serve `store` from now on, without copying the one it replaces.
    pub fn replace(&mut self, store: Store) {
        *self.0 = Arc::new(store);
    }
}

impl Deref for StoreWriter<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.0
    }
}

impl DerefMut for StoreWriter<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        Arc::make_mut(&mut self.0)
    }
}

/// The store held still, with the right to change it (see `SharedStore::upgradable`).
pub struct StoreUpgradable<'a>(RwLockUpgradableReadGuard<'a, Arc<Store>>);

impl<'a> StoreUpgradable<'a> {
    pub fn upgrade(self) -> StoreWriter<'a> {
        StoreWriter(RwLockUpgradableReadGuard::upgrade(self.0))
    }
}

impl Deref for StoreUpgradable<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_kind::KindRules;
    use crate::index::prepare_file;
    use crate::segment::tests::{answers, built, flushed, reopened, write, FILES};

    #[test]
    fn a_snapshot_answers_as_it_was_taken_whatever_changes_after() {
        let dir = tempfile::tempdir().unwrap();
        let memory = built(FILES);
        let shared = SharedStore::new(reopened(&memory, &write(&memory, dir.path())));
        let before = shared.snapshot();
        let expected = answers(&before);

        // An edit, a removal, a flush to a segment of its own and a merge into one segment.
        let changed = "pub fn render_config_page() {}\n";
        let mut store = shared.write();
        store.apply(prepare_file(
            "src/config.rs",
            changed,
            changed.len() as u64,
            8,
            None,
            false,
            &KindRules::default(),
        ));
        assert!(store.remove("web/app.ts"));
        flushed(&mut store, dir.path(), 1);
        let merged = reopened(&store, &write(&store, &dir.path().join("merged")));
        store.replace(merged);
        drop(store);

        assert_eq!(answers(&before), expected);
        assert!(before.file("web/app.ts").is_some());
        let after = shared.snapshot();
        assert!(after.file("web/app.ts").is_none());
        assert_ne!(answers(&after), expected);
        assert_eq!(after.segment_count(), 1);
    }

    #[test]
    fn a_change_copies_the_store_only_while_a_reader_holds_it() {
        let shared = SharedStore::new(built(&FILES[..2]));
        let first = Arc::as_ptr(&shared.snapshot());
        shared.write().remove("src/net.py");
        // Nobody held a snapshot: changed in place.
        assert_eq!(Arc::as_ptr(&shared.snapshot()), first);
        let held = shared.snapshot();
        shared.write().remove("src/config.rs");
        assert!(!Arc::ptr_eq(&held, &shared.snapshot()));
        assert!(held.file("src/config.rs").is_some());
    }
}
