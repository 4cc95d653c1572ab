//! Deterministic synthetic embeddings for tests, benches and recall checks: clustered unit
//! vectors from a seeded xorshift generator, identical on every machine and run.
//!
//! Real embeddings are not spread evenly over the sphere: they bunch into topics, and within a
//! topic they vary along a few directions. The generator copies that shape. Each cluster has a
//! random centre and a handful of random "latent" directions; a sample is
//! `centre + latent mix + isotropic noise`, normalised. The noise share sets how hard nearest
//! neighbour search is: with no latent part and much noise, neighbours inside a cluster are
//! almost equidistant and every approximate index struggles.

/// A small, fast, seedable generator (Marsaglia's xorshift64*). Not for cryptography.
#[derive(Debug, Clone)]
pub struct Xorshift64 {
    state: u64,
}

impl Xorshift64 {
    /// A generator from `seed`; every seed (0 included) gives a usable, distinct stream.
    pub fn new(seed: u64) -> Self {
        // SplitMix64 step: spreads nearby seeds apart and never leaves the state at zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self {
            state: if z == 0 { 0x2545_F491_4F6C_DD1D } else { z },
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..bound` (`bound` 0 gives 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        // The modulo bias is below 2^-40 for any realistic bound; fine for test data.
        (self.next_u64() % bound as u64) as usize
    }

    /// Standard normal, by Box–Muller.
    pub fn gaussian(&mut self) -> f32 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln stays finite
        let u2 = self.next_f64();
        ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
    }

    /// A random unit vector (uniform on the sphere).
    pub fn unit_vector(&mut self, dim: usize) -> Vec<f32> {
        let mut v: Vec<f32> = (0..dim).map(|_| self.gaussian()).collect();
        normalise(&mut v);
        v
    }
}

/// Scales `v` to unit length in place (a zero vector stays zero).
pub fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The shape of a clustered space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterShape {
    pub clusters: usize,
    /// Directions of variation inside each cluster.
    pub latent_dims: usize,
    /// Length of the latent part relative to the centre (which has length 1).
    pub latent_weight: f32,
    /// Length of the isotropic noise relative to the centre.
    pub noise_weight: f32,
}

impl ClusterShape {
    /// Topic-like clusters: within-cluster cosine around 0.6, neighbours set mostly by the
    /// latent directions, a little noise.
    pub fn topics(clusters: usize) -> Self {
        Self {
            clusters,
            latent_dims: 8,
            latent_weight: 0.7,
            noise_weight: 0.3,
        }
    }
}

/// A fixed set of clusters to draw data and queries from, so queries resemble the data
/// without being copies of it.
#[derive(Debug, Clone)]
pub struct ClusteredSpace {
    dim: usize,
    shape: ClusterShape,
    centres: Vec<Vec<f32>>,
    /// `latents[c]` holds cluster `c`'s latent directions, each of unit length.
    latents: Vec<Vec<Vec<f32>>>,
}

impl ClusteredSpace {
    pub fn new(dim: usize, shape: ClusterShape, seed: u64) -> Self {
        let mut rng = Xorshift64::new(seed);
        let clusters = shape.clusters.max(1);
        let centres = (0..clusters).map(|_| rng.unit_vector(dim)).collect();
        let latents = (0..clusters)
            .map(|_| {
                (0..shape.latent_dims)
                    .map(|_| rng.unit_vector(dim))
                    .collect()
            })
            .collect();
        Self {
            dim,
            shape,
            centres,
            latents,
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `n` unit vectors drawn from the stream `seed` (different seeds, different samples).
    pub fn sample(&self, n: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut rng = Xorshift64::new(seed ^ 0x5DEE_CE66_D1CE_4E5B);
        (0..n).map(|_| self.sample_one(&mut rng)).collect()
    }

    /// One unit vector from `rng`'s stream.
    pub fn sample_one(&self, rng: &mut Xorshift64) -> Vec<f32> {
        let c = rng.below(self.centres.len());
        let mut v = self.centres[c].clone();
        let latents = &self.latents[c];
        if !latents.is_empty() {
            // Coefficients ~ N(0, 1/latent_dims): the latent part has length ≈ latent_weight.
            let per_dim = self.shape.latent_weight / (latents.len() as f32).sqrt();
            for direction in latents {
                let coefficient = rng.gaussian() * per_dim;
                v.iter_mut()
                    .zip(direction)
                    .for_each(|(x, d)| *x += coefficient * d);
            }
        }
        if self.dim > 0 {
            let per_component = self.shape.noise_weight / (self.dim as f32).sqrt();
            v.iter_mut()
                .for_each(|x| *x += rng.gaussian() * per_component);
        }
        normalise(&mut v);
        v
    }
}

/// `n` clustered unit vectors of `dim` dimensions, about 100 per cluster (at least 8 clusters),
/// fully determined by `seed`.
pub fn clustered(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let shape = ClusterShape::topics((n / 100).max(8));
    ClusteredSpace::new(dim, shape, seed).sample(n, seed.wrapping_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_vectors_and_different_seed_different_vectors() {
        let a = clustered(50, 16, 7);
        assert_eq!(a, clustered(50, 16, 7));
        assert_ne!(a, clustered(50, 16, 8));
    }

    #[test]
    fn samples_are_unit_length() {
        for v in clustered(200, 32, 1) {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        }
    }

    #[test]
    fn clusters_are_tighter_than_the_space() {
        // Same cluster (shared centre) should be far more similar than random pairs.
        let space = ClusteredSpace::new(128, ClusterShape::topics(1), 3);
        let v = space.sample(20, 9);
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let mut rng = Xorshift64::new(5);
        let within = dot(&v[0], &v[1]);
        let random = dot(&rng.unit_vector(128), &rng.unit_vector(128));
        assert!(within > 0.3, "within-cluster cosine {within}");
        assert!(random.abs() < 0.3, "random cosine {random}");
    }

    #[test]
    fn gaussian_has_roughly_unit_variance() {
        let mut rng = Xorshift64::new(11);
        let n = 20_000;
        let samples: Vec<f64> = (0..n).map(|_| f64::from(rng.gaussian())).collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "variance {var}");
    }
}
