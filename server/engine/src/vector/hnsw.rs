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
//!   A search walks the graph unfiltered (hnsw_rs only stops a walk early when it has no
//!   filter), drops what `keep` rejects, and widens the walk if fewer than k remain; only when
//!   even a walk of `MAX_UNFILTERED_FETCH` leaves too few does it hand `keep` to hnsw_rs, whose
//!   filtered walk then visits most of the graph. So when `keep` passes only a small share of
//!   the points (a scope of a few files, say), the caller should search the exact index
//!   instead: scanning a small subset exactly is both faster and exact.
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
use super::recall::recall_at_k;
use super::{VectorError, VectorId, VectorIndex};

/// Layers hnsw_rs may use (its own maximum).
const MAX_LAYERS: usize = 16;

/// Rows quantised and inserted per batch when building from an exact index: bounds the
/// temporary copy while keeping every core busy.
const BUILD_BATCH: usize = 4096;

/// Widest unfiltered walk tried before handing the filter to hnsw_rs.
const MAX_UNFILTERED_FETCH: usize = 1024;

/// Bytes of the f32 scale appended to each element's codes.
const SCALE_BYTES: usize = 4;

/// Graph parameters. See `Default` for the tuned values and how they were measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HnswParams {
    /// Links per node on the upper layers; the bottom layer keeps twice as many. Link memory
    /// grows linearly with it. Clamped to `2..=128`.
    pub max_nb_connection: usize,
    /// Candidates examined while linking a new node. Build time grows with it.
    pub ef_construction: usize,
    /// Candidates examined per search (at least k). Recall and latency grow with it.
    pub ef_search: usize,
}

