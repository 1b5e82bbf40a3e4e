//! Linear probe: multinomial logistic regression with an L2 penalty, trained to convergence
//! by L-BFGS ([`crate::lbfgs`]), then test accuracy and macro-F1.
//!
//! Objective, as scikit-learn's `LogisticRegression(C=1)` (lbfgs) minimizes it, divided by
//! `n` (which does not move the minimum):
//!
//! `f(W, b) = (1/n) Σ_i CE(softmax(W x_i + b), y_i) + (1 / (2 C n)) ‖W‖²`
//!
//! with one weight row and intercept per class (the symmetric multinomial parametrisation) and
//! an unpenalized intercept. With two classes it is the binary model, as in scikit-learn: one
//! weight row, class 0's logit fixed at 0.

use crate::lbfgs::{LbfgsOptions, minimize_with};
use crate::softmax_objective::{objective, outputs};

/// Inverse regularization strength `C` (scikit-learn's default).
pub const DEFAULT_C: f64 = 1.0;

/// A fitted probe.
#[derive(Clone, Debug)]
pub struct LogisticRegression {
    /// Number of classes.
    pub classes: usize,
    /// Feature dimension.
    pub dim: usize,
    /// Parameters, one row of `dim + 1` (weights, then intercept) per output.
    pub theta: Vec<f64>,
    /// L-BFGS iterations used.
    pub iterations: usize,
    /// Whether L-BFGS met its stopping rule.
    pub converged: bool,
}

/// Test metrics of a probe.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeScores {
    /// Test accuracy in %.
    pub accuracy: f64,
    /// Macro-averaged F1 in % (over the classes in the test labels or predictions).
    pub macro_f1: f64,
    /// L-BFGS iterations.
    pub iterations: usize,
    /// Whether L-BFGS converged.
    pub converged: bool,
}

/// Threads and progress of [`LogisticRegression::fit_with`].
#[derive(Clone, Copy)]
pub struct ProbeOptions<'a> {
    /// Threads ([`crate::parallel::threads`]); the fit does not depend on it.
    pub threads: usize,
    /// Called with `(iteration, iteration limit)` at the start of each L-BFGS iteration.
    pub progress: Option<&'a dyn Fn(usize, usize)>,
}

impl Default for ProbeOptions<'_> {
    fn default() -> Self {
        Self { threads: crate::parallel::threads(), progress: None }
    }
}

impl LogisticRegression {
    /// Fits on row-major `x` (`n × dim`) with labels in `0..classes`, on every core.
    pub fn fit(x: &[f64], y: &[usize], dim: usize, classes: usize, c: f64) -> Self {
        Self::fit_with(x, y, dim, classes, c, &ProbeOptions::default())
    }

    /// [`LogisticRegression::fit`] with explicit threads and progress.
    pub fn fit_with(
        x: &[f64],
        y: &[usize],
        dim: usize,
        classes: usize,
        c: f64,
        opts: &ProbeOptions<'_>,
    ) -> Self {
        let n = y.len();
        let p = dim + 1;
        let lambda = 1.0 / (c * n as f64);
        let fg = |theta: &[f64], g: &mut [f64]| objective(theta, x, y, dim, classes, lambda, opts.threads, g);
        let lb = LbfgsOptions::default();
        let mut tick = |i: usize| {
            if let Some(p) = opts.progress {
                p(i, lb.max_iter);
            }
        };
        let r = minimize_with(fg, vec![0.0; outputs(classes) * p], lb, &mut tick);
        Self { classes, dim, theta: r.x, iterations: r.iterations, converged: r.converged }
    }

    /// Predicted class of each row (ties go to the smallest class id).
    pub fn predict(&self, x: &[f64]) -> Vec<usize> {
        let mut logits = vec![0.0; self.classes];
        x.chunks_exact(self.dim.max(1))
            .map(|xi| {
                class_logits(&self.theta, xi, self.classes, self.dim, &mut logits);
                argmax(&logits)
            })
            .collect()
    }

