//! Building the learner of a run from its [`Settings`]: the encoder `f` (`--encoder`), the
//! head `g` (`--head`), for BYOL and SimSiam the predictor `q`, the loss and the optimizer,
//! behind core's one [`Learner`] interface.
//!
//! The networks are drawn from the run's generator in a fixed order: `f`, then `g`, then `q`
//! (only for the methods that use one), so every method starts from the same encoder for a
//! given seed, and the generator's later draws (batches, augmentations) do not depend on
//! networks a method does not use. The autoencoder draws its encoder, then its decoder.
//! `--init` weights replace the drawn ones afterwards, so batches and augmentations match a
//! run without `--init`.

use crate::error::Result;
use crate::network::{Embedder, EncoderKind, HeadKind, Layer, Net};
use crate::settings::{Method, NormalizeKind, OptimizerKind, Settings};
use crate::weights::{NetWeights, Precision};
use nalgebra::Dyn;
use selfsup_core::Real;
use selfsup_core::dims::Mat;
use selfsup_core::encoder::{Bias, Init, WithHead};
use selfsup_core::loss::{BarlowTwins, InfoNce, InfoNceQueue, LinearAutoencoder, NtXent, PairLoss, VicReg};
use selfsup_core::normalize::Normalization;
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::Rng;
use selfsup_core::train::Siamese;
use selfsup_core::train::siamese::Target;
use selfsup_core::train::simsiam::{Prediction, StopGradient};
use selfsup_core::train::{AeTrainer, Learner, Trainer};

/// Initialisation of the linear encoder (the reference programs'), and of the random
/// baseline.
pub const INIT: Init = Init::Normal { std: 0.1 };

/// A pair loss chosen at run time.
pub enum AnyLoss<T: Real> {
    /// One-directional InfoNCE.
    InfoNce(InfoNce<T, Dyn, Dyn>),
    /// Symmetric NT-Xent.
    NtXent(NtXent<T, Dyn, Dyn>),
    /// One-directional InfoNCE with a memory queue of past embeddings.
    Queue(InfoNceQueue<T, Dyn, Dyn, Dyn>),
    /// Barlow Twins.
    Barlow(BarlowTwins<T, Dyn, Dyn>),
    /// VICReg.
    VicReg(VicReg<T, Dyn, Dyn>),
}