/// Tuned on 512-d clustered vectors (500 topics; `cargo bench --bench vector` and separate
/// 100k builds): with M = 12 and ef_construction = 128, recall@10 against the exact index
/// reached 0.99 at ef 48 and 1.0 at ef 64 at 100k vectors (ef 10–32 sufficed at 5k–50k, so
/// `calibrate_ef_search` usually finds a narrower, faster ef than the default).
/// ef_construction = 64 built 1.5× faster but needed ef 128 at 100k; M = 24 with
/// ef_construction = 64 built faster (806 vectors/s) but needed ef 64–96; M = 16 with 100 built
/// slower (453/s). Build rate with the defaults: 290–550 vectors/s on 2 cores busy with other
/// work (load 5–8), about 1.4 ms of CPU per vector at 100k.
impl Default for HnswParams {
    fn default() -> Self {
        Self {
            max_nb_connection: 12,
            ef_construction: 128,
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
        // hnsw_rs reserves its layer tables from the hint; a huge one would abort on allocation.
        let graph = Hnsw::new(
            params.max_nb_connection,
            capacity.min(1 << 24),
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
    /// the wrong dimension are skipped.
    pub fn build<I>(dim: usize, params: HnswParams, vectors: I) -> Self
    where
        I: IntoParallelIterator<Item = (VectorId, Vec<f32>)>,
    {
        let index = Self::new(dim, params, 0);
        let inserted = index.insert_batch(vectors);
        tracing::debug!(inserted, "hnsw index built");
        index
    }

    /// A graph of everything in `exact`, reusing its codes (no re-quantisation), inserted in
    /// parallel batches.
    pub fn from_exact(exact: &ExactIndex, params: HnswParams) -> Self {
        let len = exact.len();
        let index = Self::new(exact.dim(), params, len);
        for start in (0..len).step_by(BUILD_BATCH) {
            let elements = exact.map_rows(start, start + BUILD_BATCH, |id, codes, scale| {
                (make_element(codes, scale), id)
            });
            index.insert_elements(&elements);
        }
        index
    }

    /// Inserts many vectors in parallel on the rayon pool (searches may run meanwhile).
    /// Vectors of the wrong dimension are skipped; returns how many were inserted.
    pub fn insert_batch<I>(&self, vectors: I) -> usize
    where
        I: IntoParallelIterator<Item = (VectorId, Vec<f32>)>,
    {
        let dim = self.dim;
        let elements: Vec<(Vec<i8>, VectorId)> = vectors
            .into_par_iter()
            .filter(|(_, v)| v.len() == dim)
            .map(|(id, v)| (element_of(&v), id))
            .collect();
        self.insert_elements(&elements);
        elements.len()
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

    /// Sets `ef_search` to the narrowest width on a fixed ladder (10 to 256) whose recall@k
    /// against `reference` (normally the exact index) on `queries` reaches `target_recall`,
    /// or to the widest if none does. Returns the width chosen and its recall. Queries can be
    /// taken from the data with `ExactIndex::sample_vectors`; 50–200 are plenty.
    pub fn calibrate_ef_search(
        &self,
        reference: &dyn VectorIndex,
        queries: &[Vec<f32>],
        k: usize,
        target_recall: f64,
    ) -> (usize, f64) {
        const EF_LADDER: [usize; 9] = [10, 16, 24, 32, 48, 64, 96, 128, 256];
        let keep = |_: VectorId| true;
        let ids = |results: Vec<(VectorId, f32)>| -> Vec<VectorId> {
            results.into_iter().map(|(id, _)| id).collect()
        };
        let truth: Vec<Vec<VectorId>> = queries
            .iter()
            .map(|q| ids(reference.search(q, k, &keep)))
            .collect();
        let mut chosen = (EF_LADDER[EF_LADDER.len() - 1], 0.0);
        for ef in EF_LADDER {
            let found: Vec<Vec<VectorId>> = queries
                .iter()
                .map(|q| ids(self.search_with_ef(q, k, ef, &keep)))
                .collect();
            chosen = (ef, recall_at_k(&truth, &found, k));
            if chosen.1 >= target_recall {
                break;
            }
        }
        self.set_ef_search(chosen.0);
        chosen
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
        let ef = ef.max(k);
        // hnsw_rs stops a walk early only when it has no filter; with one it keeps expanding
        // candidates until none is closer than its worst result, which costs several times
        // more. Tombstones are few (the caller rebuilds past a threshold), so walk unfiltered,
        // drop what `keep` rejects, and widen the walk if that leaves fewer than k.
        let mut fetch = ef;
        loop {
            let neighbours = self.graph.search_filter(&element, fetch, fetch, None);
            let exhausted = neighbours.len() < fetch;
            let kept: Vec<(VectorId, f32)> = neighbours
                .into_iter()
                .filter_map(|n| {
                    let id = VectorId::try_from(n.d_id).ok()?;
                    keep(id).then_some((id, 1.0 - n.distance))
                })
                .take(k)
                .collect();
            if kept.len() >= k || exhausted {
                return kept;
            }
            if fetch >= MAX_UNFILTERED_FETCH {
                break;
            }
            fetch = (fetch * 4).min(MAX_UNFILTERED_FETCH);
        }
        // Most of this query's neighbourhood is filtered out: let hnsw_rs apply the filter
        // during the walk, which finds kept points however far away they are.
        let filter = KeepFilter(keep);
        self.graph
            .search_filter(&element, k, ef, Some(&filter))
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

    /// An estimate from hnsw_rs's layout and a sample of link lists; see `GraphLayout`.
    fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.sample_layout().estimate_bytes(self.dim)
    }

    fn name(&self) -> &'static str {
        "hnsw"
    }
}

impl HnswIndex {
    /// Counts points per top layer and samples up to `LAYOUT_SAMPLE` link lists per layer.
    fn sample_layout(&self) -> GraphLayout {
        const LAYOUT_SAMPLE: usize = 256;
        let points = self.graph.get_point_indexation();
        let mut layout = GraphLayout::default();
        for top in 0..MAX_LAYERS {
            let count = points.get_layer_nb_point(top);
            if count == 0 {
                continue;
            }
            let stride = count.div_ceil(LAYOUT_SAMPLE);
            let (mut sampled, mut links, mut slots) = (0usize, 0usize, 0usize);
            for point in points.get_layer_iterator(top).step_by(stride) {
                for list in point.get_neighborhood_id() {
                    if !list.is_empty() {
                        links += list.len();
                        // Lists grow by doubling and overflow by one before pruning.
                        slots += (list.len() + 1).next_power_of_two().max(4);
                    }
                }
                sampled += 1;
            }
            layout.points += count;
            if let (Some(links), Some(slots)) = (
                (links * count).checked_div(sampled),
                (slots * count).checked_div(sampled),
            ) {
                layout.links += links;
                layout.slots += slots;
            }
        }
        layout
    }
}

/// What hnsw_rs allocates for a graph: per point an `Arc<Point>`, the element `Vec`, and an
/// `Arc<RwLock<Vec<Vec<_>>>>` holding one `Vec` per possible layer (mostly empty); per link a
/// pointer slot in its list and a separately allocated `Arc<PointWithOrder>`.
#[derive(Debug, Default)]
struct GraphLayout {
    points: usize,
    links: usize,
    slots: usize,
}

impl GraphLayout {
    fn estimate_bytes(&self, dim: usize) -> usize {
        // Allocator overhead per block (glibc: 16 bytes and 16-byte rounding).
        const ALLOC: usize = 16;
        let per_point = (64 + ALLOC)
            + ((dim + SCALE_BYTES).next_multiple_of(16) + ALLOC)
            + (48 + ALLOC)
            + (MAX_LAYERS * 24 + ALLOC)
            + 8; // the point's slot in its layer table
        let per_link = 32 + ALLOC;
        self.points * per_point + self.links * per_link + self.slots * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::recall::measure_recall;
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
    fn a_filter_that_keeps_few_points_still_fills_k_from_kept_points() {
        // 1 point in 100 kept: the unfiltered walks come back short and the filtered walk
        // finishes the job.
        let data = clustered(3000, 32, 11);
        let index = HnswIndex::build(32, HnswParams::default(), pairs(&data));
        let exact = ExactIndex::with_dim(32);
        for (i, v) in data.iter().enumerate() {
            exact.insert(i as VectorId, v);
        }
        let rare = |id: VectorId| id % 100 == 0;
        let queries = clustered(20, 32, 12);
        for q in &queries {
            let results = index.search(q, 10, &rare);
            assert_eq!(results.len(), 10);
            assert!(results.iter().all(|(id, _)| rare(*id)));
        }
        assert!(measure_recall(&exact, &index, &queries, 10, &rare) >= 0.8);
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
    fn calibration_picks_an_ef_that_meets_the_target() {
        let data = clustered(2000, 64, 13);
        let exact = ExactIndex::with_dim(64);
        for (i, v) in data.iter().enumerate() {
            exact.insert(i as VectorId, v);
        }
        let graph = HnswIndex::from_exact(&exact, HnswParams::default());
        let queries = clustered(50, 64, 14);
        let (ef, recall) = graph.calibrate_ef_search(&exact, &queries, 10, 0.99);
        assert_eq!(graph.ef_search(), ef);
        assert!(recall >= 0.99, "recall {recall} at ef {ef}");
        let keep = |_: VectorId| true;
        assert_eq!(measure_recall(&exact, &graph, &queries, 10, &keep), recall);
        // An unreachable target leaves the widest ef in place.
        let (widest, _) = graph.calibrate_ef_search(&exact, &queries, 10, 1.5);
        assert_eq!((widest, graph.ef_search()), (256, 256));
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
