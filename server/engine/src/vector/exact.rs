//! The exact vector index: every vector quantised to i8 in one contiguous array, searched by a
//! full scan. It is the index for small workspaces, the recall oracle for the graph, the
//! fallback when the graph's recall drops, and the source the graph is rebuilt from.
//!
//! Layout: rows are grouped in blocks of `BLOCK_ROWS`; inside a block the codes are stored
//! dimension by dimension (`block[d·BLOCK_ROWS + r]` is dimension `d` of the block's row `r`).
//! A query only reads the dimensions where it is non-zero, each as one contiguous run per
//! block: the built-in hashed embedder's questions touch 10–30 of 512 dimensions, so a scan
//! reads a few percent of the codes instead of all of them (the row-major scan was bound by
//! memory bandwidth). Dense queries (a static model) read every dimension, as before.
//! Row `i` has scale `scales[i]` and id `ids[i]`. Rows are only ever appended, so a row index
//! stays valid for the life of the index; deleted chunks are filtered out by the caller's
//! `keep` and removed by rebuilding.

use parking_lot::RwLock;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::quant;
use super::{VectorError, VectorId, VectorIndex};

/// Rows from which a search scans in parallel. A 512-d row costs 70–160 ns on one core
/// (the lower figure while the codes fit in cache), so 32k rows take 2.5–5 ms, and splitting
/// that saves far more than rayon's fork/join. On a busy machine the split gains little: with
/// both cores taken by other processes (load 6–8 on 2 cores), parallel and sequential medians
/// were within ±15% of each other at 10k–100k rows, and a worker descheduled mid-chunk can
/// make one query slower. Starting at 32k keeps that risk to scans that are long anyway.
/// Measured with `cargo bench --bench vector` (the "exact seq"/"exact par" columns).
pub const PARALLEL_SCAN_MIN_ROWS: usize = 32_768;

/// Rows per block. A block's accumulator (`BLOCK_ROWS` i32) stays in L1 while the query's
/// dimensions are added into it, and each dimension is one 256-byte run (four cache lines).
pub const BLOCK_ROWS: usize = 256;

/// Blocks handed to one rayon task: large enough that task overhead is noise, small enough to
/// balance across cores.
const BLOCKS_PER_TASK: usize = 8;

/// The persisted form of an [`ExactIndex`]: everything needed to rebuild it without
/// re-embedding. Validated by [`ExactIndex::from_parts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactParts {
    pub dim: usize,
    pub ids: Vec<VectorId>,
    /// The codes in blocks of `BLOCK_ROWS` rows, dimension-major inside a block (see the
    /// module comment): `ceil(ids.len() / BLOCK_ROWS) · BLOCK_ROWS · dim` codes, the unused
    /// rows of the last block zero.
    pub codes: Vec<i8>,
    /// One non-negative, finite scale per row.
    pub scales: Vec<f32>,
}

#[derive(Debug, Default)]
struct Rows {
    ids: Vec<VectorId>,
    codes: Vec<i8>,
    scales: Vec<f32>,
    /// Whether `ids` is strictly increasing, which makes `vector(id)` a binary search.
    ids_increasing: bool,
}

impl Rows {
    /// Writes row `row`'s codes, growing the block array when the row starts a new block.
    fn set_codes(&mut self, dim: usize, row: usize, codes: &[i8]) {
        let block = row / BLOCK_ROWS;
        let needed = (block + 1) * BLOCK_ROWS * dim;
        if self.codes.len() < needed {
            self.codes.resize(needed, 0);
        }
        let base = block * BLOCK_ROWS * dim + row % BLOCK_ROWS;
        for (d, &code) in codes.iter().enumerate() {
            self.codes[base + d * BLOCK_ROWS] = code;
        }
    }

    /// Row `row`'s codes, gathered from its block.
    fn row_codes(&self, dim: usize, row: usize) -> Vec<i8> {
        let base = (row / BLOCK_ROWS) * BLOCK_ROWS * dim + row % BLOCK_ROWS;
        (0..dim)
            .map(|d| self.codes[base + d * BLOCK_ROWS])
            .collect()
    }

    fn position(&self, id: VectorId) -> Option<usize> {
        if self.ids_increasing {
            self.ids.binary_search(&id).ok()
        } else {
            // Out-of-order or repeated ids: the newest row wins.
            self.ids.iter().rposition(|&x| x == id)
        }
    }
}

