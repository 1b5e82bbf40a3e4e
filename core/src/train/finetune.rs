//! Supervised fine-tuning: an encoder `f` and a linear classifier `h` trained end to end with
//! softmax cross-entropy on labelled samples — the evaluation that asks whether pretraining
//! helps when labels are scarce (SimCLR, Chen et al. 2020, §4 and appendix B.5; the seed's
//! "validate with linear probing or fine-tuning on labeled subsets").
//!
//! For a batch `X` (`D × B`) with labels `y`: `Z = f(X)` (`K × B`), logits `S = W Z + b`
//! (`C × B`), `L = cross_entropy(S, y)` ([`crate::loss::cross_entropy`]), then
//! `∂L/∂W = G Zᵀ`, `∂L/∂b = G 1`, `∂L/∂Z = Wᵀ G` with `G = ∂L/∂S`, back through `f`, and one
//! optimizer update of both (or of the classifier alone with [`EncoderUpdate::Frozen`]: a
//! linear probe trained by SGD/Adam, the on-device form of linear evaluation).
//!
//! No augmentation is applied: fine-tuning sees the samples as they are. Every buffer is
//! allocated once by [`FineTune::new`]; with `Const` sizes a step allocates nothing.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::encoder::{Bias, Init, Linear};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::train::finetune::{EncoderUpdate, FineTune};
//! let mut rng = seeded(1);
//! let enc = Linear::<f64, Const<2>, Const<2>>::new(Const, Const, Init::XavierNormal, Bias::No, &mut rng);
//! let cls = Linear::<f64, Const<2>, Const<2>>::new(Const, Const, Init::XavierNormal, Bias::Yes, &mut rng);
//! let mut ft = FineTune::new(enc, cls, Optimizer::adam(0.05, 0.0), EncoderUpdate::Train, Const::<4>);
//! // two classes: the sign of the first feature
//! let x = SMatrix::<f64, 2, 4>::new(1.0, -1.0, 2.0, -2.0, 0.5, 0.3, -0.2, 0.1);
//! let y = [0, 1, 0, 1];
//! let first = ft.step(&x, &y).unwrap();
//! let mut last = first;
//! for _ in 0..100 {
//!     last = ft.step(&x, &y).unwrap();
//! }
//! assert!(last < 0.1 * first);
//! let mut pred = [9; 4];
//! ft.predict(&x, &mut pred);
//! assert_eq!(pred, y);
//! ```

use super::Schedule;
use crate::Real;
use crate::dims::{Batch, Dims, zeros};
use crate::encoder::{Encoder, Linear};
use crate::loss::cross_entropy::{self, LabelError};
use crate::optim::Optimizer;
use nalgebra::{DefaultAllocator, Dim};

/// Whether fine-tuning updates the encoder or only the classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderUpdate {
    /// Encoder and classifier are trained end to end (fine-tuning).
    Train,
    /// Only the classifier is trained; the encoder stays as it is (linear evaluation).
    Frozen,
}

/// An encoder `D → K`, a linear classifier `K → C` and every buffer of a supervised step on
/// batches of `B`. See the [module docs](self).
pub struct FineTune<T, D, K, C, B, E>
where
    T: Real,
    D: Dim,
    K: Dim,
    C: Dim,
    B: Dim,
    E: Encoder<T, D, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<C, K, B>,
{
    /// The encoder `f`.
    pub encoder: E,
    /// The classifier `h(z) = W z + b`.
    pub classifier: Linear<T, C, K>,
    /// Optimizer hyper-parameters (the base rate of [`FineTune::schedule`]).
    pub optimizer: Optimizer<T>,
    /// Learning-rate schedule (constant by default).
    pub schedule: Schedule,
    /// Whether the encoder is updated.
    pub update: EncoderUpdate,
    enc_state: E::OptState,
    cls_state: <Linear<T, C, K> as Encoder<T, K, C, B>>::OptState,
    enc_grad: E,
    cls_grad: Linear<T, C, K>,
    cache: E::Cache,
    z: Batch<T, K, B>,
    logits: Batch<T, C, B>,
    g_logits: Batch<T, C, B>,
    g_z: Batch<T, K, B>,
    steps: u64,
}

