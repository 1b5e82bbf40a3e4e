//! Blocked cosine-similarity products with top-k selection, the engine of [`crate::knn`].
//!
//! The training rows (already L2-normalized) are packed in groups of [`LANES`] rows stored
//! feature-major, and [`QUERY_BLOCK`] queries are multiplied against one group at a time: a
//! `4 × 8` tile of dot products kept in eight 4-wide vector registers. Every similarity is still the plain sum
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

pub mod screen;

use std::cmp::Ordering;

/// Training rows per packed group (the tile's width: two 4-wide vectors).
pub const LANES: usize = 8;
/// Queries per tile (the tile's height).
pub const QUERY_BLOCK: usize = 4;

/// Normalized training rows, packed as groups of [`LANES`] rows stored feature-major
/// (`data[(g·d + j)·LANES + l]` = feature `j` of row `g·LANES + l`; missing rows are zero).
#[derive(Clone, Debug)]
pub struct Packed {
    dim: usize,
    rows: usize,
    data: Vec<f64>,
    /// The same rows rounded to `f32`, in groups of [`screen::LANES`] (`None` when a value is
    /// not finite or the width is beyond [`screen::MAX_DIM`]: then every query is exact).
    screen: Option<Vec<f32>>,
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
        let screen = screen::usable(&x[..rows * dim], dim).then(|| screen::pack(x, rows, dim));
        Self { dim, rows, data, screen }
    }

    /// Similarity of a (normalized) query with training row `i`: the tile's sum, same bits.
    fn exact(&self, q: &[f64], i: usize) -> f64 {
        let (g, l) = (i / LANES, i % LANES);
        let group = &self.data[g * self.dim * LANES..(g + 1) * self.dim * LANES];
        q.iter().zip(group.chunks_exact(LANES)).fold(-0.0, |s, (a, t)| s + a * t[l])
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
            // Fast rejection: `s < w` implies `s.total_cmp(&w) == Less` (both are numbers);
            // NaN and equal values take the exact path below.
            if self.items.last().is_some_and(|&(w, _)| s < w) {
                return;
            }
            match self.items.last() {
                Some(&(w, _)) if s.total_cmp(&w) == Ordering::Greater => {}
                _ => return,
            }
            self.items.pop();
        }
        let at = self.items.partition_point(|&(t, _)| t.total_cmp(&s) != Ordering::Less);
        self.items.insert(at, (s, i));
    }

    /// The similarity a newcomer must reach to be considered: the `k`-th best once the
    /// selection is full, NaN before (so that `!(s < floor)` admits everything).
    #[inline]
    pub fn floor(&self) -> f64 {
        match self.items.last() {
            Some(&(w, _)) if self.items.len() == self.k => w,
            _ => f64::NAN,
        }
    }

    /// The selection, best first.
    pub fn into_vec(self) -> Vec<(f64, usize)> {
        self.items
    }
}

/// Bytes of packed training rows multiplied against all the queries of one call before the
/// next ones are read: a chunk stays in the core's L2 cache while every query tile passes over
/// it, so memory is read once per call instead of once per tile.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// One query's answer: its `k` nearest training rows as `(similarity, row)`, best first, and,
/// when asked for, its similarity to every training row in row order.
pub type Nearest = (Vec<(f64, usize)>, Option<Vec<f64>>);

