//! One-directional InfoNCE with extra negatives from a MoCo queue of past embeddings (He et
//! al., 2020, "Momentum Contrast for Unsupervised Visual Representation Learning"), computed
//! with streaming log-sum-exp (no `B × B` or `B × Q` matrix).
//!
//! With `a_i`, `b_j` the normalized embeddings of the two views and `n_1 … n_q` the keys held
//! in the [`EmbeddingQueue`] (normalized, detached):
//!
//! `L = (1/B) Σ_i [ log( Σ_j exp(a_i·b_j/τ) + Σ_q exp(a_i·n_q/τ) ) − a_i·b_i/τ ]`
//!
//! — the reference program's InfoNCE ([`InfoNce`](super::InfoNce)) whose denominators also hold the queue.
//! Gradients: with `p` the softmax weights of anchor `i` over its `B + q` candidates,
//! `∂L/∂a_i = (1/Bτ) [Σ_j (p_ij − δ_ij) b_j + Σ_q p_iq n_q]`,
//! `∂L/∂b_j = (1/Bτ) Σ_i (p_ij − δ_ij) a_i`; the keys get none (MoCo's stop-gradient). Then
//! back through the L2 normalization.
//!
//! [`PairLoss::loss_grad`] then **enqueues** the batch's normalized `b_j` (MoCo's
//! enqueue/dequeue: the oldest keys leave); [`PairLoss::loss`] leaves the queue alone. MoCo
//! produces the keys with a momentum (EMA) copy of the encoder; here they come from whatever
//! produced `z_b` (the same encoder in the device example, i.e. a memory of recent
//! embeddings). With an empty queue the loss equals [`StreamingInfoNce`](super::StreamingInfoNce) bit for bit.
//!
//! With [`Normalization::None`] the embeddings (and the stored keys) are taken as they are,
//! and the gradient skips the normalization backward.
//!
//! Chance level: `log(B + q)`. Default temperature: `τ = 0.2` (MoCo v2, and the reference program).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{InfoNceQueue, PairLoss};
//! let z = SMatrix::<f64, 2, 2>::new(1.0, 0.0, 0.0, 1.0);
//! let mut loss = InfoNceQueue::<f64, Const<2>, Const<2>, Const<4>>::new(0.5, Const, Const, Const).unwrap();
//! let (mut ga, mut gb) = (SMatrix::<f64, 2, 2>::zeros(), SMatrix::<f64, 2, 2>::zeros());
//! let first = loss.loss_grad(&z, &z, &mut ga, &mut gb); // empty queue: 2 candidates per anchor
//! assert_eq!(loss.queue().len(), 2);
//! let second = loss.loss(&z, &z); // now also contrasted with the two stored keys
//! assert!(second > first);
//! ```

use super::infonce_sweeps::{onedir_backward, onedir_forward};
use super::lse::LseMode;
use super::{LossError, PairLoss, checks};
use crate::dims::{Batch, EmbedDims, Vector, zeros};
use crate::normalize::{NORM_EPS, Normalization, NormalizedPair};
use crate::stream::EmbeddingQueue;
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// InfoNCE with in-batch negatives plus a queue of `Q` past keys, streaming log-sum-exp.
#[derive(Clone, Debug)]
pub struct InfoNceQueue<T: Real, K: Dim, B: Dim, Q: Dim>
where
    DefaultAllocator: EmbedDims<K, B> + Allocator<K, Q>,
{
    /// Temperature `τ`.
    pub tau: T,
    /// Norm guard of the L2 normalization ([`NORM_EPS`] by default).
    pub eps: T,
    /// How the log-sum-exp is computed ([`LseMode::Online`] by default).
    pub mode: LseMode,
    queue: EmbeddingQueue<T, K, Q>,
    v: NormalizedPair<T, K, B>,
    m: Vector<T, B>,
    s: Vector<T, B>,
}

impl<T: Real, K: Dim, B: Dim, Q: Dim> InfoNceQueue<T, K, B, Q>
where
    DefaultAllocator: EmbedDims<K, B> + Allocator<K, Q>,
{
    /// A loss for embeddings of size `k`, batches of `b`, a queue of `q` keys (empty at first),
    /// temperature `tau`, online mode.
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 1` (the queue gives the negatives) and `tau` is finite and
    /// `> 0`.
    pub fn new(tau: f64, k: K, b: B, q: Q) -> Result<Self, LossError> {
        checks::sizes("InfoNCE with a queue", k.value(), b.value(), 1)?;
        Ok(Self {
            tau: lit(checks::temperature("InfoNCE with a queue", tau)?),
            eps: lit(NORM_EPS),
            mode: LseMode::Online,
            queue: EmbeddingQueue::new(k, q),
            v: NormalizedPair::new(k, b),
            m: zeros(b, U1),
            s: zeros(b, U1),
        })
    }

    /// The same loss on L2-normalized embeddings (the default) or on the embeddings as they
    /// are ([`Normalization::None`]).
    pub fn with_normalization(mut self, mode: Normalization) -> Self {
        self.v.mode = mode;
        self
    }

    /// The same loss with another [`LseMode`].
    pub fn with_mode(mut self, mode: LseMode) -> Self {
        self.mode = mode;
        self
    }

    /// The queue of keys (read only).
    pub fn queue(&self) -> &EmbeddingQueue<T, K, Q> {
        &self.queue
    }

    /// The queue of keys, e.g. to fill it from elsewhere or [`EmbeddingQueue::clear`] it.
    pub fn queue_mut(&mut self) -> &mut EmbeddingQueue<T, K, Q> {
        &mut self.queue
    }

    /// `log(B + q) − L`: the InfoNCE lower bound on the mutual information with `B + q`
    /// candidates per anchor.
    pub fn mi_lower_bound(&self, loss: T) -> T {
        T::of_usize(self.v.a.ncols() + self.queue.len()).ln_() - loss
    }

    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.v.forward(z_a, z_b, self.eps);
        let (k, n) = self.v.a.shape();
        let total = onedir_forward(
            self.v.a.as_slice(),
            self.v.b.as_slice(),
            self.queue.as_slice(),
            k,
            T::one() / self.tau,
            self.mode,
            self.v.unit(),
            self.m.as_mut_slice(),
            self.s.as_mut_slice(),
        );
        total / T::of_usize(n)
    }
}

impl<T: Real, K: Dim, B: Dim, Q: Dim> PairLoss<T, K, B> for InfoNceQueue<T, K, B, Q>
where
    DefaultAllocator: EmbedDims<K, B> + Allocator<K, Q>,
{
    /// Loss and gradients against the current queue, then enqueues the batch's normalized `b_j`.
    fn loss_grad(
        &mut self,
        z_a: &Batch<T, K, B>,
        z_b: &Batch<T, K, B>,
        grad_a: &mut Batch<T, K, B>,
        grad_b: &mut Batch<T, K, B>,
    ) -> T {
        let loss = self.forward(z_a, z_b);
        let (k, n) = self.v.a.shape();
        onedir_backward(
            self.v.a.as_slice(),
            self.v.b.as_slice(),
            self.queue.as_slice(),
            k,
            T::one() / self.tau,
            T::one() / (T::of_usize(n) * self.tau),
            self.m.as_slice(),
            self.s.as_slice(),
            grad_a.as_mut_slice(),
            grad_b.as_mut_slice(),
        );
        self.v.backward(grad_a, grad_b, self.eps);
        self.queue.push_columns(self.v.b.as_slice());
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}
