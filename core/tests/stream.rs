//! The reservoir (Algorithm R, Algorithm S draws) and the MoCo queue: uniformity, no
//! duplicates, determinism, Const = Dyn.

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::rng::seeded;
use selfsup_core::stream::{EmbeddingQueue, Reservoir};

#[test]
fn reservoir_keeps_every_sample_with_probability_c_over_n() {
    // 4000 runs of a 40-sample stream into 10 slots: each sample is kept with p = 1/4.
    let (n, c, runs) = (40usize, 10usize, 4000usize);
    let mut kept = vec![0usize; n];
    let mut rng = seeded(11);
    for _ in 0..runs {
        let mut res = Reservoir::<f64, Dyn, Dyn>::new(Dyn(1), Dyn(c));
        for t in 0..n {
            res.push(&[t as f64], &mut rng);
        }
        assert_eq!((res.len(), res.seen()), (c, n as u64));
        for &x in res.as_slice() {
            kept[x as usize] += 1;
        }
    }
    // Binomial(4000, 1/4): mean 1000, sd ≈ 27.4; 5 sd bounds (a bug such as keeping the
    // first C or the last C fails by hundreds).
    for (t, &k) in kept.iter().enumerate() {
        assert!((863..=1137).contains(&k), "sample {t} kept {k} times of {runs}");
    }
}

#[test]
fn draws_are_distinct_uniform_subsets() {
    let mut rng = seeded(12);
    let mut res = Reservoir::<f32, Const<2>, Const<6>>::new(Const, Const);
    for t in 0..6 {
        res.push(&[t as f32, -(t as f32)], &mut rng);
    }
    let mut batch = SMatrix::<f32, 2, 3>::zeros();
    let mut hits = [0usize; 6];
    let mut subsets = std::collections::HashMap::new();
    let draws = 20_000;
    for _ in 0..draws {
        assert!(res.draw(&mut rng, &mut batch));
        let ids: Vec<usize> = batch.column_iter().map(|c| c[0] as usize).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "distinct, in slot order: {ids:?}");
        for c in batch.column_iter() {
            assert_eq!(c[1], -c[0], "columns are whole samples");
        }
        for &i in &ids {
            hits[i] += 1;
        }
        *subsets.entry(ids).or_insert(0usize) += 1;
    }
    // 20 subsets of 3 out of 6, each with p = 1/20 (mean 1000, sd ≈ 30.8).
    assert_eq!(subsets.len(), 20);
    for (s, &k) in &subsets {
        assert!((840..=1160).contains(&k), "subset {s:?} drawn {k} times");
    }
    for &h in &hits {
        assert!((9700..=10300).contains(&h), "{hits:?}");
    }
    // Too few samples for the batch: refuse, leave the batch alone.
    let small = Reservoir::<f32, Const<2>, Const<6>>::new(Const, Const);
    let before = batch;
    assert!(!small.draw(&mut rng, &mut batch));
    assert_eq!(batch, before);
}

#[test]
fn reservoir_is_deterministic_and_static_equals_dynamic() {
    let mut r1 = seeded(5);
    let mut r2 = seeded(5);
    let mut a = Reservoir::<f32, Const<3>, Const<16>>::new(Const, Const);
    let mut b = Reservoir::<f32, Dyn, Dyn>::new(Dyn(3), Dyn(16));
    for t in 0..200 {
        let s = [t as f32, 0.5 * t as f32, 1.0];
        assert_eq!(a.push(&s, &mut r1), b.push(&s, &mut r2));
    }
    assert_eq!(a.as_slice(), b.as_slice());
    let mut ba = SMatrix::<f32, 3, 8>::zeros();
    let mut bb = DMatrix::<f32>::zeros(3, 8);
    assert!(a.draw(&mut r1, &mut ba) && b.draw(&mut r2, &mut bb));
    assert_eq!(ba.as_slice(), bb.as_slice());
}

#[test]
fn queue_is_fifo_with_fixed_capacity() {
    let mut q = EmbeddingQueue::<f64, Dyn, Dyn>::new(Dyn(2), Dyn(3));
    assert!(q.is_empty());
    q.push_columns(&[1.0, 1.0, 2.0, 2.0]);
    assert_eq!(q.as_slice(), &[1.0, 1.0, 2.0, 2.0]);
    q.push_columns(&[3.0, 3.0, 4.0, 4.0, 5.0, 5.0]);
    // Keys 1 and 2 were the oldest: overwritten by 4 and 5.
    assert_eq!(q.as_slice(), &[4.0, 4.0, 5.0, 5.0, 3.0, 3.0]);
    assert_eq!((q.len(), q.capacity(), q.dim()), (3, 3, 2));
    q.clear();
    assert!(q.is_empty() && q.as_slice().is_empty());
    let mut none = EmbeddingQueue::<f64, Dyn, Dyn>::new(Dyn(2), Dyn(0));
    none.push(&[1.0, 2.0]);
    assert!(none.is_empty());
}