    /// Fits on train and scores on test.
    pub fn evaluate(
        train_x: &[f64],
        train_y: &[usize],
        test_x: &[f64],
        test_y: &[usize],
        dim: usize,
        classes: usize,
    ) -> ProbeScores {
        Self::evaluate_with(train_x, train_y, test_x, test_y, dim, classes, &ProbeOptions::default())
    }

    /// [`LogisticRegression::evaluate`] with explicit threads and progress.
    pub fn evaluate_with(
        train_x: &[f64],
        train_y: &[usize],
        test_x: &[f64],
        test_y: &[usize],
        dim: usize,
        classes: usize,
        opts: &ProbeOptions<'_>,
    ) -> ProbeScores {
        let m = Self::fit_with(train_x, train_y, dim, classes, DEFAULT_C, opts);
        let pred = m.predict(test_x);
        ProbeScores {
            accuracy: accuracy(test_y, &pred),
            macro_f1: macro_f1(test_y, &pred, classes),
            iterations: m.iterations,
            converged: m.converged,
        }
    }
}

fn class_logits(theta: &[f64], xi: &[f64], classes: usize, dim: usize, out: &mut [f64]) {
    let p = dim + 1;
    let mut set = |cls: usize, o: usize| {
        let row = &theta[o * p..(o + 1) * p];
        out[cls] = row[..dim].iter().zip(xi).map(|(w, x)| w * x).sum::<f64>() + row[dim];
    };
    if classes == 2 {
        set(1, 0);
        out[0] = 0.0;
    } else {
        for c in 0..classes {
            set(c, c);
        }
    }
}

/// Index of the largest value; the first one on ties.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in v.iter().enumerate() {
        if s > v[best] {
            best = i;
        }
    }
    best
}

/// Accuracy in %.
pub fn accuracy(y: &[usize], pred: &[usize]) -> f64 {
    if y.is_empty() {
        return 0.0;
    }
    100.0 * y.iter().zip(pred).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

/// Macro-F1 in %: the mean over classes present in `y` or `pred` of `2TP / (2TP + FP + FN)`
/// (scikit-learn's `f1_score(average="macro")`).
pub fn macro_f1(y: &[usize], pred: &[usize], classes: usize) -> f64 {
    let mut tp = vec![0usize; classes];
    let mut fp = vec![0usize; classes];
    let mut fn_ = vec![0usize; classes];
    for (&t, &p) in y.iter().zip(pred) {
        if t == p {
            tp[t] += 1;
        } else {
            fp[p] += 1;
            fn_[t] += 1;
        }
    }
    let mut sum = 0.0;
    let mut count = 0;
    for c in 0..classes {
        let denom = 2 * tp[c] + fp[c] + fn_[c];
        if denom > 0 {
            sum += 2.0 * tp[c] as f64 / denom as f64;
            count += 1;
        }
    }
    if count == 0 { 0.0 } else { 100.0 * sum / count as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_blobs_and_f1() {
        let x = [0.0, 0.0, 0.1, 0.2, 3.0, 3.0, 3.1, 2.9, -3.0, 3.0, -2.9, 3.1];
        let y = [0, 0, 1, 1, 2, 2];
        let m = LogisticRegression::fit(&x, &y, 2, 3, 1.0);
        assert!(m.converged);
        assert_eq!(m.predict(&x), y);
        assert_eq!(macro_f1(&[0, 1, 1], &[0, 1, 0], 2), 100.0 * (2.0 / 3.0 + 2.0 / 3.0) / 2.0);
    }

    #[test]
    fn binary_matches_closed_form_symmetry() {
        // Two symmetric points: the optimum has zero intercept and predicts both correctly.
        let x = [-1.0, 1.0];
        let y = [0, 1];
        let m = LogisticRegression::fit(&x, &y, 1, 2, 1.0);
        assert!(m.theta[1].abs() < 1e-6);
        // Stationarity: (1/n) Σ (p − y) x + w / (C n) = 0 with p = σ(w x): −(1 − σ(w)) + w/2 = 0.
        let w = m.theta[0];
        let s = 1.0 / (1.0 + (-w).exp());
        assert!((-(1.0 - s) + w / 2.0).abs() < 1e-6, "w = {w}");
    }
}