/// Exact cosine search over i8-quantised vectors. `insert` and `search` take `&self` and may
/// run concurrently from any number of threads (a `parking_lot` read/write lock; writers hold
/// it only to append one row).
#[derive(Debug)]
pub struct ExactIndex {
    dim: usize,
    parallel_min_rows: usize,
    rows: RwLock<Rows>,
}

impl ExactIndex {
    /// An empty index for vectors of `dim` dimensions.
    pub fn with_dim(dim: usize) -> Self {
        Self {
            dim,
            parallel_min_rows: PARALLEL_SCAN_MIN_ROWS,
            rows: RwLock::new(Rows {
                ids_increasing: true,
                ..Rows::default()
            }),
        }
    }

    /// Sets the number of rows from which a search scans in parallel (0 or 1: always).
    pub fn with_parallel_threshold(mut self, rows: usize) -> Self {
        self.parallel_min_rows = rows;
        self
    }

    /// Adds `vector` under `id`, or says why not (wrong dimension).
    pub fn try_insert(&self, id: VectorId, vector: &[f32]) -> Result<(), VectorError> {
        if vector.len() != self.dim {
            return Err(VectorError::DimMismatch {
                expected: self.dim,
                found: vector.len(),
            });
        }
        // Quantise before taking the lock so writers hold it only for the append.
        let (codes, scale) = quant::quantise(vector);
        let mut rows = self.rows.write();
        if rows.ids.last().is_some_and(|&last| last >= id) {
            rows.ids_increasing = false;
        }
        let row = rows.ids.len();
        rows.set_codes(self.dim, row, &codes);
        rows.ids.push(id);
        rows.scales.push(scale);
        Ok(())
    }

    /// Makes room for `more` rows at once, so that a large batch of inserts grows the code
    /// array once instead of doubling (and copying) it several times on the way.
    pub fn reserve(&self, more: usize) {
        let mut rows = self.rows.write();
        let total = rows.ids.len() + more;
        let codes = total.div_ceil(BLOCK_ROWS) * BLOCK_ROWS * self.dim;
        let extra = codes.saturating_sub(rows.codes.len());
        rows.codes.reserve_exact(extra);
        rows.ids.reserve_exact(more);
        rows.scales.reserve_exact(more);
    }

    /// The stored (dequantised, so approximately unit-length) vector of `id`. If the id was
    /// inserted more than once, the newest.
    pub fn vector(&self, id: VectorId) -> Option<Vec<f32>> {
        let rows = self.rows.read();
        let row = rows.position(id)?;
        Some(quant::dequantise(
            &rows.row_codes(self.dim, row),
            rows.scales[row],
        ))
    }

    /// The stored codes and scale of `id` (the newest row when it was inserted twice).
    pub fn codes(&self, id: VectorId) -> Option<(Vec<i8>, f32)> {
        let rows = self.rows.read();
        let row = rows.position(id)?;
        Some((rows.row_codes(self.dim, row), rows.scales[row]))
    }

