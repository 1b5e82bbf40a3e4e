//! Average precision of one query's full ranking in linear time, without sorting the rows.
//!
//! The ranking is the one of [`crate::similarity`]: decreasing similarity in `f64::total_cmp`
//! order, equal similarities by increasing row index. `AP = (1/R) Σ_{relevant r}
//! precision@rank(r)` needs only the rank of each relevant row, so:
//!
//! 1. The rows are distributed over about `n / 2` buckets by
//!    `b(s) = ⌊(s − lo)·B / (hi − lo)⌋` (lo, hi: the smallest and largest finite similarity;
//!    NaN to the end of its sign, ±∞ clamped). Each rounded operation with a fixed operand is
//!    monotone, so `b` never puts a better row in a worse bucket. Per bucket, the relevant and
//!    the other rows are counted.
//! 2. Only the rows of buckets that hold a relevant row are gathered (a stable counting sort,
//!    so each bucket is in index order; the others are written to one scratch slot, without a
//!    branch) and sorted within their bucket by the `u64` key whose unsigned order is
//!    `total_cmp`'s (sign bit set → all bits flipped, else sign bit set).
//! 3. A relevant row's rank is the number of rows in better buckets plus its place in its
//!    sorted bucket.
//!
//! The terms `precision@rank(r)` are summed in rank order, exactly as a walk over the sorted
//! ranking sums them, so the result has the same bits.
//!
//! ```
//! // Relevant rows 1 and 3 ranked 2nd and 3rd: AP = (1/2 + 2/3) / 2.
//! let ap = probe::ranking::average_precision(&[0.9, 0.5, 0.1, 0.7], |i| i % 2 == 1).unwrap();
//! assert!((ap - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-15);
//! ```

/// Rows per bucket, on average.
const ROWS_PER_BUCKET: usize = 2;

/// Buckets up to this size are sorted by insertion (most hold one or two rows).
const INSERTION_MAX: usize = 16;

/// Stable insertion sort by key.
fn insertion_sort(part: &mut [(u64, u32, bool)]) {
    for i in 1..part.len() {
        let x = part[i];
        let mut j = i;
        while j > 0 && part[j - 1].0 > x.0 {
            part[j] = part[j - 1];
            j -= 1;
        }
        part[j] = x;
    }
}

/// Maps similarities to buckets, best first (see the module docs).
struct Buckets {
    lo: f64,
    scale: f64,
    last: usize,
}

impl Buckets {
    fn new(sims: &[f64]) -> Self {
        let buckets = (sims.len() / ROWS_PER_BUCKET).max(1);
        // Comparisons skip NaN and vectorize; infinities need the slower filtered pass.
        let (mut lo, mut hi) = sims.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| {
            (if s < lo { s } else { lo }, if s > hi { s } else { hi })
        });
        if lo.is_infinite() || hi.is_infinite() {
            (lo, hi) = sims
                .iter()
                .filter(|s| s.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        }
        // `scale` is 0 (one bucket) when there is no finite spread or it overflows.
        let spread = hi - lo;
        let scale = if spread > 0.0 && spread.is_finite() { buckets as f64 / spread } else { 0.0 };
        Self { lo, scale, last: buckets - 1 }
    }

    #[inline]
    fn of(&self, s: f64) -> usize {
        let up = if s.is_nan() {
            if s.is_sign_negative() { 0 } else { self.last }
        } else {
            // `as usize` saturates: −∞ goes to 0, +∞ to `last`.
            (((s - self.lo) * self.scale) as usize).min(self.last)
        };
        self.last - up
    }
}

