//! What the user asks for: the options of a training run (`probe FILE`, shared by
//! `probe compare`) and the kinds they choose from. [`super::resolve`] turns them, with the
//! data, into the one resolved [`super::Settings`].

use crate::network::{EncoderKind, HeadKind, Represent};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;

/// Self-supervised objective.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// One-directional InfoNCE (view a against view b, the seed's objective).
    Infonce,
    /// Symmetric NT-Xent (SimCLR), the safe default.
    Ntxent,
    /// Linear autoencoder (reconstruction, no augmentations).
    Ae,
    /// BYOL: predictor and moving-average target network (probe::methods).
    Byol,
    /// SimSiam: predictor and stop-gradient.
    Simsiam,
    /// Barlow Twins: cross-correlation pushed to the identity (λ = 1/K).
    Barlow,
    /// VICReg: variance, invariance, covariance (25/25/1).
    Vicreg,
}

/// Whether InfoNCE / NT-Xent compare embeddings on the unit sphere (`--normalize`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NormalizeKind {
    /// Cosine similarities (every paper's choice).
    L2,
    /// Raw dot products: the embedding's scale enters every logit.
    None,
}

/// Optimizer.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Plain SGD (momentum 0.9).
    Sgd,
    /// Adam (β = 0.9, 0.999).
    Adam,
}

/// Options of the pretrain-and-evaluate run.
#[derive(Args, Clone, Debug)]
pub struct RunArgs {
    /// CSV file to pretrain on and evaluate.
    #[arg(value_name = "CSV")]
    pub csv: Option<PathBuf>,

    /// Label column, by header name or 0-based index.
    #[arg(long, value_name = "NAME|INDEX", default_value = "label")]
    pub label: String,
    /// Pretrain and export embeddings without evaluation (a `label` column, if any, is ignored)
    /// [default: off].
    #[arg(long)]
    pub no_label: bool,
    /// Test fraction of the seeded stratified split (used when there is no `split` column).
    #[arg(long, value_name = "FRAC", default_value_t = 0.3)]
    pub test_frac: f64,
    /// Columns to leave out, by header name or 0-based index, comma-separated (e.g. `--drop
    /// id,0`) [default: none; an unnamed first column, the index pandas' to_csv writes, is
    /// always left out].
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub drop: Vec<String>,
    /// The only columns to use as features, by header name or 0-based index, comma-separated
    /// [default: every column except the label, `split` and --drop].
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub features: Vec<String>,
    /// Field delimiter: `,` `;` or `tab` [default: whichever of the three the header line
    /// holds most often outside quotes, `,` on a tie].
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Declare the features a channel-major time series with C channels
    /// [default: detected from headers t0..tL-1 or c0_t0..cC-1_tL-1].
    #[arg(long, value_name = "C")]
    pub channels: Option<usize>,
    /// Declare the features a row-major image of H rows × W columns of pixels
    /// [default: detected from headers pixel_0_0..pixel_{H-1}_{W-1}].
    #[arg(long, value_name = "HxW", value_parser = crate::dataset::kind::parse_image_size)]
    pub image: Option<(usize, usize)>,

