//! The anomaly scorer and threshold (`selfsup_core::anomaly`): exactness against naive
//! implementations (sort everything), the memory's behaviour when full, `Const` = `Dyn` bits,
//! and no allocation on `Const` sizes.

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::anomaly::{KnnScorer, MAX_K, NormalMemory, UpperScores, reconstruction_errors};
use selfsup_core::encoder::{Bias, Init};
use selfsup_core::loss::autoencoder::{AeBuffers, LinearAutoencoder};
use selfsup_core::rng::{normal, seeded, uniform};

#[path = "support/counting_alloc.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// Naive cosine kNN distance: normalize everything, compute every similarity, sort, average.
fn naive_knn(memory: &[Vec<f64>], z: &[f64], k: usize) -> f64 {
    let unit = |v: &[f64]| {
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        v.iter().map(|x| x / n).collect::<Vec<_>>()
    };
    let zu = unit(z);
    let mut sims: Vec<f64> =
        memory.iter().map(|m| unit(m).iter().zip(&zu).map(|(a, b)| a * b).sum::<f64>()).collect();
    sims.sort_by(|a, b| b.total_cmp(a));
    let k = k.min(sims.len());
    sims[..k].iter().map(|s| 1.0 - s).sum::<f64>() / k as f64
}

#[test]
fn knn_distance_matches_naive_sort() {
    let mut rng = seeded(1);
    for trial in 0..200 {
        let kdim = 1 + trial % 7;
        let len = 1 + (trial * 7) % 40;
        let mut memory = NormalMemory::<f64, Dyn, Dyn>::new(Dyn(kdim), Dyn(64));
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for i in 0..len {
            // Every fifth row repeats an earlier one: ties among the similarities.
            let v: Vec<f64> = if i % 5 == 4 {
                rows[i / 2].clone()
            } else {
                (0..kdim).map(|_| normal::<f64, _>(&mut rng)).collect()
            };
            memory.push(&v, &mut rng);
            rows.push(v);
        }
        let z: Vec<f64> = (0..kdim).map(|_| normal::<f64, _>(&mut rng)).collect();
        for k in [1, 2, 5, 20, MAX_K] {
            let got = KnnScorer::new(k).unwrap().score(&memory, &z).unwrap();
            let want = naive_knn(&rows, &z, k);
            assert!((got - want).abs() <= 1e-12, "trial {trial} k {k}: {got} vs {want}");
            assert!((0.0..=2.0).contains(&got));
        }
    }
}

#[test]
fn knn_edge_cases() {
    let mut rng = seeded(2);
    let mut memory = NormalMemory::<f32, Const<2>, Const<4>>::new(Const, Const);
    let scorer = KnnScorer::default();
    assert_eq!(scorer.k(), 5);
    assert_eq!(scorer.score(&memory, &[1.0, 0.0]), None, "empty memory");
    assert!(KnnScorer::new(0).is_none() && KnnScorer::new(MAX_K + 1).is_none());
    memory.push(&[0.0, 2.0], &mut rng);
    // k larger than the memory: the mean over what is held.
    assert_eq!(scorer.score(&memory, &[0.0, 5.0]), Some(0.0));
    assert_eq!(scorer.score(&memory, &[0.0, -1.0]), Some(2.0));
    // A zero query has similarity 0 to everything (z / ε = 0).
    assert_eq!(scorer.score(&memory, &[0.0, 0.0]), Some(1.0));
    assert!(scorer.score(&memory, &[f32::NAN, 0.0]).unwrap().is_nan());
}

#[test]
fn memory_holds_a_training_set_exactly_and_samples_uniformly_when_full() {
    // At most M rows: exactly those rows (normalized), no random draw.
    let mut rng = seeded(3);
    let before = rng.clone();
    let mut m = NormalMemory::<f64, Const<2>, Const<3>>::new(Const, Const);
    for v in [[0.0, 4.0], [0.0, -2.0], [8.0, 0.0]] {
        m.push(&v, &mut rng);
    }
    assert_eq!(m.as_slice(), &[0.0, 1.0, 0.0, -1.0, 1.0, 0.0]);
    assert_eq!(rng, before, "no random number drawn before the memory is full");
    // Full: every embedding offered stays with probability M / n (Algorithm R).
    let (n, c, runs) = (30usize, 6usize, 3000usize);
    let mut kept = vec![0usize; n];
    for _ in 0..runs {
        let mut m = NormalMemory::<f64, Const<2>, Const<6>>::new(Const, Const);
        for t in 0..n {
            let a = t as f64 * 0.1;
            m.push(&[a.cos(), a.sin()], &mut rng);
        }
        assert_eq!((m.len(), m.seen(), m.capacity()), (c, n as u64, c));
        for e in m.as_slice().chunks(2) {
            let t = (e[1].atan2(e[0]) / 0.1).round() as usize;
            kept[t] += 1;
        }
    }
    // Binomial(3000, 1/5): mean 600, sd ≈ 21.9; 5 sd bounds.
    for (t, &k) in kept.iter().enumerate() {
        assert!((490..=710).contains(&k), "embedding {t} kept {k} of {runs} times");
    }
}

