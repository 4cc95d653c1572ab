//! TEMPORARY scaffold, replaced by the quantised exact index.
use super::{VectorId, VectorIndex};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone)]
pub struct ExactParts {
    pub dim: usize,
    pub ids: Vec<VectorId>,
    pub data: Vec<f32>,
}

pub struct ExactIndex {
    dim: usize,
    inner: RwLock<(Vec<VectorId>, Vec<f32>)>,
}

impl ExactIndex {
    pub fn with_dim(dim: usize) -> Self {
        ExactIndex {
            dim,
            inner: RwLock::new((Vec::new(), Vec::new())),
        }
    }
    pub fn to_parts(&self) -> ExactParts {
        let g = self.inner.read();
        ExactParts {
            dim: self.dim,
            ids: g.0.clone(),
            data: g.1.clone(),
        }
    }
    pub fn for_each(&self, mut f: impl FnMut(VectorId, &[f32])) {
        let g = self.inner.read();
        for (i, &id) in g.0.iter().enumerate() {
            f(id, &g.1[i * self.dim..(i + 1) * self.dim]);
        }
    }
    pub fn from_parts(p: ExactParts) -> Result<Self, String> {
        if p.data.len() != p.ids.len() * p.dim {
            return Err("bad".into());
        }
        Ok(ExactIndex {
            dim: p.dim,
            inner: RwLock::new((p.ids, p.data)),
        })
    }
}

impl VectorIndex for ExactIndex {
    fn len(&self) -> usize {
        self.inner.read().0.len()
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn insert(&self, id: VectorId, vector: &[f32]) {
        let mut g = self.inner.write();
        g.0.push(id);
        g.1.extend_from_slice(vector);
    }
    fn search(
        &self,
        query: &[f32],
        k: usize,
        keep: &dyn Fn(VectorId) -> bool,
    ) -> Vec<(VectorId, f32)> {
        let g = self.inner.read();
        let mut out: Vec<(u32, f32)> =
            g.0.iter()
                .enumerate()
                .filter(|(_, &id)| keep(id))
                .map(|(i, &id)| {
                    (
                        id,
                        g.1[i * self.dim..(i + 1) * self.dim]
                            .iter()
                            .zip(query)
                            .map(|(a, b)| a * b)
                            .sum(),
                    )
                })
                .collect();
        crate::bm25::top_k(&mut out, k);
        out
    }
    fn memory_bytes(&self) -> usize {
        self.inner.read().1.len() * 4
    }
    fn name(&self) -> &'static str {
        "exact"
    }
}
