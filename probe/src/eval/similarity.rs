//! Blocked cosine-similarity products with top-k selection, the engine of [`crate::knn`].
//!
//! The training rows (already L2-normalized) are packed in groups of [`LANES`] rows stored
//! feature-major, and [`QUERY_BLOCK`] queries are multiplied against one group at a time: a
//! `4 × 4` tile of dot products kept in registers. Every similarity is still the plain sum
//! `s = ((−0 + q₀t₀) + q₁t₁) + … + q_{d−1}t_{d−1}` in feature order, the same operations as
//! `q.iter().zip(t).map(|(a, b)| a * b).sum()`, so the values do not depend on the blocking,
//! on which queries share a block, or on the thread that computes them.
//!
//! Neighbours are ranked by decreasing similarity (`f64::total_cmp`), equal similarities by
//! increasing training row index; [`TopK`] keeps the `k` best in that order with one comparison
//! per candidate that does not enter (no sort of all `n` similarities per query).
//!
//! ```
//! use probe::similarity::{Packed, neighbours};
//! // Training rows (unit length) e₀, e₁, (e₀ + e₁)/√2; one query e₀.
//! let h = std::f64::consts::FRAC_1_SQRT_2;
//! let train = Packed::new(&[1.0, 0.0, 0.0, 1.0, h, h], 2);
//! let (top, full) = neighbours(&train, &[1.0, 0.0], 2, &[true]).remove(0);
//! assert_eq!(top.iter().map(|&(_, i)| i).collect::<Vec<_>>(), vec![0, 2]);
//! assert_eq!(full.unwrap(), vec![1.0, 0.0, h]);
//! ```

use std::cmp::Ordering;

/// Training rows per packed group (the tile's width).
pub const LANES: usize = 4;
/// Queries per tile (the tile's height).
pub const QUERY_BLOCK: usize = 4;

/// Normalized training rows, packed as groups of [`LANES`] rows stored feature-major
/// (`data[(g·d + j)·LANES + l]` = feature `j` of row `g·LANES + l`; missing rows are zero).
#[derive(Clone, Debug)]
pub struct Packed {
    dim: usize,
    rows: usize,
    data: Vec<f64>,
}

impl Packed {
    /// Packs row-major `x` (`n × dim`).
    pub fn new(x: &[f64], dim: usize) -> Self {
        let rows = x.len().checked_div(dim).unwrap_or(0);
        let groups = rows.div_ceil(LANES);
        let mut data = vec![0.0; groups * dim * LANES];
        for (i, row) in x.chunks_exact(dim.max(1)).take(rows).enumerate() {
            let (g, l) = (i / LANES, i % LANES);
            for (j, v) in row.iter().enumerate() {
                data[(g * dim + j) * LANES + l] = *v;
            }
        }
        Self { dim, rows, data }
    }

    /// Number of training rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// The `k` best `(similarity, training row)` pairs seen so far, best first.
#[derive(Clone, Debug)]
pub struct TopK {
    k: usize,
    items: Vec<(f64, usize)>,
}

impl TopK {
    /// An empty selection of at most `k` items.
    pub fn new(k: usize) -> Self {
        Self { k, items: Vec::with_capacity(k + 1) }
    }

    /// Offers row `i` with similarity `s`; rows must be offered in increasing index order (so a
    /// newcomer loses every tie).
    #[inline]
    pub fn offer(&mut self, s: f64, i: usize) {
        if self.items.len() == self.k {
            match self.items.last() {
                Some(&(w, _)) if s.total_cmp(&w) == Ordering::Greater => {}
                _ => return,
            }
            self.items.pop();
        }
        let at = self.items.partition_point(|&(t, _)| t.total_cmp(&s) != Ordering::Less);
        self.items.insert(at, (s, i));
    }