    /// Every stored `(id, dequantised vector)` in insertion order, up to the length at the
    /// time of the call. Each step takes the read lock briefly, so inserts may continue while
    /// a graph is built from this.
    pub fn iter(&self) -> impl Iterator<Item = (VectorId, Vec<f32>)> + '_ {
        let len = self.len();
        (0..len).map(move |row| {
            let rows = self.rows.read();
            (
                rows.ids[row],
                quant::dequantise(&rows.row_codes(self.dim, row), rows.scales[row]),
            )
        })
    }

    /// `f(id, codes, scale)` for rows `start..end` (clamped to the length), under one read
    /// lock: lets a graph be built from the codes without a dequantise/requantise round trip.
    pub(crate) fn map_rows<T>(
        &self,
        start: usize,
        end: usize,
        f: impl Fn(VectorId, &[i8], f32) -> T,
    ) -> Vec<T> {
        let rows = self.rows.read();
        let end = end.min(rows.ids.len());
        (start.min(end)..end)
            .map(|row| {
                f(
                    rows.ids[row],
                    &rows.row_codes(self.dim, row),
                    rows.scales[row],
                )
            })
            .collect()
    }

    /// Up to `n` stored vectors spread evenly over the index, for recall checks.
    pub fn sample_vectors(&self, n: usize) -> Vec<Vec<f32>> {
        let len = self.len();
        if n == 0 || len == 0 {
            return Vec::new();
        }
        let step = (len / n).max(1);
        let rows = self.rows.read();
        (0..len)
            .step_by(step)
            .take(n)
            .map(|row| quant::dequantise(&rows.row_codes(self.dim, row), rows.scales[row]))
            .collect()
    }

    /// A copy of the contents for persistence.
    pub fn to_parts(&self) -> ExactParts {
        let rows = self.rows.read();
        ExactParts {
            dim: self.dim,
            ids: rows.ids.clone(),
            codes: rows.codes.clone(),
            scales: rows.scales.clone(),
        }
    }

    /// Writes the rows in the persisted layout: dimension (u32), row count (u64), ids (u32
    /// each), scales (f32 each), then the blocked codes, all little-endian, without copying
    /// the codes first.
    pub fn write_raw(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let rows = self.rows.read();
        out.write_all(&(self.dim as u32).to_le_bytes())?;
        out.write_all(&(rows.ids.len() as u64).to_le_bytes())?;
        for id in &rows.ids {
            out.write_all(&id.to_le_bytes())?;
        }
        for scale in &rows.scales {
            out.write_all(&scale.to_le_bytes())?;
        }
        let blocks = rows.ids.len().div_ceil(BLOCK_ROWS);
        let codes = &rows.codes[..blocks * BLOCK_ROWS * self.dim];
        for chunk in codes.chunks(1 << 16) {
            let bytes: Vec<u8> = chunk.iter().map(|&c| c as u8).collect();
            out.write_all(&bytes)?;
        }
        Ok(())
    }

    /// Rebuilds an index from persisted parts. Inconsistent lengths or bad scales (say, from a
    /// truncated or corrupt file) give an error, never a panic.
    pub fn from_parts(parts: ExactParts) -> Result<Self, VectorError> {
        let ExactParts {
            dim,
            ids,
            codes,
            scales,
        } = parts;
        let corrupt = |why: String| Err(VectorError::CorruptParts(why));
        if scales.len() != ids.len() {
            return corrupt(format!("{} ids but {} scales", ids.len(), scales.len()));
        }
        let blocks = ids.len().div_ceil(BLOCK_ROWS);
        match BLOCK_ROWS
            .checked_mul(dim)
            .and_then(|block| block.checked_mul(blocks))
        {
            Some(expected) if expected == codes.len() => {}
            _ => {
                return corrupt(format!(
                    "{} codes for {} vectors of {dim} dimensions in blocks",
                    codes.len(),
                    ids.len()
                ))
            }
        }
        if let Some(bad) = scales.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
            return corrupt(format!("scale {bad} is not a finite non-negative number"));
        }
        let ids_increasing = ids.windows(2).all(|w| w[0] < w[1]);
        Ok(Self {
            dim,
            parallel_min_rows: PARALLEL_SCAN_MIN_ROWS,
            rows: RwLock::new(Rows {
                ids,
                codes,
                scales,
                ids_increasing,
            }),
        })
    }

    /// Scores every row against the quantised query (scaled by the row's scale only; the
    /// query's scale is applied to the k winners). Only the query's non-zero dimensions are
    /// read; the integer sums are exact, so the order of summation does not matter.
    fn score_rows(&self, rows: &Rows, query: &[i8], scores: &mut [f32]) {
        let dim = self.dim;
        let nonzero: Vec<(usize, i32)> = query
            .iter()
            .enumerate()
            .filter(|(_, &q)| q != 0)
            .map(|(d, &q)| (d, i32::from(q)))
            .collect();
        let block_len = BLOCK_ROWS * dim;
        let score_blocks = |first_block: usize, out: &mut [f32]| {
            let mut acc = [0i32; BLOCK_ROWS];
            for (offset, block_scores) in out.chunks_mut(BLOCK_ROWS).enumerate() {
                let block = first_block + offset;
                let codes = &rows.codes[block * block_len..(block + 1) * block_len];
                acc.fill(0);
                for &(d, q) in &nonzero {
                    let column = &codes[d * BLOCK_ROWS..(d + 1) * BLOCK_ROWS];
                    for (a, &c) in acc.iter_mut().zip(column) {
                        *a += q * i32::from(c);
                    }
                }
                let first_row = block * BLOCK_ROWS;
                for (r, score) in block_scores.iter_mut().enumerate() {
                    *score = acc[r] as f32 * rows.scales[first_row + r];
                }
            }
        };
        // The work is rows × non-zero dimensions: a sparse query over many rows is still cheap.
        let work = scores.len() * nonzero.len() / dim.max(1);
        if work >= self.parallel_min_rows.max(1) && rayon::current_num_threads() > 1 {
            scores
                .par_chunks_mut(BLOCKS_PER_TASK * BLOCK_ROWS)
                .enumerate()
                .for_each(|(task, out)| score_blocks(task * BLOCKS_PER_TASK, out));
        } else {
            score_blocks(0, scores);
        }
    }
}