#[test]
fn threshold_is_the_exact_order_statistic() {
    let mut rng = seeded(4);
    for trial in 0..300 {
        let n = 1 + trial % 97;
        // Scores on a coarse grid: many ties.
        let scores: Vec<f64> =
            (0..n).map(|_| (uniform::<f64, _>(&mut rng, 0.0, 8.0)).floor() / 8.0).collect();
        let mut u = UpperScores::<f64, Dyn>::new(Dyn(16));
        for &s in &scores {
            u.push(s);
        }
        let mut sorted = scores.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        assert_eq!(u.largest(), &sorted[..n.min(16)]);
        for fpr in [0.0, 0.01, 0.05, 0.1, 0.2, 0.29, 0.5] {
            let m = (fpr * n as f64 + 1e-9).floor() as usize;
            let got = u.threshold(fpr);
            if m >= 16 {
                assert_eq!(got, None, "buffer too small: no approximation");
                continue;
            }
            let t = got.unwrap();
            assert_eq!(t, sorted[m], "trial {trial} n {n} fpr {fpr}");
            let above = scores.iter().filter(|&&s| s > t).count();
            assert!(above <= m && above as f64 <= fpr * n as f64 + 1e-9, "{above} of {n} above at {fpr}");
        }
    }
    // 0.29 · 100 = 28.999…: m is 29, not 28.
    let mut u = UpperScores::<f64, Const<40>>::new(Const);
    (0..100).for_each(|i| u.push(i as f64));
    assert_eq!((u.allowed_above(0.29), u.threshold(0.29)), (29, Some(70.0)));
    assert_eq!((u.threshold(1.0), u.threshold(-0.1)), (None, None));
    u.push(f64::NAN);
    assert_eq!((u.count(), u.nan_count()), (100, 1));
    assert_eq!(UpperScores::<f32, Const<4>>::new(Const).threshold(0.05), None);
}

#[test]
fn reconstruction_error_matches_naive() {
    let mut rng = seeded(5);
    for bias in [Bias::No, Bias::Yes] {
        let ae = LinearAutoencoder::<f64, Dyn, Dyn>::new(
            Dyn(3),
            Dyn(7),
            Init::Normal { std: 0.5 },
            bias,
            &mut rng,
        );
        let x = DMatrix::<f64>::from_fn(7, 9, |_, _| normal::<f64, _>(&mut rng));
        let mut buf = AeBuffers::new(Dyn(3), Dyn(7), Dyn(9));
        let mut got = [0.0; 9];
        reconstruction_errors(&ae, &x, &mut buf, &mut got);
        let mut z = &ae.enc.w * &x;
        let mut xh;
        if bias == Bias::Yes {
            for mut c in z.column_iter_mut() {
                c += &ae.enc.b;
            }
        }
        xh = &ae.dec.w * &z;
        if bias == Bias::Yes {
            for mut c in xh.column_iter_mut() {
                c += &ae.dec.b;
            }
        }
        for (j, g) in got.iter().enumerate() {
            let want = (xh.column(j) - x.column(j)).norm_squared();
            assert!((g - want).abs() <= 1e-12 * want.max(1.0), "{j}: {g} vs {want}");
        }
    }
}

#[test]
fn const_equals_dyn_bits_and_const_allocates_nothing() {
    let mut rng = seeded(6);
    let rows: Vec<[f32; 4]> =
        (0..100).map(|_| core::array::from_fn(|_| normal::<f32, _>(&mut rng))).collect();
    let queries: Vec<[f32; 4]> =
        (0..50).map(|_| core::array::from_fn(|_| normal::<f32, _>(&mut rng))).collect();
    let scorer = KnnScorer::new(5).unwrap();

    let (mut r1, mut r2) = (seeded(7), seeded(7));
    let mut dynamic = NormalMemory::<f32, Dyn, Dyn>::new(Dyn(4), Dyn(32));
    let mut dyn_upper = UpperScores::<f32, Dyn>::new(Dyn(8));
    let mut dyn_scores = Vec::new();
    for r in &rows {
        dynamic.push(r, &mut r2);
    }
    for q in &queries {
        let s = scorer.score(&dynamic, q).unwrap();
        dyn_upper.push(s);
        dyn_scores.push(s.to_bits());
    }

    let before = counting::allocations();
    let mut fixed = NormalMemory::<f32, Const<4>, Const<32>>::new(Const, Const);
    let mut upper = UpperScores::<f32, Const<8>>::new(Const);
    let mut bits = [0u32; 50];
    for r in &rows {
        fixed.push(r, &mut r1);
    }
    for (q, b) in queries.iter().zip(bits.iter_mut()) {
        let s = scorer.score(&fixed, q).unwrap();
        upper.push(s);
        *b = s.to_bits();
    }
    let t = upper.threshold(0.1);
    let ae = LinearAutoencoder::<f32, Const<2>, Const<4>>::new(
        Const,
        Const,
        Init::Normal { std: 0.3 },
        Bias::No,
        &mut r1,
    );
    let x = SMatrix::<f32, 4, 8>::from_fn(|i, j| rows[j][i]);
    let mut buf = AeBuffers::new(Const::<2>, Const::<4>, Const::<8>);
    let mut recon = [0.0f32; 8];
    reconstruction_errors(&ae, &x, &mut buf, &mut recon);
    assert_eq!(counting::allocations(), before, "Const sizes allocate nothing");

    assert_eq!(fixed.as_slice(), dynamic.as_slice());
    assert_eq!(bits.to_vec(), dyn_scores);
    assert_eq!(t, dyn_upper.threshold(0.1));
    assert!(t.is_some() && recon.iter().all(|r| r.is_finite() && *r > 0.0));
}
