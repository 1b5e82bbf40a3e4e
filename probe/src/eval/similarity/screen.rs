//! The `f32` screen of the kNN queries: similarities in single precision (twice the lanes of a
//! vector register and half the bytes of `f64`) pick the candidates, and the caller recomputes
//! the candidates in `f64` to rank them exactly ([`super::neighbours`]).
//!
//! **Why no neighbour is lost.** For L2-normalized `q`, `t` rounded to `f32` and summed in `f32`
//! over `d` features (by multiply and add, or by fused multiply-adds, which round once per term
//! instead of twice: [`multiply_add`]), the screened similarity `s̃` and the exact one `s` differ
//! by at most `δ = (d + 4)·2⁻²³`, twice the textbook bound `(d + 2)·u·Σ|qⱼtⱼ|` with `u = 2⁻²⁴` and
//! `Σ|qⱼtⱼ| ≤ ‖q‖‖t‖ ≤ 1` (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1). Let `F`
//! be the `k`-th best screened similarity over all rows. `k` rows have `s ≥ F − δ`, so every row of
//! the exact top `k` has `s ≥ F − δ` and `s̃ ≥ F − 2δ`. The screen keeps every row with `s̃` at
//! least the running `k`-th best minus `3δ` (the running value never exceeds `F`; the extra `δ`
//! covers the `f32` rounding of the threshold itself), so the candidates hold the exact top `k`,
//! ties included, and the exact ranking of the candidates is the exact ranking. Rows with a value
//! that is not finite are never screened ([`usable`]).
//!
//! At `d` = 128 the margin is `3δ` ≈ 5·10⁻⁵: a few rows beyond the `k` are recomputed per query.

/// Training rows per packed group: two 8-wide `f32` vectors.
pub const LANES: usize = 16;
/// Queries per tile.
const QUERY_BLOCK: usize = 4;
/// Widest rows screened: the error bound needs `d·u` far below 1.
pub const MAX_DIM: usize = 1 << 16;
/// Bytes of packed rows per chunk (the `f64` tiles' 256 KiB: a chunk stays in L2 while the
/// queries pass over it).
const CHUNK_BYTES: usize = 256 * 1024;

/// Whether rows of width `dim` can be screened: every value finite, `dim ≤ MAX_DIM`.
pub fn usable(x: &[f64], dim: usize) -> bool {
    dim > 0 && dim <= MAX_DIM && x.iter().all(|v| v.is_finite())
}

/// Packs `rows` rows of row-major `x` (`rows × dim`) as `f32`, [`LANES`] rows per group,
/// feature-major within a group (missing rows are zero).
pub fn pack(x: &[f64], rows: usize, dim: usize) -> Vec<f32> {
    let mut data = vec![0.0f32; rows.div_ceil(LANES) * dim * LANES];
    for (i, row) in x.chunks_exact(dim).take(rows).enumerate() {
        let (g, l) = (i / LANES, i % LANES);
        for (j, &v) in row.iter().enumerate() {
            data[(g * dim + j) * LANES + l] = v as f32;
        }
    }
    data
}

/// The running selection of one query: the `k` best screened values and every row within the
/// margin of the `k`-th.
struct Candidates {
    k: usize,
    margin: f32,
    best: Vec<f32>,
    rows: Vec<(f32, usize)>,
    prune_at: usize,
}

impl Candidates {
    fn new(k: usize, margin: f32) -> Self {
        Self { k, margin, best: Vec::with_capacity(k + 1), rows: Vec::new(), prune_at: 4 * k + 64 }
    }

    /// The value a row must reach: the `k`-th best minus the margin, −∞ while fewer than `k`.
    #[inline]
    fn floor(&self) -> f32 {
        if self.best.len() == self.k && self.k > 0 {
            self.best[self.k - 1] - self.margin
        } else {
            f32::NEG_INFINITY
        }
    }

