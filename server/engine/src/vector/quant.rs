//! Scalar quantisation of unit vectors to i8 codes with a per-vector scale, and the i8 dot
//! product both indexes score with.
//!
//! A vector `v` is normalised, then stored as codes `q` and a scale `s` with `v ≈ s·q`, where
//! `s = max|v_i| / 127`. Using the vector's own largest component (rather than one fixed scale
//! for all unit vectors) spends the whole i8 range on every vector. Codes stay in -127..=127 so
//! the code set is symmetric and `-128` never appears.
//!
//! Cosine similarity is then `s_a·s_b·(q_a·q_b)`: one integer dot product and two multiplies.
//! The query is quantised the same way, so the exact scan and the graph rank with the same
//! function and their results can be compared id for id.

/// Largest code magnitude; `-128` is left unused so negation is always exact.
const CODE_MAX: f32 = 127.0;

/// Lanes of the integer accumulator. 32 independent i32 sums let the compiler widen the i8
/// products into SIMD multiply-adds (pmaddwd on baseline x86-64).
const DOT_LANES: usize = 32;

/// Elements per block whose partial sum is kept in i32. A block's sum is at most
/// `4096 · 127² ≈ 6.6e7`, far from `i32::MAX`, so no dimension can overflow the accumulator.
const DOT_BLOCK: usize = 4096;

/// Quantises `vector` into `codes` (same length) and returns the scale.
///
/// The vector is normalised first, so a caller that passes a not-quite-unit vector still gets
/// cosine scores. Non-finite components count as zero; a zero (or all non-finite) vector gets
/// all-zero codes and scale 0, which scores 0 against everything.
pub(crate) fn quantise_into(vector: &[f32], codes: &mut [i8]) -> f32 {
    debug_assert_eq!(vector.len(), codes.len());
    let finite = |x: f32| if x.is_finite() { x } else { 0.0 };
    let mut norm_sq = 0.0f64;
    let mut max_abs = 0.0f32;
    for &x in vector {
        let x = finite(x);
        norm_sq += f64::from(x) * f64::from(x);
        max_abs = max_abs.max(x.abs());
    }
    let norm = norm_sq.sqrt() as f32;
    if !(norm > 0.0 && norm.is_finite() && max_abs > 0.0) {
        codes.fill(0);
        return 0.0;
    }
    let scale = max_abs / norm / CODE_MAX;
    // Dividing by `norm · scale` at once keeps the largest component at exactly ±127.
    let to_code = 1.0 / (norm * scale);
    if !to_code.is_finite() {
        codes.fill(0);
        return 0.0;
    }
    for (code, &x) in codes.iter_mut().zip(vector) {
        *code = round_half_away(finite(x) * to_code) as i8;
    }
    scale
}

/// `x.round().clamp(-CODE_MAX, CODE_MAX)`, written so that a loop over it vectorises:
/// `f32::round` is a call into libm per element on baseline x86-64, and quantising every
/// chunk's vector of the first pass spent most of its time there. Clamping first changes
/// nothing (rounding is monotonic and the bounds are whole), and then truncation through
/// `i32` is exact; `x - t` is exact too, so the tie test is the same as `round`'s.
fn round_half_away(x: f32) -> f32 {
    let x = x.clamp(-CODE_MAX, CODE_MAX);
    // A NaN converts to 0 and fails both comparisons: 0, as `NaN.round() as i8` gives.
    let t = x as i32 as f32;
    let d = x - t;
    if d >= 0.5 {
        t + 1.0
    } else if d <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Quantises `vector` into a new code vector; returns `(codes, scale)`.
pub fn quantise(vector: &[f32]) -> (Vec<i8>, f32) {
    let mut codes = vec![0i8; vector.len()];
    let scale = quantise_into(vector, &mut codes);
    (codes, scale)
}

/// The approximate original vector `scale · codes`.
pub(crate) fn dequantise(codes: &[i8], scale: f32) -> Vec<f32> {
    codes.iter().map(|&c| f32::from(c) * scale).collect()
}

/// Integer dot product of two code vectors of the same length (extra elements of the longer one
/// are ignored). Exact for any length.
pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    a.chunks(DOT_BLOCK)
        .zip(b.chunks(DOT_BLOCK))
        .map(|(a, b)| i64::from(dot_block(a, b)))
        .sum()
}