impl<T: Real> PairLoss<T, Dyn, Dyn> for AnyLoss<T> {
    fn loss_grad(
        &mut self,
        a: &Mat<T, Dyn, Dyn>,
        b: &Mat<T, Dyn, Dyn>,
        ga: &mut Mat<T, Dyn, Dyn>,
        gb: &mut Mat<T, Dyn, Dyn>,
    ) -> T {
        match self {
            AnyLoss::InfoNce(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::NtXent(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::Queue(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::Barlow(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::VicReg(l) => l.loss_grad(a, b, ga, gb),
        }
    }

    fn loss(&mut self, a: &Mat<T, Dyn, Dyn>, b: &Mat<T, Dyn, Dyn>) -> T {
        match self {
            AnyLoss::InfoNce(l) => l.loss(a, b),
            AnyLoss::NtXent(l) => l.loss(a, b),
            AnyLoss::Queue(l) => l.loss(a, b),
            AnyLoss::Barlow(l) => l.loss(a, b),
            AnyLoss::VicReg(l) => l.loss(a, b),
        }
    }
}

type PairTrainer<T> = Trainer<T, Dyn, Dyn, Dyn, Net<T>, AnyLoss<T>>;
type SiameseLearner<T> = Siamese<T, Dyn, Dyn, Dyn, Net<T>, Layer<T>>;
type AeLearner<T> = AeTrainer<T, Dyn, Dyn, Dyn>;

/// The learner of a run, with access to the networks it trains.
pub enum AnyLearner<T: Real> {
    /// InfoNCE, NT-Xent, Barlow Twins, VICReg: core's contrastive `Trainer`.
    Pair(Box<PairTrainer<T>>),
    /// BYOL and SimSiam: core's `Siamese`.
    Siamese(Box<SiameseLearner<T>>),
    /// The linear autoencoder.
    Ae(Box<AeLearner<T>>),
}

impl<T: Real> AnyLearner<T> {
    /// Core's learner interface.
    pub fn learner(&mut self) -> &mut dyn Learner<T, Dyn, Dyn> {
        match self {
            AnyLearner::Pair(l) => l.as_mut(),
            AnyLearner::Siamese(l) => l.as_mut(),
            AnyLearner::Ae(l) => l.as_mut(),
        }
    }

    fn net(&self) -> Option<&Net<T>> {
        match self {
            AnyLearner::Pair(t) => Some(&t.encoder),
            AnyLearner::Siamese(s) => Some(&s.net),
            AnyLearner::Ae(_) => None,
        }
    }

    /// The encoder `f` as it is now, frozen in f64.
    pub fn encoder(&self) -> Embedder {
        match (self.net(), self) {
            (Some(n), _) => n.encoder.embedder(),
            (None, AnyLearner::Ae(a)) => Layer::Linear(a.ae.enc.clone()).embedder(),
            (None, _) => unreachable!("only the autoencoder has no Net"),
        }
    }

    /// The head `g` as it is now (`None` without a head).
    pub fn head(&self) -> Option<Embedder> {
        self.net().filter(|n| !matches!(n.head, Layer::Identity(_))).map(|n| n.head.embedder())
    }

    /// The trained parameters, for `--export`.
    pub fn weights(&self) -> NetWeights {
        match (self.net(), self) {
            (Some(n), _) => NetWeights::of(n),
            (None, AnyLearner::Ae(a)) => {
                let e = Layer::Linear(a.ae.enc.clone()).embedder();
                let l = &e.layers[0];
                NetWeights::linear(l.outputs, l.inputs, &l.w, Precision::of::<T>())
            }
            (None, _) => unreachable!("only the autoencoder has no Net"),
        }
    }
}

/// Builds the learner of `s.method` for inputs of `d` features (see the module docs for the
/// order of the random draws), starting from `s.init` when given.
pub fn build<T: Real>(d: usize, n: usize, s: &Settings, rng: &mut Rng) -> Result<AnyLearner<T>> {
    let (k, b) = (s.dim, s.batch);
    let opt: Optimizer<T> = match s.optimizer {
        OptimizerKind::Adam => Optimizer::adam(s.lr, s.weight_decay),
        OptimizerKind::Sgd => Optimizer::sgd(s.lr, 0.9, s.weight_decay),
    };
    let shape = (Dyn(d), Dyn(k), Dyn(b));
    if s.method == Method::Ae {
        let mut ae = LinearAutoencoder::<T, Dyn, Dyn>::new(Dyn(k), Dyn(d), INIT, Bias::No, rng);
        if let Some(init) = &s.init {
            let mut net = WithHead::new(Layer::Linear(ae.enc.clone()), Layer::Identity(k), Dyn(k));
            init.apply(&mut net);
            if let Layer::Linear(enc) = net.encoder {
                ae.enc = enc;
            }
        }
        return Ok(AnyLearner::Ae(Box::new(AeTrainer::new(ae, opt, Dyn(b)))));
    }
    let m = &s.model;
    let f = match m.encoder {
        EncoderKind::Linear => Layer::linear(d, k, true, rng),
        EncoderKind::Mlp => Layer::mlp(d, m.hidden, k, rng),
    };
    let g = match m.head {
        HeadKind::None => Layer::Identity(k),
        HeadKind::Linear => Layer::linear(k, k, false, rng),
        HeadKind::Mlp => Layer::mlp(k, m.head_hidden, k, rng),
    };
    let mut net: Net<T> = WithHead::new(f, g, Dyn(k));
    // The predictor (BYOL, SimSiam) is drawn after f and g, and only when used.
    let predictor = if matches!(s.method, Method::Byol | Method::Simsiam) {
        Layer::mlp(k, m.predictor_hidden, k, rng)
    } else {
        Layer::Identity(k)
    };
    if let Some(init) = &s.init {
        init.apply(&mut net);
    }
    let norm = match m.normalize {
        NormalizeKind::L2 => Normalization::L2,
        NormalizeKind::None => Normalization::None,
    };
    let loss = match s.method {
        Method::Infonce if m.queue > 0 => {
            let l = InfoNceQueue::new(s.tau, Dyn(k), Dyn(b), Dyn(m.queue))?;
            Some(AnyLoss::Queue(l.with_normalization(norm)))
        }
        Method::Infonce => {
            Some(AnyLoss::InfoNce(InfoNce::new(s.tau, Dyn(k), Dyn(b))?.with_normalization(norm)))
        }
        Method::Ntxent => Some(AnyLoss::NtXent(NtXent::new(s.tau, Dyn(k), Dyn(b))?.with_normalization(norm))),
        Method::Barlow => Some(AnyLoss::Barlow(BarlowTwins::new(m.barlow_lambda, Dyn(k), Dyn(b))?)),
        Method::Vicreg => Some(AnyLoss::VicReg(VicReg::lightly(Dyn(k), Dyn(b))?)),
        Method::Byol | Method::Simsiam | Method::Ae => None,
    };
    if let Some(loss) = loss {
        return Ok(AnyLearner::Pair(Box::new(Trainer::new(net, loss, opt, s.aug.clone(), shape))));
    }
    match s.method {
        Method::Byol => {
            let steps = s.epochs * (n / b);
            let byol = Siamese::byol(net, predictor, opt, s.aug.clone(), shape, m.tau_base, steps);
            Ok(AnyLearner::Siamese(Box::new(byol)))
        }
        Method::Simsiam => {
            let mut l = Siamese::simsiam(net, predictor, opt, s.aug.clone(), shape);
            l.target = Target::Online(if m.stop_gradient { StopGradient::On } else { StopGradient::Off });
            l.prediction = if m.predictor { Prediction::On } else { Prediction::Off };
            Ok(AnyLearner::Siamese(Box::new(l)))
        }
        _ => unreachable!("the autoencoder and the pair losses returned above"),
    }
}
