//! A linear support vector machine with the squared hinge loss, trained in
//! its dual by coordinate descent (Hsieh et al., ICML 2008 — the method
//! LIBLINEAR uses for L2-regularised L2-loss SVMs), one class against the
//! rest. Inputs are sparse, L2-normalised TF-IDF vectors; the bias is an
//! extra input fixed at 1, regularised like the weights.

use super::model::Rng;

/// A sparse input: `(feature, value)` pairs, features ascending.
pub type Sparse = Vec<(u32, f32)>;

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub struct Solver {
    /// Passes over the data at most.
    pub max_passes: usize,
    /// Stop when the projected gradient's spread falls below this.
    pub tolerance: f32,
}

impl Default for Solver {
    fn default() -> Self {
        Solver { max_passes: 200, tolerance: 0.05 }
    }
}

/// One binary problem: weights over `dim` features, and the bias.
pub fn train_binary(
    xs: &[Sparse],
    positive: &[bool],
    cost: &[f32],
    dim: usize,
    solver: Solver,
    rng: &mut Rng,
) -> (Vec<f32>, f32) {
    let n = xs.len();
    let mut w = vec![0.0f32; dim];
    let mut b = 0.0f32;
    let mut alpha = vec![0.0f32; n];
    // For the squared hinge loss the dual's box is unbounded and the
    // diagonal gains 1/(2C).
    let diag: Vec<f32> = cost.iter().map(|c| 0.5 / c.max(1e-12)).collect();
    let qd: Vec<f32> = xs.iter().zip(&diag).map(|(x, d)| d + 1.0 + x.iter().map(|(_, v)| v * v).sum::<f32>()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    for _ in 0..solver.max_passes {
        rng.shuffle(&mut order);
        let (mut max_pg, mut min_pg) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let y = if positive[i] { 1.0 } else { -1.0 };
            let margin = b + xs[i].iter().map(|(f, v)| w[*f as usize] * v).sum::<f32>();
            let g = y * margin - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            max_pg = max_pg.max(pg);
            min_pg = min_pg.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let step = (alpha[i] - old) * y;
                for (f, v) in &xs[i] {
                    w[*f as usize] += step * v;
                }
                b += step;
            }
        }
        if max_pg - min_pg <= solver.tolerance {
            break;
        }
    }
    (w, b)
}

/// A multi-class problem: inputs over `dim` features, each with its class.
pub struct Problem<'a> {
    pub xs: &'a [Sparse],
    pub labels: &'a [usize],
    pub classes: usize,
    pub dim: usize,
}

/// One class against the rest, for every class. `weights[c]` multiplies the
/// cost of examples of class `c` when `c` is the positive side (LIBLINEAR's
/// per-class weights); the rest cost `c_value`.
pub fn train_one_vs_rest(
    p: &Problem,
    c_value: f32,
    weights: &[f32],
    solver: Solver,
    seed: u64,
) -> Vec<(Vec<f32>, f32)> {
    let mut rng = Rng::new(seed);
    (0..p.classes)
        .map(|k| {
            let positive: Vec<bool> = p.labels.iter().map(|y| *y == k).collect();
            let cost: Vec<f32> = positive.iter().map(|pos| if *pos { c_value * weights[k] } else { c_value }).collect();
            train_binary(p.xs, &positive, &cost, p.dim, solver, &mut rng)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_what_a_line_can_separate() {
        // Two features; class is whichever is larger.
        let xs: Vec<Sparse> = vec![vec![(0, 1.0)], vec![(0, 0.9), (1, 0.1)], vec![(1, 1.0)], vec![(0, 0.2), (1, 0.8)]];
        let positive = [true, true, false, false];
        let (w, b) = train_binary(&xs, &positive, &[1.0; 4], 2, Solver::default(), &mut Rng::new(1));
        for (x, p) in xs.iter().zip(positive) {
            let score = b + x.iter().map(|(f, v)| w[*f as usize] * v).sum::<f32>();
            assert_eq!(score > 0.0, p, "{x:?}: {score}");
        }
    }

    #[test]
    fn a_heavier_class_pulls_the_boundary_its_way() {
        // The same ambiguous point, once as positive, once as negative.
        let xs: Vec<Sparse> = vec![vec![(0, 1.0)], vec![(0, 1.0)], vec![(1, 1.0)]];
        let positive = [true, false, false];
        let score = |cost: [f32; 3]| {
            let (w, b) = train_binary(&xs, &positive, &cost, 2, Solver::default(), &mut Rng::new(1));
            b + w[0]
        };
        assert!(score([10.0, 1.0, 1.0]) > score([1.0, 1.0, 1.0]));
    }
}
