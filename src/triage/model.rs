//! A multinomial logistic regression over sparse binary features, trained
//! by SGD. Small, fast (scoring a message is a few thousand multiply-adds)
//! and deterministic for a given seed. Models are saved in a versioned,
//! checksummed binary file.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::features::FEATURE_VERSION;

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct Model {
    pub classes: Vec<String>,
    vocabulary: HashMap<String, u32>,
    /// Feature-major: `weights[f * classes + c]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    pub trained_on: usize,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    /// Features seen fewer times than this are dropped.
    pub min_count: u32,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { epochs: 20, learning_rate: 1.5, l2: 1e-5, min_count: 2, seed: 42 }
    }
}

/// A small deterministic generator (xorshift64*), for shuffles.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

impl Model {
    /// Trains on `(features, class index)` pairs.
    pub fn train(examples: &[(Vec<String>, usize)], classes: Vec<String>, opts: TrainOptions) -> Model {
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for (features, _) in examples {
            for f in features {
                *counts.entry(f.as_str()).or_default() += 1;
            }
        }
        let mut kept: Vec<&str> = counts.iter().filter(|(_, n)| **n >= opts.min_count).map(|(f, _)| *f).collect();
        kept.sort_unstable();
        let vocabulary: HashMap<String, u32> =
            kept.iter().enumerate().map(|(i, f)| (f.to_string(), i as u32)).collect();
        let k = classes.len();
        let mut model = Model {
            classes,
            weights: vec![0.0; vocabulary.len() * k],
            bias: vec![0.0; k],
            vocabulary,
            trained_on: examples.len(),
        };
        let encoded: Vec<(Vec<u32>, usize)> = examples.iter().map(|(f, y)| (model.encode(f), *y)).collect();
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        let mut rng = Rng::new(opts.seed);
        let mut probs = vec![0.0f32; k];
        for epoch in 0..opts.epochs {
            rng.shuffle(&mut order);
            let lr = opts.learning_rate / (1.0 + epoch as f32 * 0.25);
            for &i in &order {
                let (features, y) = &encoded[i];
                let x = input_value(features.len());
                model.logits_into(features, x, &mut probs);
                softmax(&mut probs);
                for (c, p) in probs.iter_mut().enumerate() {
                    *p -= if c == *y { 1.0 } else { 0.0 };
                }
                for &f in features {
                    let row = &mut model.weights[f as usize * k..(f as usize + 1) * k];
                    for (w, g) in row.iter_mut().zip(&probs) {
                        *w -= lr * (g * x + opts.l2 * *w);
                    }
                }
                for (b, g) in model.bias.iter_mut().zip(&probs) {
                    *b -= lr * g;
                }
            }
        }
        model
    }

    fn encode(&self, features: &[String]) -> Vec<u32> {
        features.iter().filter_map(|f| self.vocabulary.get(f).copied()).collect()
    }

    fn logits_into(&self, features: &[u32], x: f32, out: &mut [f32]) {
        let k = self.classes.len();
        out.copy_from_slice(&self.bias);
        for &f in features {
            let row = &self.weights[f as usize * k..(f as usize + 1) * k];
            for (o, w) in out.iter_mut().zip(row) {
                *o += w * x;
            }
        }
    }

    /// Raw class scores (logits) of a message's features.
    pub fn logits(&self, features: &[String]) -> Vec<f32> {
        let encoded = self.encode(features);
        let mut out = vec![0.0; self.classes.len()];
        self.logits_into(&encoded, input_value(encoded.len()), &mut out);
        out
    }

    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }

    pub fn feature_count(&self) -> usize {
        self.vocabulary.len()
    }
}

/// Each present feature has value 1/√n, so long and short messages weigh alike.
fn input_value(n: usize) -> f32 {
    if n == 0 { 0.0 } else { 1.0 / (n as f32).sqrt() }
}