    /// The selection, best first.
    pub fn into_vec(self) -> Vec<(f64, usize)> {
        self.items
    }
}

/// For each row `q` of `queries` (row-major `m × d`, normalized; multiplied [`QUERY_BLOCK`]
/// rows at a time), its `k` nearest training rows, best first, and, when `want_full[q]`, the
/// similarity to every training row in row order.
#[allow(clippy::type_complexity)]
pub fn neighbours(
    train: &Packed,
    queries: &[f64],
    k: usize,
    want_full: &[bool],
) -> Vec<(Vec<(f64, usize)>, Option<Vec<f64>>)> {
    let d = train.dim;
    let m = want_full.len();
    let mut out = Vec::with_capacity(m);
    let mut qbuf = vec![0.0; QUERY_BLOCK * d];
    for q0 in (0..m).step_by(QUERY_BLOCK) {
        let b = (m - q0).min(QUERY_BLOCK);
        qbuf.fill(0.0);
        qbuf[..b * d].copy_from_slice(&queries[q0 * d..(q0 + b) * d]);
        let mut top: Vec<TopK> = (0..b).map(|_| TopK::new(k)).collect();
        let mut full: Vec<Option<Vec<f64>>> =
            (0..b).map(|r| want_full[q0 + r].then(|| vec![0.0; train.rows])).collect();
        let group_len = d * LANES;
        let groups = train.rows.div_ceil(LANES);
        for g in 0..groups {
            let acc = tile(&qbuf, &train.data[g * group_len..(g + 1) * group_len], d);
            let lanes = (train.rows - g * LANES).min(LANES);
            for r in 0..b {
                for (l, &s) in acc[r].iter().enumerate().take(lanes) {
                    top[r].offer(s, g * LANES + l);
                }
                if let Some(f) = &mut full[r] {
                    f[g * LANES..g * LANES + lanes].copy_from_slice(&acc[r][..lanes]);
                }
            }
        }
        out.extend(top.into_iter().map(TopK::into_vec).zip(full));
    }
    out
}

/// Dot products of the [`QUERY_BLOCK`] rows of `q` (row-major `· × d`) with the [`LANES`] rows
/// of one packed group, each summed in feature order from `−0`.
#[inline]
fn tile(q: &[f64], group: &[f64], d: usize) -> [[f64; LANES]; QUERY_BLOCK] {
    let mut acc = [[-0.0f64; LANES]; QUERY_BLOCK];
    let (q0, rest) = q.split_at(d);
    let (q1, rest) = rest.split_at(d);
    let (q2, q3) = rest.split_at(d);
    for ((((t, a0), a1), a2), a3) in group.chunks_exact(LANES).zip(q0).zip(q1).zip(q2).zip(q3) {
        for (r, a) in [*a0, *a1, *a2, *a3].into_iter().enumerate() {
            for l in 0..LANES {
                acc[r][l] += a * t[l];
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn same_bits_as_the_plain_dot_product_and_a_full_sort() {
        let d = 7;
        // Values on a coarse grid, so that equal similarities (ties) occur, and a zero row.
        let x: Vec<f64> = (0..23 * d).map(|i| ((i * 37 % 11) as f64 - 5.0) * 0.25).collect();
        let mut train = x.clone();
        train[3 * d..4 * d].fill(0.0);
        let queries: Vec<f64> = x[..6 * d].iter().map(|v| -v).collect();
        let packed = Packed::new(&train, d);
        let want: Vec<bool> = (0..6).map(|q| q % 2 == 0).collect();
        let got = neighbours(&packed, &queries, 5, &want);
        for (q, (top, full)) in got.iter().enumerate() {
            let sims: Vec<f64> = train.chunks(d).map(|t| naive(&queries[q * d..(q + 1) * d], t)).collect();
            let mut order: Vec<usize> = (0..23).collect();
            order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]).then(a.cmp(&b)));
            let expect: Vec<(u64, usize)> = order[..5].iter().map(|&i| (sims[i].to_bits(), i)).collect();
            assert_eq!(top.iter().map(|&(s, i)| (s.to_bits(), i)).collect::<Vec<_>>(), expect);
            match full {
                Some(f) => assert_eq!(
                    f.iter().map(|s| s.to_bits()).collect::<Vec<_>>(),
                    sims.iter().map(|s| s.to_bits()).collect::<Vec<_>>()
                ),
                None => assert!(!want[q]),
            }
        }
    }

    #[test]
    fn fewer_rows_than_k() {
        let packed = Packed::new(&[1.0, 0.0], 2);
        let got = neighbours(&packed, &[0.0, 1.0, 1.0, 0.0], 20, &[false, false]);
        assert_eq!(got[0].0, vec![(0.0, 0)]);
        assert_eq!(got[1].0, vec![(1.0, 0)]);
    }
}
