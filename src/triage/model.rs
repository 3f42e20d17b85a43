//! The category learner: TF-IDF over jieba words and character n-grams
//! (`features`, `tfidf`), a linear SVM per class against the rest with
//! class weights for imbalance (`svm`), and a temperature fitted on
//! out-of-fold scores so that confidences mean what they say. Small, fast
//! (scoring a message is a few hundred sparse multiply-adds per class) and
//! deterministic for a given seed. Models are saved in a versioned,
//! checksummed binary file.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::features::{FEATURE_VERSION, Shape, readable};
use super::svm::{self, Solver, Sparse};
use super::tfidf::Vectorizer;

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct Model {
    pub classes: Vec<String>,
    pub shape: Shape,
    vectorizer: Vectorizer,
    /// Feature-major: `weights[f * classes + c]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// Scores are divided by it before the softmax (fitted out of fold).
    pub temperature: f32,
    pub trained_on: usize,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// The SVM's cost: larger fits the training data more closely.
    pub c: f32,
    pub shape: Shape,
    /// Terms in fewer messages than this are dropped.
    pub min_df: u32,
    /// Weigh classes inversely to their size (rare classes count as much).
    pub balanced: bool,
    /// Fit the temperature on 3-fold out-of-fold scores (four trainings).
    pub calibrate: bool,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { c: 1.0, shape: Shape::default(), min_df: 1, balanced: true, calibrate: true, seed: 42 }
    }
}

/// A labelled example: its terms and its class index.
pub type Example = (Vec<String>, usize);

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
    /// Trains on examples of `classes`.
    pub fn train(examples: &[Example], classes: Vec<String>, opts: TrainOptions) -> Model {
        let mut model = fit(examples, classes, opts);
        if opts.calibrate && examples.len() >= 30 {
            model.temperature = fit_temperature(examples, &model.classes, opts);
        }
        model
    }

    /// Raw class scores (SVM decision values) of a message's terms.
    pub fn scores(&self, terms: &[String]) -> Vec<f32> {
        self.decide(&self.vectorizer.transform(terms))
    }

    fn decide(&self, x: &Sparse) -> Vec<f32> {
        let k = self.classes.len();
        let mut out = self.bias.clone();
        for (f, v) in x {
            let row = &self.weights[*f as usize * k..(*f as usize + 1) * k];
            for (o, w) in out.iter_mut().zip(row) {
                *o += w * v;
            }
        }
        out
    }

    /// Scores turned into probabilities with the model's temperature.
    pub fn probabilities(&self, scores: &[f32]) -> Vec<f32> {
        let mut p: Vec<f32> = scores.iter().map(|s| s / self.temperature).collect();
        softmax(&mut p);
        p
    }

    /// The terms that pushed a message most towards `class`, strongest
    /// first, as people read them.
    pub fn reasons(&self, terms: &[String], class: usize, most: usize) -> Vec<String> {
        let k = self.classes.len();
        let names: HashMap<u32, &str> =
            terms.iter().filter_map(|t| self.vectorizer.vocabulary.get(t).map(|f| (*f, t.as_str()))).collect();
        let mut pushes: Vec<(f32, &str)> = self
            .vectorizer
            .transform(terms)
            .into_iter()
            .map(|(f, v)| (v * self.weights[f as usize * k + class], names.get(&f).copied().unwrap_or("")))
            .filter(|(push, _)| *push > 0.0)
            .collect();
        pushes.sort_by(|a, b| b.0.total_cmp(&a.0));
        // Words and phrases say more than single characters: they go first.
        let readable: Vec<&str> = pushes.iter().filter_map(|(_, t)| readable(t)).collect();
        let (words, chars): (Vec<&str>, Vec<&str>) = readable.into_iter().partition(|t| t.chars().count() > 1);
        let mut out: Vec<String> = Vec::new();
        for text in words.into_iter().chain(chars) {
            // A part of what is already named says nothing more.
            if !out.iter().any(|o| o.contains(text)) {
                out.push(text.to_string());
            }
            if out.len() == most {
                break;
            }
        }
        out
    }

    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }

    pub fn feature_count(&self) -> usize {
        self.vectorizer.len()
    }
}

