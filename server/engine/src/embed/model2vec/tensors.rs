//! The numeric half of a Model2Vec model: the embedding matrix, per-token weights and the
//! token-to-row mapping read from `model.safetensors`, every value checked before use.
//!
//! Matrices stored as F32, F16, BF16, F64 or I8 are widened to F32. Quantised (I8) models
//! scale every row alike, so the integers keep each row's direction and, after the embedding
//! is scaled to unit length, give the same vectors as the floats they came from.

use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::{read_file, Model2VecError};

/// Names the embedding matrix goes by: Model2Vec's own, sentence-transformers' `StaticEmbedding`,
/// and the unnamed export of older Model2Vec versions.
const MATRIX_NAMES: [&str; 3] = ["embeddings", "embedding.weight", "0"];

/// The numeric contents of `model.safetensors`.
pub(super) struct Tensors {
    pub matrix: Vec<f32>,
    pub rows: usize,
    pub dim: usize,
    pub weights: Option<Vec<f32>>,
    pub mapping: Option<Vec<u32>>,
}

pub(super) fn read_tensors(path: &Path, vocab_size: usize) -> Result<Tensors, Model2VecError> {
    let bytes = read_file(path)?;
    let file = SafeTensors::deserialize(&bytes).map_err(|error| Model2VecError::Safetensors {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })?;
    let tensor_error = |name: &str, problem: String| Model2VecError::Tensor {
        path: path.to_path_buf(),
        name: name.to_string(),
        problem,
    };

    let (name, view) = find_matrix(&file).ok_or_else(|| {
        let mut names = file.names();
        names.sort_unstable();
        Model2VecError::NoMatrix {
            path: path.to_path_buf(),
            found: if names.is_empty() {
                "no tensors".to_string()
            } else {
                names.join(", ")
            },
        }
    })?;
    let (rows, dim) = match *view.shape() {
        [rows, dim] if rows > 0 && dim > 0 => (rows, dim),
        _ => {
            return Err(tensor_error(
                &name,
                format!(
                    "has shape {:?}; the embedding matrix must be 2-D (tokens x dimensions) and \
                     not empty",
                    view.shape()
                ),
            ))
        }
    };
    let matrix = decode_floats(&view).map_err(|problem| tensor_error(&name, problem))?;
    if matrix.iter().any(|value| !value.is_finite()) {
        return Err(tensor_error(
            &name,
            "holds NaN or infinite values; download the model again".to_string(),
        ));
    }

    let vector_len = |name: &str, view: &TensorView<'_>| match *view.shape() {
        [len] if len >= vocab_size => Ok(len),
        _ => Err(tensor_error(
            name,
            format!(
                "has shape {:?} but must list one value for each of the tokenizer's {vocab_size} \
                 tokens; tokenizer.json and model.safetensors must come from the same model",
                view.shape()
            ),
        )),
    };

    let weights = match file.tensor("weights") {
        Err(_) => None,
        Ok(view) => {
            vector_len("weights", &view)?;
            let weights =
                decode_floats(&view).map_err(|problem| tensor_error("weights", problem))?;
            if weights.iter().any(|value| !value.is_finite()) {
                return Err(tensor_error(
                    "weights",
                    "holds NaN or infinite values; download the model again".to_string(),
                ));
            }
            Some(weights)
        }
    };

    let mapping = match file.tensor("mapping") {
        Err(_) => None,
        Ok(view) => {
            vector_len("mapping", &view)?;
            let mapping =
                decode_rows(&view, rows).map_err(|problem| tensor_error("mapping", problem))?;
            Some(mapping)
        }
    };

    if mapping.is_none() && rows < vocab_size {
        return Err(Model2VecError::VocabMismatch {
            path: path.to_path_buf(),
            rows,
            vocab: vocab_size,
        });
    }
    if mapping.is_none() && rows > vocab_size {
        tracing::debug!(rows, vocab_size, "embedding matrix has rows no token uses");
    }
    Ok(Tensors {
        matrix,
        rows,
        dim,
        weights,
        mapping,
    })
}

/// The embedding matrix: by its usual names, else the only 2-D tensor in the file.
fn find_matrix<'data>(file: &SafeTensors<'data>) -> Option<(String, TensorView<'data>)> {
    for name in MATRIX_NAMES {
        if let Ok(view) = file.tensor(name) {
            return Some((name.to_string(), view));
        }
    }
    let mut matrices = file
        .iter()
        .filter(|(_, view)| view.shape().len() == 2)
        .map(|(name, view)| (name.to_string(), view));
    let only = matrices.next()?;
    matrices.next().is_none().then_some(only)
}

fn decode_floats(view: &TensorView<'_>) -> Result<Vec<f32>, String> {
    let data = view.data();
    let values = match view.dtype() {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        // Quantised models scale every row alike, so the integers keep each row's direction.
        Dtype::I8 => data.iter().map(|&b| f32::from(b as i8)).collect(),
        other => {
            return Err(format!(
                "has dtype {other:?}, which this loader cannot read; use a model stored as F32, \
                 F16, BF16, F64 or I8"
            ))
        }
    };
    Ok(values)
}

/// A token-to-row mapping, each entry checked against the matrix's `rows`.
fn decode_rows(view: &TensorView<'_>, rows: usize) -> Result<Vec<u32>, String> {
    let data = view.data();
    let values: Vec<i64> = match view.dtype() {
        Dtype::I32 => data
            .chunks_exact(4)
            .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        Dtype::U32 => data
            .chunks_exact(4)
            .map(|b| i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect(),
        Dtype::I64 => data
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect(),
        other => {
            return Err(format!(
                "has dtype {other:?}; a token-to-row mapping must be I32, U32 or I64"
            ))
        }
    };
    values
        .into_iter()
        .map(|row| {
            usize::try_from(row)
                .ok()
                .filter(|&row| row < rows)
                .map(|row| row as u32)
                .ok_or_else(|| {
                    format!(
                        "maps a token to row {row}, outside the embedding matrix's {rows} rows; \
                         download the model again"
                    )
                })
        })
        .collect()
}

/// IEEE 754 half precision to single precision, exactly.
pub(super) fn f16_to_f32(half: u16) -> f32 {
    let sign = u32::from(half & 0x8000) << 16;
    let exponent = u32::from((half >> 10) & 0x1F);
    let mantissa = u32::from(half & 0x03FF);
    match exponent {
        0 => {
            // Zero or subnormal: mantissa x 2^-24.
            let magnitude = mantissa as f32 * f32::from_bits(0x3380_0000);
            if sign == 0 {
                magnitude
            } else {
                -magnitude
            }
        }
        0x1F => f32::from_bits(sign | 0x7F80_0000 | (mantissa << 13)),
        _ => f32::from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13)),
    }
}
