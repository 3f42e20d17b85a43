//! TF-IDF weighting of a message's terms: sublinear term frequency
//! (1 + ln tf), smoothed inverse document frequency (ln((1+n)/(1+df)) + 1),
//! and each block of terms (the whole text; each field on its own) scaled
//! to unit length, so no block outweighs another by its size.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use super::svm::Sparse;

/// The terms a model knows, with their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectorizer {
    /// Term → feature (a fast hash: every message looks up all its terms).
    pub vocabulary: FxHashMap<String, u32>,
    pub idf: Vec<f32>,
    /// The block of each term (its name up to the first `:`).
    pub block: Vec<u16>,
}

/// A term's block: `t:w:灯` → `t`, `f0:c:灯` → `f0`.
fn block_name(term: &str) -> &str {
    term.split(':').next().unwrap_or("")
}

impl Vectorizer {
    /// Learns the vocabulary (terms in at least `min_df` documents) and the idf.
    pub fn fit(docs: &[Vec<String>], min_df: u32) -> Vectorizer {
        let mut df: HashMap<&str, u32> = HashMap::new();
        for doc in docs {
            let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        let mut kept: Vec<(&str, u32)> = df.into_iter().filter(|(_, n)| *n >= min_df).collect();
        kept.sort_unstable();
        let n = docs.len() as f32;
        let mut blocks: Vec<&str> = Vec::new();
        let mut block = Vec::with_capacity(kept.len());
        for (t, _) in &kept {
            let name = block_name(t);
            let id = blocks.iter().position(|b| *b == name).unwrap_or_else(|| {
                blocks.push(name);
                blocks.len() - 1
            });
            block.push(id as u16);
        }
        Vectorizer {
            idf: kept.iter().map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0).collect(),
            vocabulary: kept.iter().enumerate().map(|(i, (t, _))| (t.to_string(), i as u32)).collect(),
            block,
        }
    }

    /// A vectorizer from saved terms (in feature order) and their idf.
    pub fn from_parts(terms: Vec<String>, idf: Vec<f32>) -> Vectorizer {
        let mut blocks: Vec<String> = Vec::new();
        let block = terms
            .iter()
            .map(|t| {
                let name = block_name(t);
                let id = blocks.iter().position(|b| b == name).unwrap_or_else(|| {
                    blocks.push(name.to_string());
                    blocks.len() - 1
                });
                id as u16
            })
            .collect();
        Vectorizer { vocabulary: terms.into_iter().enumerate().map(|(i, t)| (t, i as u32)).collect(), idf, block }
    }

    pub fn len(&self) -> usize {
        self.idf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// A document's weighted, block-normalised vector (features ascending).
    pub fn transform(&self, doc: &[String]) -> Sparse {
        let mut ids: Vec<u32> = doc.iter().filter_map(|t| self.vocabulary.get(t).copied()).collect();
        ids.sort_unstable();
        let mut v: Sparse = Vec::with_capacity(ids.len());
        for run in ids.chunk_by(|a, b| a == b) {
            let f = run[0];
            v.push((f, (1.0 + (run.len() as f32).ln()) * self.idf[f as usize]));
        }
        // A handful of blocks: a short list beats a map.
        let mut norms: Vec<(u16, f32)> = Vec::new();
        for (f, x) in &v {
            let b = self.block[*f as usize];
            match norms.iter_mut().find(|(n, _)| *n == b) {
                Some((_, sum)) => *sum += x * x,
                None => norms.push((b, x * x)),
            }
        }
        for (f, x) in &mut v {
            let b = self.block[*f as usize];
            let sum = norms.iter().find(|(n, _)| *n == b).map_or(0.0, |(_, s)| *s);
            *x /= sum.sqrt().max(f32::EPSILON);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(terms: &[&str]) -> Vec<String> {
        terms.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn weights_like_scikit_learn() {
        // Three documents; `t:a` in all, `t:b` in one.
        let docs = vec![doc(&["t:a", "t:b", "t:b"]), doc(&["t:a"]), doc(&["t:a"])];
        let v = Vectorizer::fit(&docs, 1);
        let x = v.transform(&docs[0]);
        // tf-idf: a = 1 · (ln(4/4)+1) = 1; b = (1 + ln 2) · (ln(4/2)+1).
        let (a, b) = (1.0f32, (1.0 + 2f32.ln()) * (2f32.ln() + 1.0));
        let norm = (a * a + b * b).sqrt();
        assert!((x[0].1 - a / norm).abs() < 1e-6 && (x[1].1 - b / norm).abs() < 1e-6, "{x:?}");
    }

    #[test]
    fn each_block_has_unit_length_and_rare_terms_go() {
        let docs = vec![doc(&["t:a", "t:b", "f0:c", "f0:rare"]), doc(&["t:a", "f0:c"])];
        let v = Vectorizer::fit(&docs, 2);
        assert!(!v.vocabulary.contains_key("f0:rare") && !v.vocabulary.contains_key("t:b"));
        let x = v.transform(&docs[0]);
        let length = |b: u16| x.iter().filter(|(f, _)| v.block[*f as usize] == b).map(|(_, w)| w * w).sum::<f32>();
        assert!((length(0) - 1.0).abs() < 1e-6 && (length(1) - 1.0).abs() < 1e-6, "{x:?}");
        assert!(v.transform(&doc(&["t:unknown"])).is_empty());
    }
}
