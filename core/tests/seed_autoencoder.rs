//! The seed's first program, reproduced: a linear autoencoder 3 → 2 → 3 trained on 2000 points
//! near a plane (`synth::fill_plane`), 200 epochs of plain SGD (lr 1e-2, weight decay 1e-4,
//! added to the batch-averaged gradient as the seed does), batches of 64 in a fresh random
//! order every epoch, weights from N(0, 0.1²). It must end within 2% of the best any rank-2
//! linear autoencoder can do on the same data (the seed's own run ends 0.6% above it).
//!
//! Batches: 2000 = 31 · 64 + 16, and like the seed the last batch of every epoch is the partial
//! one of 16 samples. Both are run statically (`Const<64>` batches and a `Const<16>` tail, no
//! allocation in the step) and dynamically (`Dyn(64)` and `Dyn(16)`); the two runs must give
//! bit-identical weights. The optimizer state lives in `AeTrainer`, independent of the batch
//! size, so the two batch shapes share it.
//!
//! A counting global allocator checks that the training loop (shuffle, gather, step) makes no
//! heap allocation. Variants: Adam (lr 3e-3, 200 epochs) and layers with biases (compared with
//! the centred PCA optimum) must also end within 2%.
//!
//! `cargo test -p selfsup-core --features alloc --test seed_autoencoder -- --nocapture` prints
//! the numbers.

use nalgebra::{Const, DefaultAllocator, Dim, Dyn, OMatrix, U3};
use selfsup_core::Real;
use selfsup_core::dims::{Dims, zeros};
use selfsup_core::encoder::{Bias, Init};
use selfsup_core::loss::autoencoder::{AeBuffers, LinearAutoencoder, pca_optimum};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, seeded, shuffle};
use selfsup_core::synth::fill_plane;
use selfsup_core::train::{AeTrainer, gather};

const N: usize = 2000;
const EPOCHS: usize = 200;
const BATCH: usize = 64;
const TAIL: usize = N % BATCH; // 16
const LR: f64 = 1e-2;
const WD: f64 = 1e-4;
const SEED: u64 = 42;

type Data<T> = OMatrix<T, U3, Dyn>;
type Ae<T> = LinearAutoencoder<T, Const<2>, U3>;

#[path = "support/counting_alloc.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// What varies between runs: the seed's program is `Config::SEED`.
#[derive(Clone, Copy)]
struct Config {
    opt: fn() -> Optimizer<f64>,
    bias: Bias,
    epochs: usize,
}

impl Config {
    const SEED: Self = Self { opt: || Optimizer::sgd(LR, 0.0, WD), bias: Bias::No, epochs: EPOCHS };
}

/// The seed's program (or a variant) with batch dimension types `b` (full batches) and `t`
/// (the tail). Returns the data, the trained model and the mean batch loss of every epoch.
fn run<T: Real, B: Dim, Tl: Dim>(cfg: Config, b: B, t: Tl) -> (Data<T>, Ae<T>, Vec<f64>)
where
    DefaultAllocator: Dims<Const<2>, U3, B> + Dims<Const<2>, U3, Tl>,
{
    assert_eq!((b.value(), t.value()), (BATCH, TAIL));
    let mut rng: Rng = seeded(SEED);
    let mut data = Data::<T>::zeros(N);
    fill_plane(&mut rng, data.as_mut_slice(), None);
    let ae = Ae::<T>::new(Const, Const, Init::Normal { std: 0.1 }, cfg.bias, &mut rng);
    let opt = match (cfg.opt)() {
        Optimizer::Sgd { lr, momentum, weight_decay } => Optimizer::Sgd {
            lr: T::of_f64(lr),
            momentum: T::of_f64(momentum),
            weight_decay: T::of_f64(weight_decay),
        },
        Optimizer::Adam { lr, beta1, beta2, eps, weight_decay, decay_mode } => Optimizer::Adam {
            lr: T::of_f64(lr),
            beta1: T::of_f64(beta1),
            beta2: T::of_f64(beta2),
            eps: T::of_f64(eps),
            weight_decay: T::of_f64(weight_decay),
            decay_mode,
        },
    };
    let mut trainer = AeTrainer::new(ae, opt, b);
    let (mut xb, mut bb) = (zeros::<T, U3, B>(Const::<3>, b), AeBuffers::new(Const::<2>, Const::<3>, b));
    let (mut xt, mut bt) = (zeros::<T, U3, Tl>(Const::<3>, t), AeBuffers::new(Const::<2>, Const::<3>, t));
    let mut idx: Vec<usize> = (0..N).collect();
    let mut epoch_losses = Vec::with_capacity(cfg.epochs);
    let allocs = counting::allocations();
    for _ in 0..cfg.epochs {
        shuffle(&mut rng, &mut idx);
        let mut sum = T::zero();
        let mut batches = 0;
        for chunk in idx.chunks(BATCH) {
            sum += if chunk.len() == BATCH {
                gather(data.as_slice(), 3, chunk, xb.as_mut_slice());
                trainer.step_batch(&xb, &mut bb)
            } else {
                gather(data.as_slice(), 3, chunk, xt.as_mut_slice());
                trainer.step_batch(&xt, &mut bt)
            };
            batches += 1;
        }
        epoch_losses.push(sum.to_f64() / batches as f64);
    }
    assert_eq!(counting::allocations(), allocs, "the training loop allocated");
    (data, trainer.ae, epoch_losses)
}