/// One fit: vocabulary, weights, no calibration.
fn fit(examples: &[Example], classes: Vec<String>, opts: TrainOptions) -> Model {
    let docs: Vec<Vec<String>> = examples.iter().map(|(t, _)| t.clone()).collect();
    let vectorizer = Vectorizer::fit(&docs, opts.min_df.max(1));
    let xs: Vec<Sparse> = docs.iter().map(|d| vectorizer.transform(d)).collect();
    let labels: Vec<usize> = examples.iter().map(|(_, y)| *y).collect();
    let k = classes.len();
    let mut sizes = vec![0usize; k];
    for y in &labels {
        sizes[*y] += 1;
    }
    let class_weights: Vec<f32> = sizes
        .iter()
        .map(|n| if opts.balanced && *n > 0 { labels.len() as f32 / (k as f32 * *n as f32) } else { 1.0 })
        .collect();
    let dim = vectorizer.len();
    let problem = svm::Problem { xs: &xs, labels: &labels, classes: k, dim };
    let per_class = svm::train_one_vs_rest(&problem, opts.c, &class_weights, Solver::default(), opts.seed);
    let mut weights = vec![0.0f32; dim * k];
    let mut bias = vec![0.0f32; k];
    for (c, (w, b)) in per_class.into_iter().enumerate() {
        for (f, value) in w.into_iter().enumerate() {
            weights[f * k + c] = value;
        }
        bias[c] = b;
    }
    Model { classes, shape: opts.shape, vectorizer, weights, bias, temperature: 1.0, trained_on: examples.len() }
}

