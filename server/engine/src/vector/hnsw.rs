//! The approximate vector index: an HNSW graph (hnsw_rs) over i8-quantised vectors, for
//! workspaces past the crossover where a full scan gets slower than walking the graph.
//!
//! hnsw_rs keeps its own copy of every vector and is generic over the element type and the
//! distance, so each element is the vector's i8 codes followed by the four little-endian bytes
//! of its f32 scale (see `quant`): 516 bytes for 512 dimensions instead of 2 KB of f32, and the
//! distance is the same quantised cosine the exact index ranks with.
//!
//! What hnsw_rs does not do, and how this index copes:
//! - No deletion: the caller's `keep` filter hides tombstoned chunks and the caller rebuilds.
//!   When `keep` passes only a small share of the points the graph walk visits most of the
//!   graph to fill k results, so the caller should scan such small subsets with the exact index.
//! - Its `DistDot` asserts on rounding and its stock distances are scalar; the distance here is
//!   vectorised and clamped to `[0, 2]` (never NaN, which hnsw_rs's asserts would trip on).
//! - Its persistence prints to stdout and exits the process on corrupt files, so the graph is
//!   never persisted: it is rebuilt from the exact index's parts (`HnswIndex::from_exact`).
//! - Its level generator is seeded with a constant, and parallel inserts race, so two builds of
//!   the same data may differ slightly; recall, not identity, is what tests check.
//! - A few of its methods print or exit (`dump_layer_info`, `modify_level_scale`, `Hnsw::new`
//!   with more than 256 connections); this module never calls the first two and clamps the
//!   third.

use std::sync::atomic::{AtomicUsize, Ordering};

use hnsw_rs::hnsw::{DataId, Hnsw};
use hnsw_rs::prelude::{Distance, FilterT};
use rayon::prelude::*;

use super::exact::ExactIndex;
use super::quant;
use super::{VectorError, VectorId, VectorIndex};

/// Layers hnsw_rs may use (its own maximum).
const MAX_LAYERS: usize = 16;

/// Rows quantised and inserted per batch when building from an exact index: bounds the
/// temporary copy while keeping every core busy.
const BUILD_BATCH: usize = 16_384;

/// Bytes of the f32 scale appended to each element's codes.
const SCALE_BYTES: usize = 4;

/// Graph parameters. See `Default` for the tuned values and how they were measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HnswParams {
    /// Links per node on the upper layers; the bottom layer keeps twice as many. Memory grows
    /// linearly with it. Clamped to `2..=128`.
    pub max_nb_connection: usize,
    /// Candidates examined while linking a new node. Build time grows with it.
    pub ef_construction: usize,
    /// Candidates examined per search (at least k). Recall and latency grow with it.
    pub ef_search: usize,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            max_nb_connection: 16,
            ef_construction: 200,
            ef_search: 64,
        }
    }
}

/// 1 − cosine of two graph elements (codes followed by the scale's bytes), clamped to
/// `[0, 2]`. Elements of different lengths are 1 apart (unrelated) rather than a panic.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScaledCosine;

impl Distance<i8> for ScaledCosine {
    fn eval(&self, a: &[i8], b: &[i8]) -> f32 {
        if a.len() != b.len() || a.len() < SCALE_BYTES {
            return 1.0;
        }
        let (a_codes, a_scale) = split_element(a);
        let (b_codes, b_scale) = split_element(b);
        let distance = 1.0 - quant::cosine(a_codes, a_scale, b_codes, b_scale);
        if distance.is_nan() {
            1.0
        } else {
            distance.clamp(0.0, 2.0)
        }
    }
}

/// The codes and scale of an element at least `SCALE_BYTES` long.
fn split_element(element: &[i8]) -> (&[i8], f32) {
    let (codes, tail) = element.split_at(element.len() - SCALE_BYTES);
    let bytes = [tail[0] as u8, tail[1] as u8, tail[2] as u8, tail[3] as u8];
    (codes, f32::from_le_bytes(bytes))
}

