//! Weights in and out: probe's networks as a PyTorch-style state dict in
//! [safetensors](https://github.com/huggingface/safetensors) (`--export DIR`, `--init FILE`),
//! and as Rust `const` arrays a device `include!`s.
//!
//! **Tensor names** follow a PyTorch `state_dict`, so a file loads into `torch.nn` modules as is:
//!
//! | network | PyTorch module | tensors (shape) |
//! |---|---|---|
//! | linear encoder `z = W x` | `nn.Linear(D, K, bias=False)` | `encoder.weight` (K, D) |
//! | MLP encoder `z = W₂ relu(W₁ x + b₁) + b₂` | `nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, K))` | `encoder.0.weight` (H, D), `encoder.0.bias` (H), `encoder.2.weight` (K, H), `encoder.2.bias` (K) |
//! | linear head | `nn.Linear(K, K)` | `head.weight` (K, K), `head.bias` (K) |
//! | MLP head | `nn.Sequential(nn.Linear(K, 64), nn.ReLU(), nn.Linear(64, K))` | `head.0.weight`, `head.0.bias`, `head.2.weight`, `head.2.bias` |
//! | input standardization | — | `input.mean` (D), `input.scale` (D) |
//!
//! Every weight is **row-major** `(out_features, in_features)` like `nn.Linear.weight`; selfsup's
//! matrices are column-major (nalgebra), the conversion is done here.
//!
//! **Input standardization** (one convention): the encoder sees `x_enc = (x − mean) / scale`
//! where `x` is the raw CSV row; `mean` and `scale` compose probe's train standardization with the
//! per-channel map of time series ([`Standardization::of_dataset`]). They are separate tensors,
//! never folded into the first layer, so the layer tensors are exactly the trained parameters.
//! `--init` does not use them: probe standardizes the CSV itself with its train statistics.
//!
//! **Reading** accepts the names above, the same names without the `encoder.` prefix (the
//! `state_dict` of a bare `nn.Linear` / `nn.Sequential`), dtypes F32, F64, F16 and BF16
//! (converted exactly), and finds the architecture from the names and shapes. Metadata
//! (`format = pt` and `selfsup.*`: architecture, sizes, layout, feature names, source) is
//! written for people and is not needed to read a file.
//!
//! Modules: [`net`] the parameters independent of any library (and their conversion to and
//! from core's layers), [`state_dict`] the safetensors file ([`dtype`] its value types), [`rust_source`] the `const`
//! arrays, [`export()`] the atomic `--export`, [`init`] the checked `--init`.

pub mod dtype;
pub mod export;
pub mod init;
pub mod net;
pub mod rust_source;
pub mod state_dict;

pub use export::{RUST_FILE, SAFETENSORS_FILE, export, export_net};
pub use init::{Architecture, load_init};
pub use net::{DenseWeights, LayerWeights, NetWeights, Precision};
pub use state_dict::{Checkpoint, Standardization};