impl<T, D, K, C, B, E> FineTune<T, D, K, C, B, E>
where
    T: Real,
    D: Dim,
    K: Dim,
    C: Dim,
    B: Dim,
    E: Encoder<T, D, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<C, K, B>,
{
    /// Fine-tuning of `encoder` with `classifier` (`C × K`, usually with a bias) on batches of
    /// `b` samples.
    pub fn new(
        encoder: E,
        classifier: Linear<T, C, K>,
        optimizer: Optimizer<T>,
        update: EncoderUpdate,
        b: B,
    ) -> Self {
        let (c, k) = classifier.w.shape_generic();
        Self {
            enc_state: encoder.new_opt_state(),
            cls_state: <Linear<T, C, K> as Encoder<T, K, C, B>>::new_opt_state(&classifier),
            enc_grad: encoder.zeros_like(),
            cls_grad: classifier.zeros_like(),
            cache: encoder.new_cache(b),
            z: zeros(k, b),
            logits: zeros(c, b),
            g_logits: zeros(c, b),
            g_z: zeros(k, b),
            encoder,
            classifier,
            optimizer,
            schedule: Schedule::Constant,
            update,
            steps: 0,
        }
    }

    /// One supervised step on `x` (`D × B`) with one label per column: forward, cross-entropy,
    /// backward, one optimizer update. Returns the loss before the update, or the labels'
    /// error (nothing is updated then).
    ///
    /// # Panics
    /// If `x` is not `D × B` as the encoder and [`FineTune::new`] were given (only possible
    /// with `Dyn` sizes).
    pub fn step(&mut self, x: &Batch<T, D, B>, labels: &[usize]) -> Result<T, LabelError> {
        let (c, b) = self.logits.shape();
        cross_entropy::check_labels(c, b, labels)?;
        self.encoder.forward(x, &mut self.z, &mut self.cache);
        self.classifier.forward(&self.z, &mut self.logits);
        let loss = cross_entropy::loss_grad(&self.logits, labels, &mut self.g_logits)?;
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.cls_grad.clear();
        self.classifier.backward(&self.z, &self.g_logits, &mut self.cls_grad);
        if self.update == EncoderUpdate::Train {
            self.classifier.backward_input(&self.g_logits, &mut self.g_z);
            self.enc_grad.clear();
            self.encoder.backward(x, &mut self.cache, &self.g_z, &mut self.enc_grad, None);
            self.encoder.apply_update(&opt, &mut self.enc_state, &self.enc_grad);
        }
        <Linear<T, C, K> as Encoder<T, K, C, B>>::apply_update(
            &mut self.classifier,
            &opt,
            &mut self.cls_state,
            &self.cls_grad,
        );
        self.steps += 1;
        Ok(loss)
    }

    /// The loss on `x` with `labels`, without updating anything.
    pub fn loss(&mut self, x: &Batch<T, D, B>, labels: &[usize]) -> Result<T, LabelError> {
        self.encoder.forward(x, &mut self.z, &mut self.cache);
        self.classifier.forward(&self.z, &mut self.logits);
        cross_entropy::loss(&self.logits, labels)
    }

    /// The predicted class of each column of `x` (`out.len() = B`).
    ///
    /// # Panics
    /// If `out.len()` is not `B`.
    pub fn predict(&mut self, x: &Batch<T, D, B>, out: &mut [usize]) {
        self.encoder.forward(x, &mut self.z, &mut self.cache);
        self.classifier.forward(&self.z, &mut self.logits);
        cross_entropy::predict(&self.logits, out);
    }

    /// The gradients of the last step: encoder (zero when frozen) and classifier.
    pub fn gradients(&self) -> (&E, &Linear<T, C, K>) {
        (&self.enc_grad, &self.cls_grad)
    }

    /// Optimizer updates so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }
}