/// Codes followed by the scale's bytes: the form hnsw_rs stores and compares.
fn make_element(codes: &[i8], scale: f32) -> Vec<i8> {
    let mut element = Vec::with_capacity(codes.len() + SCALE_BYTES);
    element.extend_from_slice(codes);
    element.extend(scale.to_le_bytes().map(|b| b as i8));
    element
}

fn element_of(vector: &[f32]) -> Vec<i8> {
    let (codes, scale) = quant::quantise(vector);
    make_element(&codes, scale)
}

/// Adapts the caller's `keep` to hnsw_rs's filter.
struct KeepFilter<'a>(&'a dyn Fn(VectorId) -> bool);

impl FilterT for KeepFilter<'_> {
    fn hnsw_filter(&self, id: &DataId) -> bool {
        VectorId::try_from(*id).is_ok_and(|id| (self.0)(id))
    }
}

/// Approximate cosine search on an HNSW graph. `insert` and `search` take `&self` and may run
/// concurrently (hnsw_rs locks per node).
pub struct HnswIndex {
    dim: usize,
    params: HnswParams,
    ef_search: AtomicUsize,
    graph: Hnsw<'static, i8, ScaledCosine>,
}

impl std::fmt::Debug for HnswIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HnswIndex")
            .field("dim", &self.dim)
            .field("params", &self.params)
            .field("len", &self.len())
            .finish()
    }
}

impl HnswIndex {
    /// An empty graph for `dim`-dimensional vectors; `capacity` is a hint (expected count).
    pub fn new(dim: usize, params: HnswParams, capacity: usize) -> Self {
        let params = HnswParams {
            max_nb_connection: params.max_nb_connection.clamp(2, 128),
            ef_construction: params.ef_construction.max(8),
            ef_search: params.ef_search.max(1),
        };
        let graph = Hnsw::new(
            params.max_nb_connection,
            capacity,
            MAX_LAYERS,
            params.ef_construction,
            ScaledCosine,
        );
        Self {
            dim,
            params,
            ef_search: AtomicUsize::new(params.ef_search),
            graph,
        }
    }

    /// A graph of `vectors` (id, vector), inserted in parallel on the rayon pool. Vectors of
    /// the wrong dimension are skipped and counted in a warning.
    pub fn build<I>(dim: usize, params: HnswParams, vectors: I) -> Self
    where
        I: IntoParallelIterator<Item = (VectorId, Vec<f32>)>,
    {
        let elements: Vec<(Vec<i8>, VectorId)> = vectors
            .into_par_iter()
            .filter(|(_, v)| v.len() == dim)
            .map(|(id, v)| (element_of(&v), id))
            .collect();
        let index = Self::new(dim, params, elements.len());
        index.insert_elements(&elements);
        index
    }

    /// A graph of everything in `exact`, reusing its codes (no re-quantisation), inserted in
    /// parallel batches.
    pub fn from_exact(exact: &ExactIndex, params: HnswParams) -> Self {
        let len = exact.len();
        let index = Self::new(exact.dim(), params, len);
        for start in (0..len).step_by(BUILD_BATCH) {
            let elements: Vec<(Vec<i8>, VectorId)> = exact
                .quantised_rows(start, start + BUILD_BATCH)
                .into_par_iter()
                .map(|(id, codes, scale)| (make_element(&codes, scale), id))
                .collect();
            index.insert_elements(&elements);
        }
        index
    }

    fn insert_elements(&self, elements: &[(Vec<i8>, VectorId)]) {
        let refs: Vec<(&[i8], usize)> = elements
            .iter()
            .map(|(element, id)| (element.as_slice(), *id as usize))
            .collect();
        self.graph.parallel_insert_slice(&refs);
    }

    /// Adds `vector` under `id`, or says why not (wrong dimension).
    pub fn try_insert(&self, id: VectorId, vector: &[f32]) -> Result<(), VectorError> {
        if vector.len() != self.dim {
            return Err(VectorError::DimMismatch {
                expected: self.dim,
                found: vector.len(),
            });
        }
        self.graph.insert_slice((&element_of(vector), id as usize));
        Ok(())
    }