/// For each row `q` of `queries` (row-major `m × d`, normalized), its `k` nearest training
/// rows, best first, and, when `want_full[q]`, the similarity to every training row in row
/// order. Queries with `want_full` (and any query when the training rows have no
/// [`screen`]) go through the `f64` tiles of [`exact_neighbours`]; the others through the
/// `f32` screen of [`screen::neighbours`], which returns the same bits.
pub fn neighbours(train: &Packed, queries: &[f64], k: usize, want_full: &[bool]) -> Vec<Nearest> {
    let d = train.dim;
    let Some(packed32) = &train.screen else {
        return exact_neighbours(train, queries, k, want_full);
    };
    let row = |q: usize| &queries[q * d..(q + 1) * d];
    let screened = |q: usize| !want_full[q] && row(q).iter().all(|v| v.is_finite());
    let (fast, slow): (Vec<usize>, Vec<usize>) = (0..want_full.len()).partition(|&q| screened(q));
    let gather = |qs: &[usize]| qs.iter().flat_map(|&q| row(q).to_vec()).collect::<Vec<f64>>();
    let want: Vec<bool> = slow.iter().map(|&q| want_full[q]).collect();
    let mut out = vec![(Vec::new(), None); want_full.len()];
    for (q, r) in slow.iter().zip(exact_neighbours(train, &gather(&slow), k, &want)) {
        out[*q] = r;
    }
    let fast_q = gather(&fast);
    for (j, cand) in screen::neighbours(packed32, train.rows, d, &fast_q, k).into_iter().enumerate() {
        // The candidates, in row order, hold every row of the exact top `k`.
        let q = &fast_q[j * d..(j + 1) * d];
        let mut top = TopK::new(k);
        cand.into_iter().for_each(|i| top.offer(train.exact(q, i), i));
        out[fast[j]] = (top.into_vec(), None);
    }
    out
}

/// [`neighbours`] with `f64` tiles only: [`QUERY_BLOCK`] queries at a time against chunks of
/// [`CHUNK_BYTES`] of training rows.
// `!(s < w)` is meant: unlike `s >= w` it holds for NaN, and it compiles to one vector compare.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub fn exact_neighbours(train: &Packed, queries: &[f64], k: usize, want_full: &[bool]) -> Vec<Nearest> {
    let d = train.dim;
    let m = want_full.len();
    let tiles = m.div_ceil(QUERY_BLOCK);
    // Each tile's queries, feature-major: `qbuf[t][j·QUERY_BLOCK + r]` = feature `j` of query
    // `t·QUERY_BLOCK + r` (zero beyond `m`).
    let mut qbuf = vec![vec![0.0; QUERY_BLOCK * d]; tiles];
    for (q, row) in queries.chunks_exact(d.max(1)).take(m).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            qbuf[q / QUERY_BLOCK][j * QUERY_BLOCK + q % QUERY_BLOCK] = v;
        }
    }
    let mut top: Vec<TopK> = (0..m).map(|_| TopK::new(k)).collect();
    let mut full: Vec<Option<Vec<f64>>> =
        want_full.iter().map(|&w| w.then(|| vec![0.0; train.rows])).collect();
    let group_len = (d * LANES).max(1);
    let chunk_groups = (CHUNK_BYTES / (8 * group_len)).max(1);
    for (c, chunk) in train.data.chunks(chunk_groups * group_len).enumerate() {
        for (t, qt) in qbuf.iter().enumerate() {
            let q0 = t * QUERY_BLOCK;
            let b = (m - q0).min(QUERY_BLOCK);
            for (g, group) in chunk.chunks_exact(group_len).enumerate() {
                let first = (c * chunk_groups + g) * LANES;
                let acc = tile(qt, group);
                let lanes = (train.rows - first).min(LANES);
                for (r, sims) in acc.iter().enumerate().take(b) {
                    let top = &mut top[q0 + r];
                    // One vector comparison rejects the group unless a lane may enter
                    // (`!(s < w)` holds for NaN, ties and a selection that is not full yet).
                    let w = top.floor();
                    if sims[..lanes].iter().fold(false, |any, &s| any | !(s < w)) {
                        for (l, &s) in sims.iter().enumerate().take(lanes) {
                            top.offer(s, first + l);
                        }
                    }
                    if let Some(f) = &mut full[q0 + r] {
                        f[first..first + lanes].copy_from_slice(&sims[..lanes]);
                    }
                }
            }
        }
    }
    top.into_iter().map(TopK::into_vec).zip(full).collect()
}

