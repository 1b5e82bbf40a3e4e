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

/// Rows per work item of `objective`: the loss and gradient of each block of rows are
/// summed in row order, then the blocks' sums in block order, whatever the thread count.
/// Up to this many training rows there is one block, the plain sum over the rows.
pub const BLOCK_ROWS: usize = 4096;

/// `f(θ)` of the module doc, writing `∇f` into `g`, on `threads` threads.
#[allow(clippy::too_many_arguments)]
fn objective(
    theta: &[f64],
    x: &[f64],
    y: &[usize],
    dim: usize,
    classes: usize,
    lambda: f64,
    threads: usize,
    g: &mut [f64],
) -> f64 {
    let n = y.len();
    let outs = outputs(classes);
    let p = dim + 1;
    // Weights feature-major (`wt[j·outs + o]`), so that one pass over a row's features updates
    // every class's logit; each logit is still summed in feature order.
    let mut wt = vec![0.0; dim * outs];
    for o in 0..outs {
        for j in 0..dim {
            wt[j * outs + o] = theta[o * p + j];
        }
    }
    let blocks = n.div_ceil(BLOCK_ROWS);
    let parts = crate::parallel::map(blocks, threads, |b| {
        let rows = b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(n);
        block_loss(theta, &wt, &x[rows.start * dim..rows.end * dim], &y[rows], dim, classes)
    });
    g.fill(0.0);
    let mut f = 0.0;
    for (fb, gb) in parts {
        f += fb;
        g.iter_mut().zip(&gb).for_each(|(a, b)| *a += b);
    }
    let inv_n = 1.0 / n as f64;
    f *= inv_n;
    for o in 0..outs {
        for j in 0..dim {
            let w = theta[o * p + j];
            g[o * p + j] = g[o * p + j] * inv_n + lambda * w;
            f += 0.5 * lambda * w * w;
        }
        g[o * p + dim] *= inv_n;
    }
    f
}

/// Summed cross-entropy of a block of rows and its gradient (not yet divided by `n`).
fn block_loss(
    theta: &[f64],
    wt: &[f64],
    x: &[f64],
    y: &[usize],
    dim: usize,
    classes: usize,
) -> (f64, Vec<f64>) {
    let outs = outputs(classes);
    let p = dim + 1;
    let mut g = vec![0.0; outs * p];
    let mut f = 0.0;
    let mut acc = vec![0.0; outs];
    let mut logits = vec![0.0; classes];
    let mut e = vec![0.0; classes];
    for (i, &yi) in y.iter().enumerate() {
        let xi = &x[i * dim..(i + 1) * dim];
        acc.fill(-0.0);
        for (xj, w) in xi.iter().zip(wt.chunks_exact(outs)) {
            acc.iter_mut().zip(w).for_each(|(a, w)| *a += w * xj);
        }
        if classes == 2 {
            logits[1] = acc[0] + theta[dim];
            logits[0] = 0.0;
        } else {
            for (c, l) in logits.iter_mut().enumerate() {
                *l = acc[c] + theta[c * p + dim];
            }
        }
        let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        e.iter_mut().zip(&logits).for_each(|(e, l)| *e = (l - m).exp());
        let z: f64 = e.iter().sum();
        f += z.ln() + m - logits[yi];
        for o in 0..outs {
            let cls = if classes == 2 { 1 } else { o };
            let pr = e[cls] / z - if cls == yi { 1.0 } else { 0.0 };
            let row = &mut g[o * p..(o + 1) * p];
            for (gj, xj) in row[..dim].iter_mut().zip(xi) {
                *gj += pr * xj;
            }
            row[dim] += pr;
        }
    }
    (f, g)
}

fn outputs(classes: usize) -> usize {
    if classes == 2 { 1 } else { classes }
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

    /// The gradient used by L-BFGS matches central finite differences (binary and multinomial).
    #[test]
    fn gradient_matches_finite_differences() {
        let x = [0.3, -1.2, 0.5, 2.0, -0.7, 0.1, 1.5, 0.4, -0.2, -1.1];
        for (classes, y) in [(3usize, vec![0usize, 2, 1, 1, 0]), (2, vec![0, 1, 1, 0, 1])] {
            let outs = outputs(classes);
            let theta: Vec<f64> = (0..outs * 3).map(|i| ((i * 7 % 5) as f64 - 2.0) * 0.3).collect();
            let mut g = vec![0.0; theta.len()];
            let mut scratch = g.clone();
            objective(&theta, &x, &y, 2, classes, 0.2, 1, &mut g);
            for k in 0..theta.len() {
                let h = 1e-6;
                let (mut a, mut b) = (theta.clone(), theta.clone());
                a[k] += h;
                b[k] -= h;
                let fd = (objective(&a, &x, &y, 2, classes, 0.2, 1, &mut scratch)
                    - objective(&b, &x, &y, 2, classes, 0.2, 1, &mut scratch))
                    / (2.0 * h);
                assert!((fd - g[k]).abs() <= 1e-6 * fd.abs().max(1e-3), "{k}: {fd} vs {}", g[k]);
            }
        }
    }

    #[test]
    fn blocked_objective_is_independent_of_threads() {
        let n = 2 * BLOCK_ROWS + 17;
        let x: Vec<f64> = (0..n * 3).map(|i| ((i * 7919 % 101) as f64 - 50.0) / 25.0).collect();
        let y: Vec<usize> = (0..n).map(|i| i * 13 % 4).collect();
        let theta: Vec<f64> = (0..16).map(|i| (i as f64 - 8.0) * 0.05).collect();
        let (mut g1, mut g3) = (vec![0.0; 16], vec![0.0; 16]);
        let f1 = objective(&theta, &x, &y, 3, 4, 1e-3, 1, &mut g1);
        let f3 = objective(&theta, &x, &y, 3, 4, 1e-3, 3, &mut g3);
        assert_eq!((f1.to_bits(), g1), (f3.to_bits(), g3));
    }

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
