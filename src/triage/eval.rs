//! Measuring the engine: stratified K-fold cross-validation (nested, when
//! settings are tuned: an inner cross-validation on each fold's training
//! part chooses them, so no held-out row ever helps choose), accuracy,
//! macro-F1 with its spread over folds, per-class precision and recall, the
//! confusion matrix, and urgency recall and precision.

use std::fmt;

use super::dataset::Row;
use super::features::Shape;
use super::model::{Rng, TrainOptions};
use super::urgency::{self, Bars, Learned};
use super::{Context, Engine, train_engine};

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

/// How the rows were split, and how each fold came out.
#[derive(Debug, Clone)]
pub struct CrossValidation {
    /// Every held-out prediction pooled.
    pub report: Report,
    pub folds: Vec<Fold>,
    /// The fold of every row, in row order (for other tools to reuse).
    pub fold_of: Vec<usize>,
    /// Out-of-fold urgency of the rows that carry an urgency label.
    pub urgency: Vec<Judged>,
}

/// One row's urgency as its fold's engine saw it, kept so that any bars
/// can be scored afterwards.
#[derive(Debug, Clone)]
pub struct Judged {
    pub truth: bool,
    evidence: urgency::Evidence,
    probability: Option<f32>,
}

impl Judged {
    fn of(engine: &Engine, text: &str, truth: bool) -> Judged {
        Judged { truth, evidence: urgency::evidence(text), probability: engine.urgency_probability(text) }
    }

    fn urgent(&self, bars: Bars) -> bool {
        let learned = self.probability.map(|probability| Learned { probability, because: Vec::new() });
        self.evidence.decide(learned.as_ref(), bars).is_some()
    }
}

/// Recall and precision of the learned urgency model alone at `bar`.
pub fn learned_urgency_at(judged: &[Judged], bar: f32) -> Option<UrgencyReport> {
    let pairs: Vec<(bool, bool)> = judged.iter().map(|j| (j.truth, j.probability.is_some_and(|p| p >= bar))).collect();
    UrgencyReport::of(&pairs)
}

/// Recall and precision of `judged` at `bars`.
pub fn urgency_at(judged: &[Judged], bars: Bars) -> Option<UrgencyReport> {
    let pairs: Vec<(bool, bool)> = judged.iter().map(|j| (j.truth, j.urgent(bars))).collect();
    UrgencyReport::of(&pairs)
}

#[derive(Debug, Clone)]
pub struct Fold {
    pub macro_f1: f64,
    /// The settings used (chosen by inner cross-validation when tuning).
    pub options: TrainOptions,
}

impl CrossValidation {
    /// Mean and standard deviation of the folds' macro-F1.
    pub fn macro_f1_spread(&self) -> (f64, f64) {
        let xs: Vec<f64> = self.folds.iter().map(|f| f.macro_f1).collect();
        let mean = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len().max(1) as f64;
        (mean, var.sqrt())
    }
}

/// Urgency against its labels: recall first (a miss costs a life).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UrgencyReport {
    pub labelled: usize,
    pub urgent: usize,
    pub recall: f64,
    pub precision: f64,
}

impl fmt::Display for UrgencyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "urgent recall {:.3}, precision {:.3} ({} urgent of {} labelled)",
            self.recall, self.precision, self.urgent, self.labelled
        )
    }
}

impl UrgencyReport {
    /// Scores `(truth, called urgent)` pairs.
    pub fn of(judged: &[(bool, bool)]) -> Option<UrgencyReport> {
        if judged.is_empty() {
            return None;
        }
        let tp = judged.iter().filter(|(t, p)| *t && *p).count() as f64;
        let truth = judged.iter().filter(|(t, _)| *t).count();
        let called = judged.iter().filter(|(_, p)| *p).count();
        Some(UrgencyReport {
            labelled: judged.len(),
            urgent: truth,
            recall: if truth > 0 { tp / truth as f64 } else { 1.0 },
            precision: if called > 0 { tp / called as f64 } else { 1.0 },
        })
    }
}