    /// The parameters in use (after clamping), with the current `ef_search`.
    pub fn params(&self) -> HnswParams {
        HnswParams {
            ef_search: self.ef_search(),
            ..self.params
        }
    }

    pub fn ef_search(&self) -> usize {
        self.ef_search.load(Ordering::Relaxed)
    }

    /// Changes the search width for later searches (say, to trade latency for recall when a
    /// recall check comes back low).
    pub fn set_ef_search(&self, ef: usize) {
        self.ef_search.store(ef.max(1), Ordering::Relaxed);
    }

    /// [`VectorIndex::search`] with an explicit search width.
    pub fn search_with_ef(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        keep: &dyn Fn(VectorId) -> bool,
    ) -> Vec<(VectorId, f32)> {
        if query.len() != self.dim {
            tracing::debug!(
                expected = self.dim,
                found = query.len(),
                "hnsw index: query of the wrong dimension"
            );
            return Vec::new();
        }
        if k == 0 {
            return Vec::new();
        }
        let element = element_of(query);
        let filter = KeepFilter(keep);
        self.graph
            .search_filter(&element, k, ef.max(k), Some(&filter))
            .into_iter()
            .filter_map(|n| {
                let id = VectorId::try_from(n.d_id).ok()?;
                Some((id, 1.0 - n.distance))
            })
            .collect()
    }
}

impl VectorIndex for HnswIndex {
    fn len(&self) -> usize {
        self.graph.get_nb_point()
    }

    fn dim(&self) -> usize {
        self.dim
    }

    /// A vector of the wrong dimension is not stored; the mismatch is logged.
    fn insert(&self, id: VectorId, vector: &[f32]) {
        if let Err(err) = self.try_insert(id, vector) {
            tracing::warn!(id, %err, "hnsw index: vector not inserted");
        }
    }

    /// A query of the wrong dimension returns no results (and logs at debug level). When
    /// `keep` passes few points, prefer the exact index: see the module docs.
    fn search(
        &self,
        query: &[f32],
        k: usize,
        keep: &dyn Fn(VectorId) -> bool,
    ) -> Vec<(VectorId, f32)> {
        self.search_with_ef(query, k, self.ef_search(), keep)
    }

    fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + estimate_graph_bytes(self.dim, self.params.max_nb_connection, &self.layer_sizes())
    }

    fn name(&self) -> &'static str {
        "hnsw"
    }
}

impl HnswIndex {
    /// Points whose top layer is each layer (index 0: bottom layer only).
    fn layer_sizes(&self) -> Vec<usize> {
        let points = self.graph.get_point_indexation();
        (0..MAX_LAYERS)
            .map(|layer| points.get_layer_nb_point(layer))
            .collect()
    }
}