/// The temperature that makes 3-fold out-of-fold scores the most likely.
fn fit_temperature(examples: &[Example], classes: &[String], opts: TrainOptions) -> f32 {
    let folds = 3;
    let mut rng = Rng::new(opts.seed ^ 0x7e57);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    rng.shuffle(&mut order);
    let mut scored: Vec<(Vec<f32>, usize)> = Vec::with_capacity(examples.len());
    for fold in 0..folds {
        let (test, train): (Vec<usize>, Vec<usize>) = order.iter().partition(|i| **i % folds == fold);
        let part: Vec<Example> = train.iter().map(|i| examples[*i].clone()).collect();
        let model = fit(&part, classes.to_vec(), TrainOptions { calibrate: false, ..opts });
        scored.extend(test.iter().map(|i| (model.scores(&examples[*i].0), examples[*i].1)));
    }
    let loss = |t: f32| -> f32 {
        scored
            .iter()
            .map(|(s, y)| {
                let mut p: Vec<f32> = s.iter().map(|x| x / t).collect();
                softmax(&mut p);
                -(p[*y].max(1e-9)).ln()
            })
            .sum()
    };
    // The loss is unimodal in the temperature: golden-section search.
    let (mut lo, mut hi) = (0.02f32, 5.0f32);
    let phi = 0.618_034f32;
    for _ in 0..40 {
        let (a, b) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
        if loss(a) < loss(b) { hi = b } else { lo = a }
    }
    (lo + hi) / 2.0
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
/// The file layout's version; bumped when it changes (2: TF-IDF and SVM).
pub const FILE_VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Header {
    feature_version: u32,
    classes: Vec<String>,
    /// Terms in feature order.
    features: Vec<String>,
    text_chars: usize,
    field_chars: usize,
    temperature: f32,
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
    /// The model as bytes: magic, version, JSON header, then the idf of
    /// each term, the weights and the biases as little-endian f32, then a
    /// SHA-256 of all that.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut features: Vec<(&String, &u32)> = self.vectorizer.vocabulary.iter().collect();
        features.sort_by_key(|(_, i)| **i);
        let header = Header {
            feature_version: FEATURE_VERSION,
            classes: self.classes.clone(),
            features: features.into_iter().map(|(f, _)| f.clone()).collect(),
            text_chars: self.shape.text_chars,
            field_chars: self.shape.field_chars,
            temperature: self.temperature,
            trained_on: self.trained_on,
        };
        let header = serde_json::to_vec(&header).expect("a header always serialises");
        let floats = self.vectorizer.idf.len() + self.weights.len() + self.bias.len();
        let mut out = Vec::with_capacity(16 + header.len() + 4 * floats + 32);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FILE_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for w in self.vectorizer.idf.iter().chain(&self.weights).chain(&self.bias) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        match Model::read(bytes)? {
            (model, used) if used == bytes.len() => Ok(model),
            _ => Err(ModelError::Corrupt),
        }
    }

    /// The model at the start of `bytes`, and how many bytes it took (a
    /// file may hold several, one after another).
    pub fn read(bytes: &[u8]) -> Result<(Model, usize), ModelError> {
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
        let header_len = u32::from_le_bytes(bytes[12..16].try_into().map_err(|_| ModelError::Truncated)?) as usize;
        let header_end =
            16usize.checked_add(header_len).filter(|e| *e + 32 <= bytes.len()).ok_or(ModelError::Truncated)?;
        let header: Header = serde_json::from_slice(&bytes[16..header_end]).map_err(|_| ModelError::Corrupt)?;
        let (k, n) = (header.classes.len(), header.features.len());
        let end =
            (n + n * k + k).checked_mul(4).and_then(|f| header_end.checked_add(f)).ok_or(ModelError::Truncated)?;
        if end + 32 > bytes.len() || k == 0 {
            return Err(ModelError::Truncated);
        }
        if Sha256::digest(&bytes[..end]).as_slice() != &bytes[end..end + 32] {
            return Err(ModelError::Corrupt);
        }
        if header.feature_version != FEATURE_VERSION {
            return Err(ModelError::Features(header.feature_version));
        }
        let mut values = bytes[header_end..end].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let idf: Vec<f32> = values.by_ref().take(n).collect();
        let weights: Vec<f32> = values.by_ref().take(n * k).collect();
        let bias: Vec<f32> = values.collect();
        let model = Model {
            vectorizer: Vectorizer::from_parts(header.features, idf),
            classes: header.classes,
            shape: Shape { text_chars: header.text_chars, field_chars: header.field_chars },
            weights,
            bias,
            temperature: header.temperature,
            trained_on: header.trained_on,
        };
        Ok((model, end + 32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Model {
        let ex = |f: &[&str], y| (f.iter().map(|s| s.to_string()).collect::<Vec<_>>(), y);
        let data = vec![
            ex(&["t:w:灯", "t:w:不亮"], 0),
            ex(&["t:w:灯", "t:w:坏了"], 0),
            ex(&["t:w:漏水", "t:w:坏了"], 1),
            ex(&["t:w:漏水", "t:w:楼上"], 1),
        ];
        Model::train(&data, vec!["lighting".into(), "water".into()], TrainOptions::default())
    }

    fn best(m: &Model, terms: &[&str]) -> usize {
        let s = m.scores(&terms.iter().map(|t| t.to_string()).collect::<Vec<_>>());
        if s[0] > s[1] { 0 } else { 1 }
    }

    #[test]
    fn learns_a_toy_problem_and_says_why() {
        let m = toy();
        assert_eq!(best(&m, &["t:w:灯"]), 0);
        assert_eq!(best(&m, &["t:w:漏水", "t:w:从没见过"]), 1);
        let p = m.probabilities(&m.scores(&["t:w:灯".to_string()]));
        assert!(p[0] > 0.5 && (p.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{p:?}");
        assert_eq!(m.reasons(&["t:w:灯".to_string(), "t:w:坏了".to_string()], 0, 2), ["灯"]);
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let m = toy();
        let bytes = m.to_bytes();
        let back = Model::from_bytes(&bytes).expect("load");
        assert_eq!(back.scores(&["t:w:灯".to_string()]), m.scores(&["t:w:灯".to_string()]));
        assert_eq!(back.temperature, m.temperature);
        assert!(matches!(Model::from_bytes(b"hello world"), Err(ModelError::NotAModel)));
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0xFF;
        assert!(matches!(Model::from_bytes(&flipped), Err(ModelError::Corrupt)));
        assert!(matches!(Model::from_bytes(&bytes[..20]), Err(ModelError::Truncated | ModelError::Corrupt)));
        let mut v1 = bytes.clone();
        v1[8] = 1;
        assert!(matches!(Model::from_bytes(&v1), Err(ModelError::Version(1))));
    }

    #[test]
    fn training_is_deterministic() {
        assert_eq!(toy().to_bytes(), toy().to_bytes());
    }
}
