//! Short names for the `Const`-sized (fixed-size, allocation-free) types a `no_std` user
//! writes: the sizes are plain `usize` constants instead of `Const<N>` wrappers. Each alias is
//! the same type as its long form (`SLinear<f32, 16, 64>` *is*
//! `Linear<f32, Const<16>, Const<64>>`), so both spellings mix freely.
//!
//! Parameter order follows the long types: a layer is `<T, OUT, IN>` (its weight is
//! `OUT × IN`), an MLP `<T, IN, HIDDEN, OUT>`, a loss `<T, K, B>`, a trainer `<T, D, K, B, …>`.
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::augment::Pipeline;
//! use selfsup_core::encoder::{Bias, Init};
//! use selfsup_core::fixed::{SInfoNce, SLinear, STrainer};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//!
//! // A device's whole trainer, as a static type: 4 features → 2, batches of 32.
//! type Enc = SLinear<f32, 2, 4>;
//! type Ring = STrainer<f32, 4, 2, 32, Enc, SInfoNce<f32, 2, 32>>;
//! let mut rng = seeded(1);
//! let enc = Enc::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
//! let loss = SInfoNce::new(0.2, Const, Const).unwrap();
//! let t: Ring = Ring::new(enc, loss, Optimizer::sgd(5e-2, 0.0, 1e-4), Pipeline::new(), (Const, Const, Const));
//! assert_eq!(t.encoder.w.shape(), (2, 4));
//! ```

use crate::dims::{Batch, Const};
use crate::encoder::{Linear, Mlp, Mlp2, WithHead};
use crate::loss::{BarlowTwins, InfoNce, InfoNceQueue, LinearAutoencoder, NtXent, VicReg};
use crate::stream::StreamTrainer;
use crate::train::{AeTrainer, Siamese, Trainer};

/// A `R × B` batch (samples are columns).
pub type SBatch<T, const R: usize, const B: usize> = Batch<T, Const<R>, Const<B>>;

/// A linear layer `IN → OUT` (weight `OUT × IN`).
pub type SLinear<T, const OUT: usize, const IN: usize> = Linear<T, Const<OUT>, Const<IN>>;
/// An MLP `IN → H → OUT`.
pub type SMlp<T, const IN: usize, const H: usize, const OUT: usize> = Mlp<T, Const<IN>, Const<H>, Const<OUT>>;
/// An MLP `IN → H1 → H2 → OUT`.
pub type SMlp2<T, const IN: usize, const H1: usize, const H2: usize, const OUT: usize> =
    Mlp2<T, Const<IN>, Const<H1>, Const<H2>, Const<OUT>>;
/// An encoder `F` with a projection head `G` joined at `M` features.
pub type SWithHead<F, G, const M: usize> = WithHead<F, G, Const<M>>;
/// A linear autoencoder `D → K → D`.
pub type SLinearAutoencoder<T, const K: usize, const D: usize> = LinearAutoencoder<T, Const<K>, Const<D>>;

/// One-directional InfoNCE on `K × B` embeddings.
pub type SInfoNce<T, const K: usize, const B: usize> = InfoNce<T, Const<K>, Const<B>>;
/// NT-Xent on `K × B` embeddings.
pub type SNtXent<T, const K: usize, const B: usize> = NtXent<T, Const<K>, Const<B>>;
/// Barlow Twins on `K × B` embeddings.
pub type SBarlowTwins<T, const K: usize, const B: usize> = BarlowTwins<T, Const<K>, Const<B>>;
/// VICReg on `K × B` embeddings.
pub type SVicReg<T, const K: usize, const B: usize> = VicReg<T, Const<K>, Const<B>>;
/// InfoNCE with a queue of `Q` past keys.
pub type SInfoNceQueue<T, const K: usize, const B: usize, const Q: usize> =
    InfoNceQueue<T, Const<K>, Const<B>, Const<Q>>;

/// The contrastive trainer: inputs `D`, embeddings `K`, batches `B`, encoder `E`, loss `L`.
pub type STrainer<T, const D: usize, const K: usize, const B: usize, E, L> =
    Trainer<T, Const<D>, Const<K>, Const<B>, E, L>;
/// BYOL or SimSiam: inputs `D`, projections `K`, batches `B`, network `F`, predictor `Q`.
pub type SSiamese<T, const D: usize, const K: usize, const B: usize, F, Q> =
    Siamese<T, Const<D>, Const<K>, Const<B>, F, Q>;
/// The autoencoder's trainer: code `K`, inputs `D`, batches `B`.
pub type SAeTrainer<T, const K: usize, const D: usize, const B: usize> =
    AeTrainer<T, Const<K>, Const<D>, Const<B>>;
/// The stream trainer: inputs `D`, embeddings `K`, batches `B`, reservoir `C`, queue `Q`.
pub type SStreamTrainer<T, const D: usize, const K: usize, const B: usize, const C: usize, const Q: usize> =
    StreamTrainer<T, Const<D>, Const<K>, Const<B>, Const<C>, Const<Q>>;