/// Heap bytes hnsw_rs holds for a graph, from its layout: per point an `Arc<Point>`, the
/// element `Vec`, an `Arc<RwLock<Vec<Vec<_>>>>` with one (mostly empty) `Vec` per possible
/// layer; per link an 8-byte slot and a separately allocated `Arc<PointWithOrder>`. Link lists
/// fill to their cap (2M on the bottom layer, M above), and pushing past the cap before pruning
/// leaves the list's capacity at the next power of two. Each allocation is charged 16 bytes of
/// allocator overhead. `layer_sizes[t]` is the number of points whose top layer is `t`.
fn estimate_graph_bytes(dim: usize, m: usize, layer_sizes: &[usize]) -> usize {
    const ALLOC: usize = 16;
    let per_point = (64 + ALLOC)
        + ((dim + SCALE_BYTES).next_multiple_of(8) + ALLOC)
        + (48 + ALLOC)
        + (MAX_LAYERS * 24 + ALLOC);
    let per_link = 32 + ALLOC;
    layer_sizes
        .iter()
        .enumerate()
        .map(|(top, &count)| {
            let links = 2 * m + top * m;
            let slots = (2 * m + 1).next_power_of_two() + top * (m + 1).next_power_of_two();
            count * (per_point + links * per_link + slots * 8)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::recall::{measure_recall, recall_at_k};
    use crate::vector::synthetic::{clustered, ClusterShape, ClusteredSpace, Xorshift64};

    fn keep_all(_: VectorId) -> bool {
        true
    }

    fn pairs(data: &[Vec<f32>]) -> Vec<(VectorId, Vec<f32>)> {
        data.iter()
            .enumerate()
            .map(|(i, v)| (i as VectorId, v.clone()))
            .collect()
    }

    #[test]
    fn distance_is_clamped_and_never_nan() {
        let d = ScaledCosine;
        let a = element_of(&[1.0, 0.0, 0.0]);
        let b = element_of(&[-1.0, 0.0, 0.0]);
        let zero = element_of(&[0.0, 0.0, 0.0]);
        assert_eq!(d.eval(&a, &a), 0.0);
        assert_eq!(d.eval(&a, &b), 2.0);
        assert_eq!(d.eval(&a, &zero), 1.0);
        assert_eq!(d.eval(&a, &a[..2]), 1.0);
        assert_eq!(d.eval(&[], &[]), 1.0);
        // A corrupt scale (NaN bytes) still gives a distance in range.
        let mut nan = a.clone();
        let len = nan.len();
        nan[len - 4..].copy_from_slice(&f32::NAN.to_le_bytes().map(|b| b as i8));
        assert_eq!(d.eval(&nan, &a), 1.0);
        // Rounding can push a self-similarity just over 1; the distance stays >= 0.
        let v: Vec<f32> = (0..512).map(|i| ((i * 7) as f32).sin()).collect();
        let e = element_of(&v);
        assert!(d.eval(&e, &e) >= 0.0);
    }

    #[test]
    fn finds_the_true_nearest_neighbours_on_small_data() {
        let data = clustered(500, 32, 1);
        let index = HnswIndex::build(32, HnswParams::default(), pairs(&data));
        assert_eq!(index.len(), 500);
        for id in [0usize, 123, 499] {
            let results = index.search(&data[id], 5, &keep_all);
            assert_eq!(results.len(), 5);
            assert_eq!(results[0].0, id as VectorId);
            assert!((results[0].1 - 1.0).abs() < 0.01);
            assert!(results.windows(2).all(|w| w[0].1 >= w[1].1));
        }
        let exact = ExactIndex::with_dim(32);
        for (i, v) in data.iter().enumerate() {
            exact.insert(i as VectorId, v);
        }
        let queries = clustered(50, 32, 2);
        assert!(measure_recall(&exact, &index, &queries, 10, &keep_all) >= 0.99);
    }

    #[test]
    fn keep_filter_excludes_ids() {
        let data = clustered(1000, 32, 3);
        let index = HnswIndex::build(32, HnswParams::default(), pairs(&data));
        let exact = ExactIndex::with_dim(32);
        for (i, v) in data.iter().enumerate() {
            exact.insert(i as VectorId, v);
        }
        let even = |id: VectorId| id % 2 == 0;
        let queries = clustered(30, 32, 4);
        let mut truth = Vec::new();
        let mut found = Vec::new();
        for q in &queries {
            let results = index.search(q, 10, &even);
            assert_eq!(results.len(), 10);
            assert!(results.iter().all(|(id, _)| id % 2 == 0));
            found.push(results.into_iter().map(|r| r.0).collect());
            truth.push(
                exact
                    .search(q, 10, &even)
                    .into_iter()
                    .map(|r| r.0)
                    .collect(),
            );
        }
        assert!(recall_at_k(&truth, &found, 10) >= 0.95);
        assert!(index.search(&queries[0], 10, &|_| false).is_empty());
    }

    #[test]
    fn recall_at_10_is_at_least_0_99_on_5k_clustered_512d_vectors() {
        let dim = 512;
        let space = ClusteredSpace::new(dim, ClusterShape::topics(50), 42);
        let data = space.sample(5000, 1);
        let queries = space.sample(200, 2);
        let exact = ExactIndex::with_dim(dim);
        for (i, v) in data.iter().enumerate() {
            exact.insert(i as VectorId, v);
        }
        let graph = HnswIndex::from_exact(&exact, HnswParams::default());
        assert_eq!(graph.len(), 5000);
        let recall = measure_recall(&exact, &graph, &queries, 10, &keep_all);
        assert!(recall >= 0.99, "recall@10 {recall}");
    }

    #[test]
    fn build_and_from_exact_agree_on_results() {
        let data = clustered(800, 24, 5);
        let exact = ExactIndex::with_dim(24);
        for (i, v) in data.iter().enumerate() {
            exact.insert(i as VectorId, v);
        }
        let built = HnswIndex::build(24, HnswParams::default(), exact.iter().collect::<Vec<_>>());
        let copied = HnswIndex::from_exact(&exact, HnswParams::default());
        let queries = clustered(40, 24, 6);
        assert!(measure_recall(&copied, &built, &queries, 10, &keep_all) >= 0.98);
    }

    #[test]
    fn dim_mismatch_and_zero_vectors_do_not_panic() {
        let index = HnswIndex::new(8, HnswParams::default(), 0);
        assert!(index.search(&[0.5; 8], 3, &keep_all).is_empty());
        index.insert(0, &[0.0; 8]);
        index.insert(1, &[0.5; 8]);
        index.insert(2, &[0.5; 9]);
        assert!(matches!(
            index.try_insert(3, &[0.5; 2]),
            Err(VectorError::DimMismatch {
                expected: 8,
                found: 2
            })
        ));
        assert_eq!(index.len(), 2);
        assert!(index.search(&[0.5; 7], 3, &keep_all).is_empty());
        let results = index.search(&[0.5; 8], 3, &keep_all);
        assert_eq!(results.first().map(|r| r.0), Some(1));
        let results = index.search(&[0.0; 8], 3, &keep_all);
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.1 == 0.0));
        assert!(index.search(&[0.5; 8], 0, &keep_all).is_empty());
    }

    #[test]
    fn extreme_params_are_clamped_instead_of_exiting() {
        let params = HnswParams {
            max_nb_connection: 10_000,
            ef_construction: 0,
            ef_search: 0,
        };
        let index = HnswIndex::new(4, params, 10);
        assert_eq!(index.params().max_nb_connection, 128);
        index.insert(0, &[1.0, 0.0, 0.0, 0.0]);
        index.insert(1, &[0.0, 1.0, 0.0, 0.0]);
        assert_eq!(index.search(&[1.0, 0.1, 0.0, 0.0], 1, &keep_all)[0].0, 0);
        index.set_ef_search(0);
        assert_eq!(index.ef_search(), 1);
    }

    #[test]
    fn concurrent_inserts_and_searches() {
        let dim = 32;
        let index = HnswIndex::new(dim, HnswParams::default(), 1200);
        let writers = 3;
        let per_writer = 400;
        std::thread::scope(|scope| {
            for w in 0..writers {
                let index = &index;
                scope.spawn(move || {
                    let data = clustered(per_writer, dim, 200 + w as u64);
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
        let data = clustered(per_writer, dim, 201);
        let results = index.search(&data[42], 1, &keep_all);
        assert_eq!(results[0].0, (per_writer + 42) as VectorId);
    }

    #[test]
    fn memory_estimate_grows_with_points() {
        let small = HnswIndex::build(64, HnswParams::default(), pairs(&clustered(200, 64, 7)));
        let large = HnswIndex::build(64, HnswParams::default(), pairs(&clustered(800, 64, 7)));
        assert!(large.memory_bytes() > 3 * small.memory_bytes());
        // At least the elements themselves.
        assert!(large.memory_bytes() > 800 * 68);
    }
}