    /// Self-supervised objective.
    #[arg(long, value_enum, default_value_t = Method::Ntxent)]
    pub method: Method,
    /// Embedding size K [default: 2 for 2-D data, else min(16, d), 16 for an MLP encoder].
    #[arg(long, value_name = "K")]
    pub dim: Option<usize>,
    /// Training epochs, 1 to 1 000 000 [default: linear encoder about 400 optimizer steps, ⌈400 / batches per epoch⌉, at most 150; MLP 500, at most 5 000 steps].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Batch size [default: 256, or the number of training rows if fewer].
    #[arg(long)]
    pub batch: Option<usize>,
    /// Learning rate [default: 0.01 with adam, 0.05 with sgd].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Encoder architecture (the representation that is evaluated).
    #[arg(long, value_enum, default_value_t = EncoderKind::Linear)]
    pub encoder: EncoderKind,
    /// Hidden units of the MLP encoder (--encoder mlp), at least 1.
    #[arg(long, value_name = "H", default_value_t = 128)]
    pub hidden: usize,
    /// The layer that is evaluated: `output` (the encoder's K outputs) or `hidden` (the MLP
    /// encoder's H ReLU units, before the K-dimensional layer and the head; SimCLR's `h`;
    /// needs --encoder mlp).
    #[arg(long, value_enum, default_value_t = Represent::Output)]
    pub represent: Represent,
    /// Projection head, used by the loss only [default: none with a linear encoder, mlp
    /// (K → 64 → K) with an MLP encoder].
    #[arg(long, value_enum)]
    pub head: Option<HeadKind>,
    /// Temperature τ of InfoNCE / NT-Xent, in [0.001, 1000] (outside it the softmax saturates).
    #[arg(long, default_value_t = 0.5)]
    pub tau: f64,
    /// Normalization of InfoNCE / NT-Xent: `l2` (cosine similarities) or `none` (raw dot
    /// products; the seed's pitfall "scale can dominate similarity").
    #[arg(long, value_enum, default_value_t = NormalizeKind::L2)]
    pub normalize: NormalizeKind,
    /// Memory queue of Q past embeddings used as extra negatives (MoCo; core's
    /// `InfoNceQueue`), with --method infonce only [default: 0, no queue].
    #[arg(long, value_name = "Q", default_value_t = 0)]
    pub queue: usize,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    pub optimizer: OptimizerKind,
    /// Weight decay (L2, added to the gradient).
    #[arg(long, value_name = "W", default_value_t = 1e-4)]
    pub weight_decay: f64,
    /// Augmentations (selfsup-core's spec), comma-separated `name:value`, applied in order
    /// [default: by data kind: 2-D points `rotate:0.25,noise:0.05`; tabular and images
    /// `noise:0.5`; time series `jitter:0.1,scale:0.2,shift:0.05`].
    /// Names: noise:STD; jitter:STD (the same, for series); rotate:MAX_RADIANS (coordinate
    /// pairs); uscale:LO:HI or uscale:V (each sample times U(LO, HI), U(1-V, 1+V)); scale:STD
    /// (each channel times N(1, STD²)); mask:P (zero each feature with probability P); scarf:P
    /// (replace each feature with probability P by the same feature of another sample of the
    /// batch); shift:FRAC (shift every channel by up to FRAC of its length, edge-padded);
    /// translate:PIXELS (move an image by up to PIXELS rows and columns, bilinear,
    /// edge-padded); `none` for no augmentation. Ignored by --method ae.
    #[arg(long, value_name = "SPEC")]
    pub aug: Option<String>,
    /// Random seed: fixes the split, the initialisation, the batches and the augmentations.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of pretraining runs with seeds seed, seed+1, ...; the report gives mean ± std.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repeats: usize,
    /// Threads for the runs (seeds, and methods of `probe compare`) and the evaluation; the
    /// results do not depend on it [default: the number of cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Pretrain in f64 instead of f32 [default: off, f32].
    #[arg(long = "f64")]
    pub double: bool,
    /// Report directory (`--out`), default `reports/<csv stem>/` (the help text is in `help`:
    /// rustdoc would take `<csv stem>` for an HTML tag).
    #[arg(long, value_name = "DIR", help = "Report directory [default: reports/<csv stem>/]")]
    pub out: Option<PathBuf>,
    /// Also write the trained encoder and head (first seed) to DIR, all or nothing:
    /// `encoder.rs`, Rust `const` arrays a device loads with no parsing, and
    /// `encoder.safetensors` named as a PyTorch state dict (linear: `encoder.weight` (K, D);
    /// MLP: `encoder.0.weight` (H, D), `encoder.0.bias`, `encoder.2.weight` (K, H),
    /// `encoder.2.bias`; the head under `head.`; the input standardization as `input.mean`,
    /// `input.scale`) [default: no export].
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Start from the weights in a safetensors file (an `--export`, or a PyTorch state dict
    /// with the names above, f32/f64/f16/bf16) instead of a random initialisation, for every
    /// method and encoder; a shape or architecture that does not fit the run is an error. The
    /// report's `init` row scores them as loaded [default: random initialisation].
    #[arg(long, value_name = "FILE")]
    pub init: Option<PathBuf>,
    /// Skip the automatic search (`probe FILE` only): one run with the defaults as resolved
    /// from the data, as before the search existed [default: off: encoder, augmentation,
    /// temperature and embedding size are chosen on validation folds of the training rows].
    #[arg(long)]
    pub no_search: bool,
    /// The ids of the options given on the command line (clap's value sources, filled in by
    /// [`crate::commands::run_cli`]): the search keeps these fixed.
    #[arg(skip)]
    pub explicit: Vec<String>,
    /// No progress bar and no table on the terminal (errors are still printed) [default: off;
    /// the progress bar is also off when standard error is not a terminal].
    #[arg(long, short)]
    pub quiet: bool,
}