impl VectorIndex for ExactIndex {
    fn len(&self) -> usize {
        self.rows.read().ids.len()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// A vector of the wrong dimension is not stored; the mismatch is logged.
    fn insert(&self, id: VectorId, vector: &[f32]) {
        if let Err(err) = self.try_insert(id, vector) {
            tracing::warn!(id, %err, "exact index: vector not inserted");
        }
    }

    /// A query of the wrong dimension returns no results (and logs at debug level). `keep`
    /// runs under the index's read lock, so it must not insert into this index.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        keep: &dyn Fn(VectorId) -> bool,
    ) -> Vec<(VectorId, f32)> {
        if query.len() != self.dim {
            tracing::debug!(
                expected = self.dim,
                found = query.len(),
                "exact index: query of the wrong dimension"
            );
            return Vec::new();
        }
        if k == 0 {
            return Vec::new();
        }
        let (query_codes, query_scale) = quant::quantise(query);
        let rows = self.rows.read();
        let mut scores = vec![0.0f32; rows.ids.len()];
        self.score_rows(&rows, &query_codes, &mut scores);
        // `keep` is not `Sync`, so it runs here on the calling thread, and only for rows that
        // would enter the current top k.
        let mut top = crate::topk::TopK::new(k);
        for (row, &score) in scores.iter().enumerate() {
            if top.admits(score) && keep(rows.ids[row]) {
                top.push(score, rows.ids[row]);
            }
        }
        top.into_sorted()
            .into_iter()
            .map(|(score, id)| (id, (score * query_scale).clamp(-1.0, 1.0)))
            .collect()
    }

    /// Bytes of the stored rows. Spare capacity left by growth is not counted: it is never
    /// written, so it stays virtual and does not add to the resident set.
    fn memory_bytes(&self) -> usize {
        let rows = self.rows.read();
        std::mem::size_of::<Self>()
            + rows.ids.len() * std::mem::size_of::<VectorId>()
            + rows.codes.len()
            + rows.scales.len() * std::mem::size_of::<f32>()
    }

    fn name(&self) -> &'static str {
        "exact"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::synthetic::{clustered, Xorshift64};

    fn keep_all(_: VectorId) -> bool {
        true
    }

    /// Brute-force top-k in f32 on the original vectors.
    fn float_top_k(data: &[Vec<f32>], query: &[f32], k: usize) -> Vec<VectorId> {
        let mut scored: Vec<(f32, VectorId)> = data
            .iter()
            .enumerate()
            .map(|(i, v)| (v.iter().zip(query).map(|(a, b)| a * b).sum(), i as VectorId))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(k).map(|(_, id)| id).collect()
    }

    fn filled(data: &[Vec<f32>]) -> ExactIndex {
        let index = ExactIndex::with_dim(data[0].len());
        for (i, v) in data.iter().enumerate() {
            index.insert(i as VectorId, v);
        }
        index
    }

    #[test]
    fn finds_the_true_nearest_neighbours() {
        let data = clustered(2000, 64, 1);
        let queries = clustered(30, 64, 2);
        let index = filled(&data);
        let mut hits = 0;
        for q in &queries {
            let found: Vec<VectorId> = index.search(q, 10, &keep_all).iter().map(|r| r.0).collect();
            let truth = float_top_k(&data, q, 10);
            hits += found.iter().filter(|id| truth.contains(id)).count();
        }
        // Quantisation may swap a near-tie at the boundary, nothing more.
        assert!(hits >= 30 * 10 * 97 / 100, "hits {hits} of 300");
    }

    #[test]
    fn a_stored_vector_finds_itself_first_with_similarity_near_one() {
        let data = clustered(500, 128, 3);
        let index = filled(&data);
        for id in [0usize, 17, 499] {
            let results = index.search(&data[id], 3, &keep_all);
            assert_eq!(results[0].0, id as VectorId);
            assert!(
                (results[0].1 - 1.0).abs() < 0.01,
                "similarity {}",
                results[0].1
            );
            assert!(
                results.windows(2).all(|w| w[0].1 >= w[1].1),
                "not best first"
            );
        }
    }

