//! The objective of the linear probe ([`crate::linear_probe`]) and its gradient:
//! `f(W, b) = (1/n) Σ_i CE(softmax(W x_i + b), y_i) + (λ/2) ‖W‖²`.
//!
//! **Order of operations.** The rows are cut into blocks of [`BLOCK_ROWS`] (the work items of
//! the threads): each block's loss and gradient are summed in row order, then the blocks' sums
//! in block order, whatever the thread count. Inside a block the logits are computed in tiles of
//! [`ROW_TILE`] rows × [`CLASS_GROUP`] outputs kept in vector registers (the matrix product
//! `X Wᵀ`, which dominates the cost); each logit is still the plain sum
//! `((−0 + w₀x₀) + w₁x₁) + …` in feature order, so the tiling changes no bit.

/// Rows per work item of `objective`: the loss and gradient of each block of rows are
/// summed in row order, then the blocks' sums in block order, whatever the thread count.
/// Up to this many training rows there is one block, the plain sum over the rows.
pub const BLOCK_ROWS: usize = 4096;

/// `f(θ)` of [`crate::linear_probe`]'s module doc at parameters `theta` (one row of
/// `dim + 1` per output), writing `∇f` into `g`, on `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn objective(
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
    // Weights in groups of `CLASS_GROUP` outputs, feature-major within a group
    // (`wt[(b·dim + j)·CLASS_GROUP + c]` = weight of feature `j` for output `b·CLASS_GROUP + c`,
    // zero beyond `outs`), the layout `block_loss`'s tiles read.
    let groups = outs.div_ceil(CLASS_GROUP);
    let mut wt = vec![0.0; groups * dim * CLASS_GROUP];
    for o in 0..outs {
        for j in 0..dim {
            wt[((o / CLASS_GROUP) * dim + j) * CLASS_GROUP + o % CLASS_GROUP] = theta[o * p + j];
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

/// Rows whose logits are computed together in `block_loss` (a tile's height): with
/// [`CLASS_GROUP`] outputs, eight independent sums of four lanes each, enough to keep the
/// vector adders busy while each sum waits for its previous add.
const ROW_TILE: usize = 8;
/// Outputs whose logits are computed together in `block_loss` (a tile's width).
const CLASS_GROUP: usize = 4;

/// Summed cross-entropy of a block of rows and its gradient (not yet divided by `n`).
///
/// The logits are computed in tiles of [`ROW_TILE`] rows × [`CLASS_GROUP`] outputs held in
/// vector registers; each is still the plain sum `((−0 + w₀x₀) + w₁x₁) + …` in feature order,
/// and the gradient is summed in row order, so the bits are those of a row-by-row loop.
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
    let groups = outs.div_ceil(CLASS_GROUP);
    let mut g = vec![0.0; outs * p];
    let mut f = 0.0;
    // The tile's logits before the intercept, `acc[r·width + o]`.
    let width = groups * CLASS_GROUP;
    let mut acc = vec![0.0; ROW_TILE * width];
    let mut logits = vec![0.0; classes];
    let mut e = vec![0.0; classes];
    // The tile's rows, feature-major (`xt[j·ROW_TILE + r]` = feature `j` of the tile's row
    // `r`), zero beyond the last row.
    let mut xt = vec![0.0; dim * ROW_TILE];
    for (t, ys) in y.chunks(ROW_TILE).enumerate() {
        let rows = &x[t * ROW_TILE * dim..(t * ROW_TILE + ys.len()) * dim];
        for (r, xr) in rows.chunks_exact(dim).enumerate() {
            for (v, &xj) in xt.iter_mut().skip(r).step_by(ROW_TILE).zip(xr) {
                *v = xj;
            }
        }
        if ys.len() < ROW_TILE {
            for xs in xt.chunks_exact_mut(ROW_TILE) {
                xs[ys.len()..].fill(0.0);
            }
        }
        for b in 0..groups {
            let mut tile = [[-0.0f64; CLASS_GROUP]; ROW_TILE];
            let w = wt[b * dim * CLASS_GROUP..(b + 1) * dim * CLASS_GROUP].chunks_exact(CLASS_GROUP);
            for (w, xs) in w.zip(xt.chunks_exact(ROW_TILE)) {
                let w: &[f64; CLASS_GROUP] = w.try_into().expect("chunks of CLASS_GROUP");
                let xs: &[f64; ROW_TILE] = xs.try_into().expect("chunks of ROW_TILE");
                for (row, &xr) in tile.iter_mut().zip(xs) {
                    for (s, &wc) in row.iter_mut().zip(w) {
                        *s += wc * xr;
                    }
                }
            }
            for (r, row) in tile.iter().enumerate() {
                acc[r * width + b * CLASS_GROUP..][..CLASS_GROUP].copy_from_slice(row);
            }
        }
        for (r, &yi) in ys.iter().enumerate() {
            let xi = &rows[r * dim..(r + 1) * dim];
            if classes == 2 {
                logits[1] = acc[r * width] + theta[dim];
                logits[0] = 0.0;
            } else {
                for (c, l) in logits.iter_mut().enumerate() {
                    *l = acc[r * width + c] + theta[c * p + dim];
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
    }
    (f, g)
}

/// Weight rows of the model: one per class, or one for two classes (the binary model).
pub fn outputs(classes: usize) -> usize {
    if classes == 2 { 1 } else { classes }
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

    /// The tiled logits give the bits of a row-by-row loop: every row count modulo the tile
    /// (5 to 17 rows), two classes (one output), 6 classes (two groups of outputs) and 10
    /// classes (three groups, the last one partly padding).
    #[test]
    fn tiles_change_no_bit() {
        let dim = 5;
        for classes in [2usize, 6, 10] {
            let outs = outputs(classes);
            let theta: Vec<f64> =
                (0..outs * (dim + 1)).map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0).collect();
            for n in 5..2 * ROW_TILE + 2 {
                let x: Vec<f64> = (0..n * dim).map(|i| ((i * 7919 % 101) as f64 - 50.0) / 13.0).collect();
                let y: Vec<usize> = (0..n).map(|i| i * 5 % classes).collect();
                let mut g = vec![0.0; theta.len()];
                let f = objective(&theta, &x, &y, dim, classes, 0.1, 1, &mut g);
                // Row by row: logits summed in feature order from −0, then the intercept.
                let (mut fr, mut gr) = (0.0, vec![0.0; theta.len()]);
                for (xi, &yi) in x.chunks(dim).zip(&y) {
                    let dot = |o: usize| {
                        let w = &theta[o * (dim + 1)..(o + 1) * (dim + 1)];
                        w[..dim].iter().zip(xi).fold(-0.0, |s, (w, x)| s + w * x) + w[dim]
                    };
                    let l: Vec<f64> =
                        if classes == 2 { vec![0.0, dot(0)] } else { (0..classes).map(dot).collect() };
                    let m = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = l.iter().map(|l| (l - m).exp()).collect();
                    let z: f64 = e.iter().sum();
                    fr += z.ln() + m - l[yi];
                    for o in 0..outs {
                        let cls = if classes == 2 { 1 } else { o };
                        let pr = e[cls] / z - if cls == yi { 1.0 } else { 0.0 };
                        let row = &mut gr[o * (dim + 1)..(o + 1) * (dim + 1)];
                        row[..dim].iter_mut().zip(xi).for_each(|(g, x)| *g += pr * x);
                        row[dim] += pr;
                    }
                }
                let inv_n = 1.0 / n as f64;
                fr *= inv_n;
                for o in 0..outs {
                    for j in 0..dim {
                        let w = theta[o * (dim + 1) + j];
                        gr[o * (dim + 1) + j] = gr[o * (dim + 1) + j] * inv_n + 0.1 * w;
                        fr += 0.5 * 0.1 * w * w;
                    }
                    gr[o * (dim + 1) + dim] *= inv_n;
                }
                assert_eq!((f.to_bits(), &g), (fr.to_bits(), &gr), "{classes} classes, {n} rows");
            }
        }
    }
}
