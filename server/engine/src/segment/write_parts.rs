//! The pieces the segment writer streams with: the output with its hashed sections, spill
//! files for sections written side by side, the open-addressing tables (one built in memory
//! from hashes in any order, one streamed from hashes in ascending order) and the numbering
//! of the live chunks as a rank bitmap. None of them holds more than a few bits per chunk
//! on the heap.

use super::format::{first_slot, table_len};
use std::io::{BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// An open-addressing table of `u32` slots (entry index + 1) over `n` hashes read from
/// `hashes` (little-endian `u64`s) in any order. The slots are laid out in an unlinked
/// temporary file in `dir`, mapped: a table over every file of a large workspace is
/// megabytes, which file-backed pages hold instead of the heap.
pub(super) fn write_table(
    w: &mut dyn Write,
    hashes: &mut dyn Read,
    n: usize,
    dir: &Path,
) -> std::io::Result<()> {
    let len = table_len(n);
    let file = tempfile::tempfile_in(dir)?;
    file.set_len(len as u64 * 4)?;
    // SAFETY: the file is unlinked and this process's alone; nothing else maps or writes it.
    let mut map = unsafe { memmap2::MmapMut::map_mut(&file)? };
    let slots: &mut [u32] = bytemuck::cast_slice_mut(&mut map[..]);
    // Slots past the home ones: the table never wraps.
    let mut tail: Vec<u32> = Vec::new();
    let mut hash = [0u8; 8];
    for i in 0..n {
        hashes.read_exact(&mut hash)?;
        let mut at = first_slot(u64::from_le_bytes(hash), len);
        loop {
            let slot = match slots.get_mut(at) {
                Some(slot) => slot,
                None => {
                    if at - len == tail.len() {
                        tail.push(0);
                    }
                    &mut tail[at - len]
                }
            };
            if *slot == 0 {
                *slot = i as u32 + 1;
                break;
            }
            at += 1;
        }
    }
    w.write_all(&map)?;
    w.write_all(bytemuck::cast_slice(&tail))
}

/// The same table over `n` hashes read from `hashes` in ascending order, written as it is
/// worked out: an entry takes its home slot or the one after the previous entry.
pub(super) fn stream_table(
    w: &mut dyn Write,
    hashes: &mut dyn Read,
    n: usize,
) -> std::io::Result<()> {
    let len = table_len(n);
    let mut next = 0usize;
    let mut hash = [0u8; 8];
    let mut out = BufWriter::with_capacity(1 << 16, w);
    let zeros = |out: &mut BufWriter<&mut dyn Write>, count: usize| -> std::io::Result<()> {
        for _ in 0..count {
            out.write_all(&0u32.to_le_bytes())?;
        }
        Ok(())
    };
    for i in 0..n {
        hashes.read_exact(&mut hash)?;
        let at = first_slot(u64::from_le_bytes(hash), len).max(next);
        zeros(&mut out, at - next)?;
        out.write_all(&(i as u32 + 1).to_le_bytes())?;
        next = at + 1;
    }
    zeros(&mut out, len.saturating_sub(next))?;
    out.flush()
}

/// The live chunks of a source and their new ids: a chunk's new id is the number of live
/// chunks with a lower source id (the files list their chunks in ascending order).
pub(super) struct LiveIds {
    bound: u32,
    bits: Vec<u64>,
    /// Live chunks before each word of `bits`.
    before: Vec<u32>,
}

impl LiveIds {
    pub(super) fn new(bound: u32) -> LiveIds {
        LiveIds {
            bound,
            bits: vec![0; (bound as usize).div_ceil(64)],
            before: Vec::new(),
        }
    }

    /// Mark `id` live (ids out of the bound are left out, as a source's stray ids are).
    pub(super) fn insert(&mut self, id: u32) {
        if id >= self.bound {
            return;
        }
        if let Some(word) = self.bits.get_mut(id as usize / 64) {
            *word |= 1 << (id % 64);
        }
    }

    /// Count, once every live id is in. Returns how many there are.
    pub(super) fn finish(&mut self) -> u32 {
        let mut at = 0u32;
        self.before = self
            .bits
            .iter()
            .map(|w| {
                let here = at;
                at += w.count_ones();
                here
            })
            .collect();
        at
    }

    /// The new id of source chunk `id`, if it is live.
    pub(super) fn get(&self, id: u32) -> Option<u32> {
        let (word, bit) = (id as usize / 64, id % 64);
        let w = *self.bits.get(word)?;
        (w & (1 << bit) != 0).then(|| self.before[word] + (w & ((1u64 << bit) - 1)).count_ones())
    }
}

/// The output file: sections start on 8-byte boundaries, each hashed as it is written.
pub(super) struct Out<W: Write> {
    pub(super) inner: W,
    pos: u64,
}

impl<W: Write> Out<W> {
    pub(super) fn new(inner: W) -> Self {
        Out { inner, pos: 0 }
    }

    pub(super) fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Write one section with `body`; returns its (offset, length, xxh3).
    pub(super) fn section(
        &mut self,
        body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<(u64, u64, u64)> {
        let pad = (8 - (self.pos % 8) as usize) % 8;
        self.write_all(&[0u8; 8][..pad])?;
        let start = self.pos;
        let mut hashing = Hashing {
            inner: &mut self.inner,
            hasher: Xxh3::new(),
            len: 0,
        };
        body(&mut hashing)?;
        let (len, hash) = (hashing.len, hashing.hasher.digest());
        self.pos += len;
        Ok((start, len, hash))
    }
}

struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: Xxh3,
    len: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Bytes set aside in a temporary file (the kernel's page cache, not the heap) while
/// another section is being written.
pub(super) struct Spill {
    out: BufWriter<std::fs::File>,
    len: u64,
}

impl Spill {
    pub(super) fn new(dir: &Path) -> std::io::Result<Spill> {
        Ok(Spill {
            out: BufWriter::with_capacity(1 << 16, tempfile::tempfile_in(dir)?),
            len: 0,
        })
    }

    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Append `bytes`; returns where they start (an offset into a strings section, which
    /// must stay below 4 GiB).
    pub(super) fn push(&mut self, bytes: &[u8]) -> std::io::Result<u32> {
        let start = u32::try_from(self.len)
            .map_err(|_| std::io::Error::other("segment strings past 4 GiB"))?;
        self.append(bytes)?;
        Ok(start)
    }

    /// Append `bytes` to a spill of any length.
    pub(super) fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// The bytes written so far, from the start.
    pub(super) fn reader(&mut self) -> std::io::Result<impl Read + '_> {
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(std::io::SeekFrom::Start(0))?;
        Ok(BufReader::with_capacity(
            1 << 16,
            Read::take(&mut *file, self.len),
        ))
    }

    pub(super) fn copy_into(&mut self, w: &mut dyn Write) -> std::io::Result<()> {
        let len = self.len;
        let copied = std::io::copy(&mut self.reader()?, w)?;
        if copied != len {
            return Err(std::io::Error::other("spill file shorter than written"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_ids_number_the_live_chunks_in_order() {
        let mut live = LiveIds::new(200);
        for id in [0, 5, 63, 64, 130, 199, 250] {
            live.insert(id);
        }
        assert_eq!(live.finish(), 6);
        let got: Vec<Option<u32>> = [0, 1, 5, 63, 64, 65, 130, 199, 250]
            .iter()
            .map(|&id| live.get(id))
            .collect();
        assert_eq!(
            got,
            [
                Some(0),
                None,
                Some(1),
                Some(2),
                Some(3),
                None,
                Some(4),
                Some(5),
                None
            ]
        );
    }

    #[test]
    fn a_streamed_table_equals_the_table_built_in_memory() {
        // Hashes crowded into a few home slots, so that entries overflow past the end.
        let mut hashes: Vec<u64> = (0..40u64)
            .map(|i| (i % 3) << 62 | i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 8)
            .chain([u64::MAX, u64::MAX - 1])
            .collect();
        hashes.sort_unstable();
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        let mut built = Vec::new();
        write_table(&mut built, &mut &bytes[..], hashes.len(), dir.path()).unwrap();
        let mut streamed = Vec::new();
        stream_table(&mut streamed, &mut &bytes[..], hashes.len()).unwrap();
        assert_eq!(built, streamed);
        // Its scratch file is unlinked.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(
            built.len() / 4 > table_len(hashes.len()),
            "no overflow tested"
        );
        let slots: &[u32] = bytemuck::cast_slice(&built);
        for (i, &h) in hashes.iter().enumerate() {
            let found = super::super::format::probe(slots, hashes.len(), h, |e| e == i as u32);
            assert_eq!(found, Some(i as u32));
        }
    }

    #[test]
    fn a_table_over_hashes_in_any_order_finds_each_entry() {
        let hashes: Vec<u64> = (0..500u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i % 7) << 61)
            .chain([u64::MAX; 3])
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        let mut built = Vec::new();
        write_table(&mut built, &mut &bytes[..], hashes.len(), dir.path()).unwrap();
        // Three entries share the last home slot: at least two overflow past the end.
        assert!(built.len() / 4 >= table_len(hashes.len()) + 2);
        let slots: &[u32] = bytemuck::cast_slice(&built);
        for (i, &h) in hashes.iter().enumerate() {
            let found = super::super::format::probe(slots, hashes.len(), h, |e| e == i as u32);
            assert_eq!(found, Some(i as u32));
        }
        // Too few hashes to read is an error, not a short table.
        let mut short = Vec::new();
        assert!(write_table(&mut short, &mut &bytes[..16], 3, dir.path()).is_err());
    }
}