/// Dot products of the [`QUERY_BLOCK`] queries of `q` (feature-major, `d × QUERY_BLOCK`) with
/// the [`LANES`] rows of one packed group (`d × LANES`), each summed in feature order from `−0`.
/// The `QUERY_BLOCK × LANES` accumulators stay in vector registers; every lane is an
/// independent output, so vectorizing does not change a bit.
#[inline]
fn tile(q: &[f64], group: &[f64]) -> [[f64; LANES]; QUERY_BLOCK] {
    let mut acc = [[-0.0f64; LANES]; QUERY_BLOCK];
    for (a, t) in q.chunks_exact(QUERY_BLOCK).zip(group.chunks_exact(LANES)) {
        let t: &[f64; LANES] = t.try_into().expect("chunks of LANES");
        for (row, &ar) in acc.iter_mut().zip(a) {
            for (s, &tl) in row.iter_mut().zip(t) {
                *s += ar * tl;
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
        // 23 rows fit one chunk; 2 001 rows of 40 features span three chunks and end in a
        // partial group.
        for (n, d) in [(23, 7), (2001, 40)] {
            // Values on a coarse grid, so that equal similarities (ties) occur, and a zero row.
            let x: Vec<f64> = (0..n * d).map(|i| ((i * 37 % 11) as f64 - 5.0) * 0.25).collect();
            let mut train = x.clone();
            train[3 * d..4 * d].fill(0.0);
            let queries: Vec<f64> = x[..6 * d].iter().map(|v| -v).collect();
            let packed = Packed::new(&train, d);
            let want: Vec<bool> = (0..6).map(|q| q % 2 == 0).collect();
            let got = neighbours(&packed, &queries, 5, &want);
            for (q, (top, full)) in got.iter().enumerate() {
                let sims: Vec<f64> =
                    train.chunks(d).map(|t| naive(&queries[q * d..(q + 1) * d], t)).collect();
                let mut order: Vec<usize> = (0..n).collect();
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
    }

    /// The `f32` screen returns the `f64` ranking bit for bit, also for near-duplicate rows
    /// whose similarities differ far below `f32` resolution, and is skipped when a value is
    /// not finite.
    #[test]
    fn the_screen_returns_the_exact_neighbours() {
        let (n, d, m) = (3000, 64, 24);
        let unit =
            |i: usize| ((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1u64 << 53) as f64;
        let mut x: Vec<f64> = (0..n * d).map(|i| unit(i) - 0.5).collect();
        // Rows 100, 200, … are row 0 moved by 1e-12 · r in one feature.
        for r in 1..25 {
            for j in 0..d {
                x[100 * r * d + j] = x[j] + if j == r % d { 1e-12 * r as f64 } else { 0.0 };
            }
        }
        let x = crate::knn::normalize_rows(&x, d);
        let packed = Packed::new(&x, d);
        assert!(packed.screen.is_some());
        let queries: Vec<f64> =
            x[..m * d].iter().zip(0..).map(|(v, i)| v + 1e-3 * (unit(i + 7) - 0.5)).collect();
        let queries = crate::knn::normalize_rows(&queries, d);
        let want = vec![false; m];
        let bits = |r: Vec<Nearest>| -> Vec<Vec<(u64, usize)>> {
            r.into_iter().map(|(t, _)| t.iter().map(|&(s, i)| (s.to_bits(), i)).collect()).collect()
        };
        let got = bits(neighbours(&packed, &queries, 20, &want));
        assert_eq!(got, bits(exact_neighbours(&packed, &queries, 20, &want)));
        assert!(got[0].iter().filter(|&&(_, i)| i % 100 == 0).count() == 20);
        let mut bad = x.clone();
        bad[5] = f64::NAN;
        assert!(Packed::new(&bad, d).screen.is_none());
    }

    #[test]
    fn fewer_rows_than_k() {
        let packed = Packed::new(&[1.0, 0.0], 2);
        let got = neighbours(&packed, &[0.0, 1.0, 1.0, 0.0], 20, &[false, false]);
        assert_eq!(got[0].0, vec![(0.0, 0)]);
        assert_eq!(got[1].0, vec![(1.0, 0)]);
    }
}
