//! Average precision of one query's full ranking, by a radix sort (linear in the number of
//! training rows) instead of a comparison sort.
//!
//! The ranking is the one of [`crate::similarity`]: decreasing similarity in `f64::total_cmp`
//! order, equal similarities by increasing row index. Each similarity is mapped to a `u64`
//! whose unsigned order is `total_cmp`'s (sign bit set → all bits flipped, else sign bit
//! set), complemented for decreasing order, and the row indices are sorted by it with a stable
//! least-significant-digit radix sort (11-bit digits), which keeps equal keys in index order.
//!
//! `AP = (1/R) Σ_{relevant r} precision@rank(r)` is then summed in rank order, exactly as a
//! walk over a sorted ranking would sum it.
//!
//! ```
//! // Relevant rows 1 and 3 ranked 2nd and 3rd: AP = (1/2 + 2/3) / 2.
//! let ap = probe::ranking::average_precision(&[0.9, 0.5, 0.1, 0.7], |i| i % 2 == 1).unwrap();
//! assert!((ap - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-15);
//! ```

const DIGIT_BITS: u32 = 11;

/// Rows in ranking order (decreasing `sims`, ties by increasing index).
pub fn rank_order(sims: &[f64]) -> Vec<u32> {
    let keys: Vec<u64> = sims.iter().map(|s| !order_key(*s)).collect();
    let mut idx: Vec<u32> = (0..sims.len() as u32).collect();
    let mut tmp = vec![0u32; sims.len()];
    let buckets = 1usize << DIGIT_BITS;
    let mut count = vec![0usize; buckets];
    for shift in (0..64).step_by(DIGIT_BITS as usize) {
        let digit = |i: u32| ((keys[i as usize] >> shift) as usize) & (buckets - 1);
        count.fill(0);
        for &i in &idx {
            count[digit(i)] += 1;
        }
        if count.contains(&idx.len()) {
            continue; // every key has this digit: the pass would not move anything
        }
        let mut start = 0;
        for c in count.iter_mut() {
            let n = *c;
            *c = start;
            start += n;
        }
        for &i in &idx {
            let b = digit(i);
            tmp[count[b]] = i;
            count[b] += 1;
        }
        std::mem::swap(&mut idx, &mut tmp);
    }
    idx
}

/// Average precision of the ranking of `sims`, a row being relevant when `relevant(row)`;
/// `None` when no row is relevant.
pub fn average_precision(sims: &[f64], relevant: impl Fn(usize) -> bool) -> Option<f64> {
    let (mut found, mut ap) = (0usize, 0.0);
    for (rank, &i) in rank_order(sims).iter().enumerate() {
        if relevant(i as usize) {
            found += 1;
            ap += found as f64 / (rank + 1) as f64;
        }
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

    #[test]
    fn same_order_as_a_stable_comparison_sort() {
        let mut sims: Vec<f64> = (0..5000).map(|i| ((i * 7919 % 613) as f64 - 300.0) / 97.0).collect();
        sims.extend([0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e-310, -1e-310, 0.0]);
        let mut expect: Vec<u32> = (0..sims.len() as u32).collect();
        expect.sort_by(|&a, &b| sims[b as usize].total_cmp(&sims[a as usize]).then(a.cmp(&b)));
        assert_eq!(rank_order(&sims), expect);
        assert!(rank_order(&[]).is_empty());
        assert_eq!(average_precision(&[1.0, 2.0], |_| false), None);
    }
}