fn full_loss<T: Real>(ae: &Ae<T>, data: &Data<T>) -> T {
    ae.loss(data, &mut AeBuffers::new(Const::<2>, Const::<3>, Dyn(N)))
}

fn reproduce<T: Real>(label: &str) {
    let (data, ae, epochs) = run::<T, _, _>(Config::SEED, Const::<BATCH>, Const::<TAIL>);
    let final_loss = full_loss(&ae, &data).to_f64();
    let optimum = pca_optimum(&data, 2).unwrap().to_f64();
    let gap = final_loss / optimum - 1.0;
    for (e, l) in epochs.iter().enumerate() {
        let e = e + 1;
        if e == 1 || e % 20 == 0 {
            println!("[{label}] epoch {e:3}: mean batch loss {l:.6}");
        }
    }
    println!(
        "[{label}] final full-data loss {final_loss:.8}, rank-2 PCA optimum {optimum:.8}, gap {:+.3}%",
        100.0 * gap
    );
    assert!(epochs[0] > 10.0 * final_loss, "[{label}] training did not reduce the loss: {epochs:?}");
    assert!(gap > -1e-5, "[{label}] below the optimum: {final_loss} < {optimum} (optimum is wrong)");
    assert!(gap < 0.02, "[{label}] {final_loss} is more than 2% above the optimum {optimum}");

    // The same run with run-time sizes gives the same bits.
    let (_, ae_dyn, epochs_dyn) = run::<T, _, _>(Config::SEED, Dyn(BATCH), Dyn(TAIL));
    assert_eq!(ae.enc.w.as_slice(), ae_dyn.enc.w.as_slice(), "[{label}] Const and Dyn encoders differ");
    assert_eq!(ae.dec.w.as_slice(), ae_dyn.dec.w.as_slice(), "[{label}] Const and Dyn decoders differ");
    assert_eq!(epochs, epochs_dyn);
}

/// Variants: Adam instead of SGD, and layers with biases (whose optimum is the *centred* PCA).
fn variant<T: Real>(label: &str, cfg: Config) -> (f64, f64) {
    let (mut data, ae, _) = run::<T, _, _>(cfg, Const::<BATCH>, Const::<TAIL>);
    let final_loss = full_loss(&ae, &data).to_f64();
    if cfg.bias == Bias::Yes {
        let mean = data.column_mean();
        for mut c in data.column_iter_mut() {
            c -= &mean;
        }
    }
    let optimum = pca_optimum(&data, 2).unwrap().to_f64();
    println!(
        "[{label}] final full-data loss {final_loss:.8}, optimum {optimum:.8}, gap {:+.3}%",
        100.0 * (final_loss / optimum - 1.0)
    );
    (final_loss, optimum)
}

#[test]
fn adam_and_bias_variants() {
    let adam = Config { opt: || Optimizer::adam(3e-3, 0.0), bias: Bias::No, epochs: 200 };
    let (l, opt) = variant::<f64>("adam f64", adam);
    assert!(l > opt * (1.0 - 1e-5) && l < opt * 1.02);
    let bias = Config { bias: Bias::Yes, ..Config::SEED };
    let (l, opt) = variant::<f64>("bias f64", bias);
    assert!(l > opt * (1.0 - 1e-5) && l < opt * 1.02);
}

#[test]
fn seed_autoencoder_f64() {
    reproduce::<f64>("f64");
}

#[test]
fn seed_autoencoder_f32() {
    reproduce::<f32>("f32");
}

/// The optimum helper itself, on data whose second moment is known exactly: samples
/// `±a e₁, ±b e₂, ±c e₃` give `M = diag(a², b², c²) · 2/6`, so a rank-2 model loses `c²/6`.
#[test]
fn pca_optimum_on_known_spectrum() {
    let (a, b, c) = (3.0, 2.0, 0.5);
    let x = Data::<f64>::from_column_slice(&[
        a, 0.0, 0.0, -a, 0.0, 0.0, 0.0, b, 0.0, 0.0, -b, 0.0, 0.0, 0.0, c, 0.0, 0.0, -c,
    ]);
    let opt = pca_optimum(&x, 2).unwrap();
    assert!((opt - c * c / 6.0).abs() < 1e-15, "{opt}");
    let opt1 = pca_optimum(&x, 1).unwrap();
    assert!((opt1 - (b * b + c * c) / 6.0).abs() < 1e-15, "{opt1}");
    assert_eq!(pca_optimum(&x, 3), Some(0.0));
    // Rotating the data does not change the optimum.
    let r = nalgebra::Rotation3::from_euler_angles(0.3, -0.7, 1.1);
    let xr = r.matrix() * &x;
    assert!((pca_optimum(&xr, 2).unwrap() - c * c / 6.0).abs() < 1e-14);
}