    #[inline]
    fn offer(&mut self, s: f32, i: usize) {
        if s < self.floor() || self.k == 0 {
            return;
        }
        self.rows.push((s, i));
        if self.best.len() < self.k || s > self.best[self.k - 1] {
            let at = self.best.partition_point(|&b| b >= s);
            self.best.insert(at, s);
            self.best.truncate(self.k);
        }
        if self.rows.len() >= self.prune_at {
            let f = self.floor();
            self.rows.retain(|&(v, _)| v >= f);
            self.prune_at = (2 * self.rows.len()).max(4 * self.k + 64);
        }
    }

    /// The candidate rows, in row order.
    fn into_rows(self) -> Vec<usize> {
        let f = self.floor();
        self.rows.into_iter().filter(|&(v, _)| v >= f).map(|(_, i)| i).collect()
    }
}

/// For each row of `queries` (row-major `m × d`, normalized, finite), the training rows
/// (`packed` by [`pack`], `rows` of them) that may be among its `k` nearest, in row order.
pub fn neighbours(packed: &[f32], rows: usize, d: usize, queries: &[f64], k: usize) -> Vec<Vec<usize>> {
    let m = queries.len() / d.max(1);
    let delta = (d as f64 + 4.0) * f64::powi(2.0, -23);
    let margin = (3.0 * delta) as f32;
    let tiles = m.div_ceil(QUERY_BLOCK);
    // Each tile's queries, feature-major (zero beyond `m`).
    let mut qbuf = vec![vec![0.0f32; QUERY_BLOCK * d]; tiles];
    for (q, row) in queries.chunks_exact(d.max(1)).take(m).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            qbuf[q / QUERY_BLOCK][j * QUERY_BLOCK + q % QUERY_BLOCK] = v as f32;
        }
    }
    let mut cand: Vec<Candidates> = (0..m).map(|_| Candidates::new(k, margin)).collect();
    let group_len = (d * LANES).max(1);
    let chunk_groups = (CHUNK_BYTES / (4 * group_len)).max(1);
    for (c, chunk) in packed.chunks(chunk_groups * group_len).enumerate() {
        for (t, qt) in qbuf.iter().enumerate() {
            let q0 = t * QUERY_BLOCK;
            for (g, group) in chunk.chunks_exact(group_len).enumerate() {
                let first = (c * chunk_groups + g) * LANES;
                let acc = tile(qt, group);
                let lanes = (rows - first).min(LANES);
                for (r, sims) in acc.iter().enumerate().take(m - q0) {
                    let sel = &mut cand[q0 + r];
                    let w = sel.floor();
                    if sims[..lanes].iter().fold(false, |any, &s| any | (s >= w)) {
                        for (l, &s) in sims.iter().enumerate().take(lanes) {
                            sel.offer(s, first + l);
                        }
                    }
                }
            }
        }
    }
    cand.into_iter().map(Candidates::into_rows).collect()
}

/// `f32` dot products of the [`QUERY_BLOCK`] queries of `q` (feature-major) with the
/// [`LANES`] rows of one group, in eight 8-wide registers.
#[inline]
fn tile(q: &[f32], group: &[f32]) -> [[f32; LANES]; QUERY_BLOCK] {
    let mut acc = [[0.0f32; LANES]; QUERY_BLOCK];
    for (a, t) in q.chunks_exact(QUERY_BLOCK).zip(group.chunks_exact(LANES)) {
        let t: &[f32; LANES] = t.try_into().expect("chunks of LANES");
        for (row, &ar) in acc.iter_mut().zip(a) {
            for (s, &tl) in row.iter_mut().zip(t) {
                *s = multiply_add(ar, tl, *s);
            }
        }
    }
    acc
}

/// `a·b + s`: one fused multiply-add (one rounding) where the target has the instruction (the
/// host build's x86-64-v3), else a multiply and an add (two roundings). Either way the
/// error stays within the module's bound, which counts two roundings per term, so the
/// candidates hold the exact top `k` and the ranking returned is the same bits: only the
/// number of candidates recomputed in `f64` may differ. The fused form does twice the work
/// per instruction, and this loop is the kNN's cost.
#[inline(always)]
fn multiply_add(a: f32, b: f32, s: f32) -> f32 {
    #[cfg(target_feature = "fma")]
    {
        a.mul_add(b, s)
    }
    #[cfg(not(target_feature = "fma"))]
    {
        s + a * b
    }
}