/// The engine's urgency on rows that carry an urgency label.
pub fn urgency(engine: &Engine, rows: &[Row]) -> Option<UrgencyReport> {
    let judged: Vec<(bool, bool)> =
        rows.iter().filter_map(|r| r.urgent.map(|u| (u, engine.triage(&r.text, &Context::default()).urgent))).collect();
    UrgencyReport::of(&judged)
}

/// The engine's predictions on labelled rows.
pub fn evaluate(engine: &Engine, rows: &[Row]) -> Report {
    let pairs: Vec<(String, String)> = rows.iter().map(|r| (r.label.clone(), engine.predict(r))).collect();
    score(&pairs)
}

/// Every label spread evenly over `folds` folds, by `seed`.
pub fn stratified_folds(rows: &[Row], folds: usize, seed: u64) -> Vec<usize> {
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
    fold_of
}

/// The settings an inner cross-validation compares when tuning: the SVM's
/// cost, and how long the whole text's character n-grams are.
pub fn grid(base: TrainOptions) -> Vec<TrainOptions> {
    let mut out = Vec::new();
    for text_chars in [1, 2] {
        for c in [0.5, 1.0, 2.0] {
            out.push(TrainOptions { c, shape: Shape { text_chars, ..base.shape }, calibrate: false, ..base });
        }
    }
    out
}

/// The setting of `grid` with the best 3-fold macro-F1 on `rows` (ties to
/// the earlier, simpler one). Nothing outside `rows` is looked at.
pub fn tune(rows: &[Row], base: TrainOptions) -> TrainOptions {
    let mut best: Option<(f64, TrainOptions)> = None;
    for opts in grid(base) {
        let f1 = run_folds(rows, &stratified_folds(rows, 3, base.seed ^ 0x1ee7), 3, |_| opts).report.macro_f1;
        if best.is_none_or(|(b, _)| f1 > b + 1e-9) {
            best = Some((f1, opts));
        }
    }
    best.map_or(base, |(_, o)| TrainOptions { calibrate: base.calibrate, ..o })
}

/// Stratified K-fold cross-validation: each fold is predicted by a model
/// trained on the others — with `opts`, or, when `tuned`, with the setting
/// an inner cross-validation on those others chooses (nested CV).
pub fn cross_validate(rows: &[Row], folds: usize, seed: u64, opts: TrainOptions, tuned: bool) -> CrossValidation {
    let fold_of = stratified_folds(rows, folds, seed);
    run_folds(rows, &fold_of, folds.max(2), |training| {
        let opts = TrainOptions { seed: opts.seed, ..opts };
        if tuned { tune(training, opts) } else { opts }
    })
}

fn run_folds(
    rows: &[Row],
    fold_of: &[usize],
    folds: usize,
    choose: impl Fn(&[Row]) -> TrainOptions,
) -> CrossValidation {
    let mut pairs = Vec::with_capacity(rows.len());
    let mut per_fold = Vec::with_capacity(folds);
    let mut judged = Vec::new();
    for fold in 0..folds {
        let training: Vec<Row> =
            rows.iter().zip(fold_of).filter(|(_, f)| **f != fold).map(|(r, _)| r.clone()).collect();
        let opts = choose(&training);
        let engine = train_engine(&training, opts);
        let held_rows = || rows.iter().zip(fold_of).filter(|(_, f)| **f == fold).map(|(r, _)| r);
        let held: Vec<(String, String)> = held_rows().map(|r| (r.label.clone(), engine.predict(r))).collect();
        judged.extend(held_rows().filter_map(|r| r.urgent.map(|u| Judged::of(&engine, &r.text, u))));
        per_fold.push(Fold { macro_f1: score(&held).macro_f1, options: opts });
        pairs.extend(held);
    }
    CrossValidation { report: score(&pairs), folds: per_fold, fold_of: fold_of.to_vec(), urgency: judged }
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
