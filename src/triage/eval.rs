//! Measuring the engine: stratified K-fold cross-validation, accuracy,
//! macro-F1, per-class precision and recall, and the confusion matrix.

use std::fmt;

use super::dataset::Row;
use super::model::{Rng, TrainOptions};
use super::{Context, Engine, train};

#[derive(Debug, Clone, PartialEq)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// The scores of predictions against truth.
#[derive(Debug, Clone)]
pub struct Report {
    pub examples: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub classes: Vec<ClassMetrics>,
    pub labels: Vec<String>,
    /// `confusion[truth][predicted]`, in `labels` order.
    pub confusion: Vec<Vec<usize>>,
}

/// Scores `(truth, predicted)` pairs.
pub fn score(pairs: &[(String, String)]) -> Report {
    let mut labels: Vec<String> = pairs.iter().flat_map(|(t, p)| [t.clone(), p.clone()]).collect();
    labels.sort_unstable();
    labels.dedup();
    let at = |l: &str| labels.iter().position(|x| x == l).unwrap_or_default();
    let mut confusion = vec![vec![0usize; labels.len()]; labels.len()];
    for (t, p) in pairs {
        confusion[at(t)][at(p)] += 1;
    }
    let correct: usize = (0..labels.len()).map(|i| confusion[i][i]).sum();
    let classes: Vec<ClassMetrics> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let tp = confusion[i][i] as f64;
            let predicted: usize = confusion.iter().map(|row| row[i]).sum();
            let support: usize = confusion[i].iter().sum();
            let precision = if predicted > 0 { tp / predicted as f64 } else { 0.0 };
            let recall = if support > 0 { tp / support as f64 } else { 0.0 };
            let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
            ClassMetrics { label: label.clone(), precision, recall, f1, support }
        })
        .collect();
    // Macro-F1 over the classes that occur in the truth.
    let present: Vec<&ClassMetrics> = classes.iter().filter(|c| c.support > 0).collect();
    let macro_f1 = present.iter().map(|c| c.f1).sum::<f64>() / present.len().max(1) as f64;
    Report {
        examples: pairs.len(),
        accuracy: correct as f64 / pairs.len().max(1) as f64,
        macro_f1,
        classes,
        labels,
        confusion,
    }
}

/// The engine's predictions on labelled rows.
pub fn evaluate(engine: &Engine, rows: &[Row]) -> Report {
    let pairs: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.label.clone(), engine.triage(&r.text, &Context::default()).label().to_string()))
        .collect();
    score(&pairs)
}

/// Stratified K-fold cross-validation: every label is spread evenly over
/// the folds; each fold is predicted by a model trained on the others.
pub fn cross_validate(rows: &[Row], folds: usize, seed: u64, opts: TrainOptions) -> Report {
    let folds = folds.max(2);
    let mut rng = Rng::new(seed);
    let mut fold_of = vec![0usize; rows.len()];
    let mut labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    for label in labels {
        let mut members: Vec<usize> = (0..rows.len()).filter(|i| rows[*i].label == label).collect();
        rng.shuffle(&mut members);
        let offset = rng.below(folds);
        for (k, i) in members.into_iter().enumerate() {
            fold_of[i] = (offset + k) % folds;
        }
    }
    let mut pairs = Vec::with_capacity(rows.len());
    for fold in 0..folds {
        let training: Vec<Row> =
            rows.iter().zip(&fold_of).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        let engine = Engine::new(train(&training, TrainOptions { seed: seed.wrapping_add(fold as u64), ..opts }));
        for (r, _) in rows.iter().zip(&fold_of).filter(|(_, f)| **f == fold) {
            pairs.push((r.label.clone(), engine.triage(&r.text, &Context::default()).label().to_string()));
        }
    }
    score(&pairs)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "examples: {}", self.examples)?;
        writeln!(f, "accuracy: {:.3}", self.accuracy)?;
        writeln!(f, "macro_f1: {:.3}", self.macro_f1)?;
        writeln!(f)?;
        writeln!(f, "{:<18} {:>9} {:>7} {:>6} {:>8}", "class", "precision", "recall", "f1", "support")?;
        for c in &self.classes {
            writeln!(f, "{:<18} {:>9.3} {:>7.3} {:>6.3} {:>8}", c.label, c.precision, c.recall, c.f1, c.support)?;
        }
        writeln!(f)?;
        writeln!(f, "confusion matrix (rows: truth, columns: predicted):")?;
        write!(f, "{:<18}", "")?;
        for i in 0..self.labels.len() {
            write!(f, "{:>4}", i)?;
        }
        writeln!(f)?;
        for (i, row) in self.confusion.iter().enumerate() {
            write!(f, "{:>2} {:<15}", i, self.labels[i])?;
            for n in row {
                write!(f, "{:>4}", n)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_hand() {
        let p = |t: &str, q: &str| (t.to_string(), q.to_string());
        // a: 2 right, 1 called b; b: 1 right; c: never predicted, 1 called a.
        let r = score(&[p("a", "a"), p("a", "a"), p("a", "b"), p("b", "b"), p("c", "a")]);
        assert_eq!(r.accuracy, 3.0 / 5.0);
        let a = &r.classes[0];
        assert_eq!((a.precision, a.recall), (2.0 / 3.0, 2.0 / 3.0));
        let b = &r.classes[1];
        assert_eq!((b.precision, b.recall), (0.5, 1.0));
        assert_eq!(r.classes[2].f1, 0.0);
        let expected = (2.0 / 3.0 + 2.0 / 3.0 + 0.0) / 3.0;
        assert!((r.macro_f1 - expected).abs() < 1e-12);
        assert_eq!(r.confusion, vec![vec![2, 1, 0], vec![0, 1, 0], vec![1, 0, 0]]);
        assert!(r.to_string().contains("macro_f1: 0.444"));
    }
}