/// Average precision of the ranking of `sims`, a row being relevant when `relevant(row)`;
/// `None` when no row is relevant.
pub fn average_precision(sims: &[f64], relevant: impl Fn(usize) -> bool) -> Option<f64> {
    let map = Buckets::new(sims);
    let nb = map.last + 1;
    // counts[b] = (rows, relevant rows) in bucket b.
    let mut counts = vec![(0u32, 0u32); nb];
    for (i, &s) in sims.iter().enumerate() {
        let c = &mut counts[map.of(s)];
        c.0 += 1;
        c.1 += u32::from(relevant(i));
    }
    // Where each bucket that holds a relevant row starts among the gathered rows; the others
    // all point at the scratch slot past the end.
    let mut at = Vec::with_capacity(nb);
    let mut gathered = 0u32;
    for &(n, r) in &counts {
        at.push(gathered);
        if r > 0 {
            gathered += n;
        }
    }
    // (key, row, relevant): the relevance is read here, in row order, and not again in the
    // bucket walk below, where looking it up by row would be a cache miss per gathered row.
    let mut rows = vec![(0u64, 0u32, false); gathered as usize + 1];
    let mut next: Vec<u32> =
        counts.iter().zip(&at).map(|(&(_, r), &a)| if r > 0 { a } else { gathered }).collect();
    for (&s, i) in sims.iter().zip(0u32..) {
        let b = map.of(s);
        rows[next[b] as usize] = (!order_key(s), i, relevant(i as usize));
        next[b] += u32::from(counts[b].1 > 0);
    }
    let (mut found, mut before, mut ap) = (0usize, 0usize, 0.0);
    for (&(n, r), &a) in counts.iter().zip(&at) {
        if r > 0 {
            let bucket = &mut rows[a as usize..(a + n) as usize];
            // In index order: a stable sort by key gives the ranking order.
            if bucket.len() <= INSERTION_MAX {
                insertion_sort(bucket);
            } else {
                bucket.sort_by_key(|&(k, _, _)| k);
            }
            for (j, &(_, _, rel)) in bucket.iter().enumerate() {
                if rel {
                    found += 1;
                    ap += found as f64 / (before + j + 1) as f64;
                }
            }
        }
        before += n as usize;
    }
    (found > 0).then(|| ap / found as f64)
}

/// A `u64` whose unsigned order is `f64::total_cmp`'s.
fn order_key(s: f64) -> u64 {
    let b = s.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AP by a full stable sort and a walk over it (the module doc's definition).
    fn reference(sims: &[f64], relevant: impl Fn(usize) -> bool) -> Option<f64> {
        let mut order: Vec<usize> = (0..sims.len()).collect();
        order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]).then(a.cmp(&b)));
        let (mut found, mut ap) = (0usize, 0.0);
        for (rank, &i) in order.iter().enumerate() {
            if relevant(i) {
                found += 1;
                ap += found as f64 / (rank + 1) as f64;
            }
        }
        (found > 0).then(|| ap / found as f64)
    }

    #[test]
    fn same_bits_as_a_walk_over_a_stable_comparison_sort() {
        let mut coarse: Vec<f64> = (0..5000).map(|i| ((i * 7919 % 613) as f64 - 300.0) / 97.0).collect();
        coarse.extend([
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            1e-310,
            -1e-310,
            0.0,
        ]);
        // A smooth bell of values, one crowded bucket (equal values) and a huge spread.
        let bell: Vec<f64> = (0..20_000u64)
            .map(|i| {
                let u = (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 11) as f64 / (1u64 << 53) as f64;
                (u - 0.5) * (u - 0.5) * if i % 2 == 0 { 1.0 } else { -1.0 }
            })
            .collect();
        for case in [coarse, bell, vec![0.25; 100], vec![-1e308, 1e308, 0.0, 1.0, 0.0], vec![0.5]] {
            for m in [1, 2, 3, 10, 97] {
                let rel = |i: usize| (i * 31 + 7) % m == 0;
                let got = average_precision(&case, rel).map(f64::to_bits);
                assert_eq!(got, reference(&case, rel).map(f64::to_bits), "{} rows, 1/{m}", case.len());
            }
        }
        assert_eq!(average_precision(&[1.0, 2.0], |_| false), None);
        assert_eq!(average_precision(&[], |_| true), None);
    }
}