    #[test]
    fn keep_filter_excludes_ids() {
        let data = clustered(300, 32, 4);
        let index = filled(&data);
        let odd_only = |id: VectorId| id % 2 == 1;
        let results = index.search(&data[10], 20, &odd_only);
        assert_eq!(results.len(), 20);
        assert!(results.iter().all(|(id, _)| id % 2 == 1));
        // The filter keeps the same order as an unfiltered search restricted to odd ids.
        let unfiltered: Vec<VectorId> = index
            .search(&data[10], 300, &keep_all)
            .into_iter()
            .map(|r| r.0)
            .filter(|id| id % 2 == 1)
            .take(20)
            .collect();
        assert_eq!(results.iter().map(|r| r.0).collect::<Vec<_>>(), unfiltered);
        // A filter that keeps nothing gives nothing.
        assert!(index.search(&data[10], 5, &|_| false).is_empty());
    }

    #[test]
    fn parallel_scan_gives_the_same_results_as_the_sequential_scan() {
        let data = clustered(5000, 48, 5);
        let sequential = filled(&data).with_parallel_threshold(usize::MAX);
        let parallel = filled(&data).with_parallel_threshold(1);
        for q in clustered(10, 48, 6) {
            assert_eq!(
                sequential.search(&q, 10, &keep_all),
                parallel.search(&q, 10, &keep_all)
            );
        }
    }

    #[test]
    fn k_larger_than_the_index_returns_everything() {
        let data = clustered(7, 16, 7);
        let index = filled(&data);
        assert_eq!(index.search(&data[0], 100, &keep_all).len(), 7);
        assert!(index.search(&data[0], 0, &keep_all).is_empty());
        assert!(ExactIndex::with_dim(16)
            .search(&data[0], 5, &keep_all)
            .is_empty());
    }

    #[test]
    fn dim_mismatch_is_rejected_without_panicking() {
        let index = ExactIndex::with_dim(8);
        index.insert(1, &[0.5; 8]);
        assert!(matches!(
            index.try_insert(2, &[0.5; 7]),
            Err(VectorError::DimMismatch {
                expected: 8,
                found: 7
            })
        ));
        index.insert(3, &[0.5; 9]);
        assert_eq!(index.len(), 1);
        assert!(index.search(&[0.5; 7], 5, &keep_all).is_empty());
        assert!(index.search(&[], 5, &keep_all).is_empty());
        assert_eq!(index.search(&[0.5; 8], 5, &keep_all).len(), 1);
    }

    #[test]
    fn zero_vectors_and_zero_queries_score_zero() {
        let index = ExactIndex::with_dim(4);
        index.insert(0, &[0.0; 4]);
        index.insert(1, &[1.0, 0.0, 0.0, 0.0]);
        index.insert(2, &[f32::NAN; 4]);
        let results = index.search(&[1.0, 0.0, 0.0, 0.0], 3, &keep_all);
        assert_eq!(results[0].0, 1);
        assert_eq!(
            results[1..].iter().map(|r| r.1).collect::<Vec<_>>(),
            vec![0.0, 0.0]
        );
        let results = index.search(&[0.0; 4], 3, &keep_all);
        assert_eq!(results.len(), 3);
        assert!(results.iter().all(|r| r.1 == 0.0));
        assert_eq!(index.vector(0), Some(vec![0.0; 4]));
    }

    #[test]
    fn zero_dimensional_index_does_not_panic() {
        let index = ExactIndex::with_dim(0).with_parallel_threshold(1);
        index.insert(0, &[]);
        index.insert(1, &[]);
        assert_eq!(index.search(&[], 5, &keep_all).len(), 2);
        assert_eq!(index.vector(1), Some(vec![]));
    }