/// Dot product of at most `DOT_BLOCK` elements, written so the compiler vectorises it.
fn dot_block(a: &[i8], b: &[i8]) -> i32 {
    let mut lanes = [0i32; DOT_LANES];
    let a_chunks = a.chunks_exact(DOT_LANES);
    let b_chunks = b.chunks_exact(DOT_LANES);
    let (a_tail, b_tail) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..DOT_LANES {
            lanes[lane] += i32::from(x[lane]) * i32::from(y[lane]);
        }
    }
    let tail: i32 = a_tail
        .iter()
        .zip(b_tail)
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum();
    lanes.iter().sum::<i32>() + tail
}

/// Cosine similarity of two quantised vectors.
pub(crate) fn cosine(a: &[i8], a_scale: f32, b: &[i8], b_scale: f32) -> f32 {
    (dot_i8(a, b) as f64 * f64::from(a_scale) * f64::from(b_scale)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dot(a: &[i8], b: &[i8]) -> i64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| i64::from(x) * i64::from(y))
            .sum()
    }

    #[test]
    fn dot_matches_naive_for_awkward_lengths() {
        for len in [0usize, 1, 31, 32, 33, 511, 512, 4095, 4096, 4097, 9000] {
            let a: Vec<i8> = (0..len)
                .map(|i| ((i * 37 + 11) % 255) as i32 as i8)
                .collect();
            let b: Vec<i8> = (0..len)
                .map(|i| ((i * 91 + 5) % 253) as i32 as i8)
                .collect();
            assert_eq!(dot_i8(&a, &b), naive_dot(&a, &b), "len {len}");
        }
    }

    #[test]
    fn dot_does_not_overflow_on_long_extreme_vectors() {
        let a = vec![127i8; 200_000];
        let b = vec![127i8; 200_000];
        assert_eq!(dot_i8(&a, &b), 200_000 * 127 * 127);
    }

    #[test]
    fn quantised_cosine_is_close_to_float_cosine() {
        let a: Vec<f32> = (0..512).map(|i| ((i as f32) * 0.37).sin()).collect();
        let b: Vec<f32> = (0..512).map(|i| ((i as f32) * 0.37 + 0.3).sin()).collect();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let float_cos = a.iter().zip(&b).map(|(x, y)| x * y).sum::<f32>() / (norm(&a) * norm(&b));
        let (qa, sa) = quantise(&a);
        let (qb, sb) = quantise(&b);
        assert!((cosine(&qa, sa, &qb, sb) - float_cos).abs() < 2e-3);
        assert!((cosine(&qa, sa, &qa, sa) - 1.0).abs() < 2e-3);
        assert_eq!(qa.iter().map(|c| c.unsigned_abs()).max(), Some(127));
    }

    #[test]
    fn rounding_matches_the_standard_library_at_ties_and_near_them() {
        let mut values = vec![0.0f32, -0.0, f32::NAN, 1e-30, -1e-30, 127.0, -127.0];
        // The floats either side of `x` (a NaN beside zero, which is tested too).
        let beside = |x: f32| {
            let bits = x.to_bits();
            [bits.wrapping_add(1), bits.wrapping_sub(1)].map(f32::from_bits)
        };
        for k in -300..=300 {
            for x in [k as f32 + 0.5, k as f32] {
                values.push(x);
                values.extend(beside(x));
            }
        }
        // A spread of ordinary values too, from a fixed linear congruential sequence.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push(((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 300.0);
        }
        for x in values {
            let expected = x.round().clamp(-CODE_MAX, CODE_MAX) as i8;
            assert_eq!(round_half_away(x) as i8, expected, "{x:?}");
        }
    }

    #[test]
    fn zero_and_non_finite_vectors_quantise_to_zero() {
        for v in [
            vec![0.0f32; 8],
            vec![f32::NAN; 8],
            vec![f32::INFINITY, f32::NEG_INFINITY],
        ] {
            let (codes, scale) = quantise(&v);
            assert!(codes.iter().all(|&c| c == 0));
            assert_eq!(scale, 0.0);
        }
        // One bad component is dropped, the rest still count.
        let (codes, scale) = quantise(&[f32::NAN, 1.0, 0.0]);
        assert_eq!(codes, vec![0, 127, 0]);
        assert!((scale * 127.0 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn dequantise_round_trips_a_unit_vector_closely() {
        let v: Vec<f32> = (0..64).map(|i| ((i as f32) * 1.3).cos()).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let (codes, scale) = quantise(&v);
        for (orig, back) in v.iter().zip(dequantise(&codes, scale)) {
            assert!((orig / norm - back).abs() <= scale * 0.5 + 1e-6);
        }
    }
}