/// In place: logits to probabilities.
pub fn softmax(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

const MAGIC: &[u8; 8] = b"LINLITRI";
/// The file layout's version; bumped when it changes.
pub const FILE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    feature_version: u32,
    classes: Vec<String>,
    features: Vec<String>,
    trained_on: usize,
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("not a linli triage model (the file does not start with LINLITRI)")]
    NotAModel,
    #[error(
        "the model file is version {0}; this linli reads version {FILE_VERSION}: retrain it with `linli triage train`"
    )]
    Version(u32),
    #[error("the model was trained with features version {0}; this linli uses {FEATURE_VERSION}: retrain it")]
    Features(u32),
    #[error("the model file is truncated")]
    Truncated,
    #[error("the model file is corrupt (checksum mismatch)")]
    Corrupt,
    #[error("the model file's header is unreadable: {0}")]
    Header(String),
}

impl Model {
    /// The model as bytes: magic, version, JSON header, weights, SHA-256.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut features: Vec<(&String, &u32)> = self.vocabulary.iter().collect();
        features.sort_by_key(|(_, i)| **i);
        let header = Header {
            feature_version: FEATURE_VERSION,
            classes: self.classes.clone(),
            features: features.into_iter().map(|(f, _)| f.clone()).collect(),
            trained_on: self.trained_on,
        };
        let header = serde_json::to_vec(&header).expect("a header always serialises");
        let mut out = Vec::with_capacity(16 + header.len() + 4 * (self.weights.len() + self.bias.len()) + 32);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FILE_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for w in self.weights.iter().chain(&self.bias) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        if bytes.len() < 16 + 32 {
            return Err(ModelError::Truncated);
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| ModelError::Truncated)?);
        if version != FILE_VERSION {
            return Err(ModelError::Version(version));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != sum {
            return Err(ModelError::Corrupt);
        }
        let header_len = u32::from_le_bytes(bytes[12..16].try_into().map_err(|_| ModelError::Truncated)?) as usize;
        let header_end = 16usize.checked_add(header_len).filter(|e| *e <= body.len()).ok_or(ModelError::Truncated)?;
        let header: Header =
            serde_json::from_slice(&body[16..header_end]).map_err(|e| ModelError::Header(e.to_string()))?;
        if header.feature_version != FEATURE_VERSION {
            return Err(ModelError::Features(header.feature_version));
        }
        let k = header.classes.len();
        let expected = (header.features.len() * k + k) * 4;
        let floats = &body[header_end..];
        if floats.len() != expected || k == 0 {
            return Err(ModelError::Truncated);
        }
        let mut values = floats.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let weights: Vec<f32> = values.by_ref().take(header.features.len() * k).collect();
        let bias: Vec<f32> = values.collect();
        Ok(Model {
            vocabulary: header.features.into_iter().enumerate().map(|(i, f)| (f, i as u32)).collect(),
            classes: header.classes,
            weights,
            bias,
            trained_on: header.trained_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Model {
        let ex = |f: &[&str], y| (f.iter().map(|s| s.to_string()).collect::<Vec<_>>(), y);
        let data = vec![
            ex(&["w:灯", "w:不亮"], 0),
            ex(&["w:灯", "w:坏了"], 0),
            ex(&["w:漏水", "w:坏了"], 1),
            ex(&["w:漏水", "w:楼上"], 1),
        ];
        Model::train(&data, vec!["lighting".into(), "water".into()], TrainOptions::default())
    }

    #[test]
    fn learns_a_toy_problem() {
        let m = toy();
        let mut p = m.logits(&["w:灯".to_string()]);
        softmax(&mut p);
        assert!(p[0] > 0.8, "{p:?}");
        let mut p = m.logits(&["w:漏水".to_string(), "w:从没见过".to_string()]);
        softmax(&mut p);
        assert!(p[1] > 0.8, "{p:?}");
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let m = toy();
        let bytes = m.to_bytes();
        let back = Model::from_bytes(&bytes).expect("load");
        assert_eq!(back.logits(&["w:灯".to_string()]), m.logits(&["w:灯".to_string()]));
        assert!(matches!(Model::from_bytes(b"hello world"), Err(ModelError::NotAModel)));
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xFF;
        assert!(matches!(Model::from_bytes(&flipped), Err(ModelError::Corrupt)));
        assert!(matches!(Model::from_bytes(&bytes[..20]), Err(ModelError::Truncated | ModelError::Corrupt)));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(matches!(Model::from_bytes(&v2), Err(ModelError::Version(2))));
    }

    #[test]
    fn training_is_deterministic() {
        assert_eq!(toy().to_bytes(), toy().to_bytes());
    }
}