    #[test]
    fn vector_and_iter_return_dequantised_vectors() {
        let data = clustered(50, 32, 8);
        let index = ExactIndex::with_dim(32);
        for (i, v) in data.iter().enumerate() {
            index.insert(100 + i as VectorId, v);
        }
        let close = |a: &[f32], b: &[f32]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.01)
        };
        assert!(close(
            &index.vector(107).expect("id 107 is stored"),
            &data[7]
        ));
        assert_eq!(index.vector(99), None);
        assert_eq!(index.vector(150), None);
        let all: Vec<(VectorId, Vec<f32>)> = index.iter().collect();
        assert_eq!(all.len(), 50);
        for (i, (id, v)) in all.iter().enumerate() {
            assert_eq!(*id, 100 + i as VectorId);
            assert!(close(v, &data[i]));
        }
        assert_eq!(index.sample_vectors(5).len(), 5);
        assert!(index.sample_vectors(0).is_empty());
    }

    #[test]
    fn out_of_order_ids_are_still_found() {
        let index = ExactIndex::with_dim(2);
        index.insert(5, &[1.0, 0.0]);
        index.insert(3, &[0.0, 1.0]);
        index.insert(5, &[0.0, -1.0]);
        assert_eq!(index.vector(3).map(|v| v[1] > 0.99), Some(true));
        // The newest row for a repeated id wins.
        assert_eq!(index.vector(5).map(|v| v[1] < -0.99), Some(true));
    }

    #[test]
    fn parts_round_trip_through_postcard() {
        let data = clustered(100, 24, 9);
        let index = filled(&data);
        let bytes = postcard::to_stdvec(&index.to_parts()).expect("parts encode");
        let parts: ExactParts = postcard::from_bytes(&bytes).expect("parts decode");
        let restored = ExactIndex::from_parts(parts).expect("valid parts");
        assert_eq!(restored.len(), 100);
        assert_eq!(restored.to_parts(), index.to_parts());
        assert_eq!(
            restored.search(&data[3], 5, &keep_all),
            index.search(&data[3], 5, &keep_all)
        );
    }

    #[test]
    fn from_parts_rejects_truncated_or_inconsistent_parts() {
        let index = filled(&clustered(10, 8, 10));
        let good = index.to_parts();
        let mut truncated_codes = good.clone();
        truncated_codes.codes.truncate(75);
        let mut missing_scale = good.clone();
        missing_scale.scales.pop();
        let mut extra_id = good.clone();
        extra_id.ids.push(99);
        let mut wrong_dim = good.clone();
        wrong_dim.dim = 9;
        let mut overflowing_dim = good.clone();
        overflowing_dim.dim = usize::MAX;
        let mut nan_scale = good.clone();
        nan_scale.scales[3] = f32::NAN;
        let mut negative_scale = good.clone();
        negative_scale.scales[0] = -1.0;
        for (what, parts) in [
            ("truncated codes", truncated_codes),
            ("missing scale", missing_scale),
            ("extra id", extra_id),
            ("wrong dim", wrong_dim),
            ("overflowing dim", overflowing_dim),
            ("NaN scale", nan_scale),
            ("negative scale", negative_scale),
        ] {
            assert!(
                matches!(
                    ExactIndex::from_parts(parts),
                    Err(VectorError::CorruptParts(_))
                ),
                "{what} accepted"
            );
        }
        assert!(ExactIndex::from_parts(good).is_ok());
        // Truncated bytes fail to decode before they reach from_parts.
        let bytes = postcard::to_stdvec(&index.to_parts()).expect("parts encode");
        assert!(postcard::from_bytes::<ExactParts>(&bytes[..bytes.len() / 2]).is_err());
    }

    #[test]
    fn concurrent_inserts_and_searches() {
        let dim = 32;
        let index = ExactIndex::with_dim(dim).with_parallel_threshold(256);
        let writers = 3;
        let per_writer = 400;
        std::thread::scope(|scope| {
            for w in 0..writers {
                let index = &index;
                scope.spawn(move || {
                    let data = clustered(per_writer, dim, 100 + w as u64);
                    for (i, v) in data.iter().enumerate() {
                        index.insert((w * per_writer + i) as VectorId, v);
                    }
                });
            }
            for r in 0..2 {
                let index = &index;
                scope.spawn(move || {
                    let mut rng = Xorshift64::new(r);
                    for _ in 0..200 {
                        let q = rng.unit_vector(dim);
                        let results = index.search(&q, 5, &keep_all);
                        assert!(results.len() <= 5);
                        assert!(results.windows(2).all(|w| w[0].1 >= w[1].1));
                    }
                });
            }
        });
        assert_eq!(index.len(), writers * per_writer);
        // Every inserted vector is retrievable and finds itself.
        let data = clustered(per_writer, dim, 101);
        let results = index.search(&data[42], 1, &keep_all);
        assert_eq!(results[0].0, (per_writer + 42) as VectorId);
    }
}
