//! The search space: a short list of candidate configurations per kind of data, each a set of
//! options (`--encoder`, `--aug`, `--tau`, `--dim`) on top of the defaults. The list is taken
//! from the validation study in `DECISIONS.md` ("Defaults validation study"), not from any test
//! split:
//!
//! - **encoder** linear or MLP: the MLP is ahead on the validation folds of basic_motions and
//!   iris and on digits' linear probe, behind on the ring and on digits' kNN;
//! - **augmentation strength**: for series the default `jitter:0.1,scale:0.2,shift:0.05`, the
//!   weaker shift 0.03, `jitter:0.05,shift:0.03` (ties on kNN) and none (better on a
//!   univariate series outside the repo, issue 11), and the stronger shift 0.2 (basic_motions'
//!   folds: 93.8 / 80.2 against 71.4 / 80.7 for the default); the MLP with its default and
//!   with shift 0.1 (89.1 / 89.6 against 85.4 / 83.9; the weaker shift 0.03 was last of the
//!   MLP's candidates); for tabular rows `noise:0.5`, `noise:0.3` (the two tie) and none; for
//!   images the tabular list plus translations by up to a quarter and half a pixel with noise
//!   (`translate:0.25,noise:0.5` for both encoders, `translate:0.5,noise:0.5` for the MLP; on
//!   digits' validation quarters a translation adds nothing measurable and a whole pixel
//!   hurts, `DECISIONS.md` "The search, step 7: images"); for 2-D points the seed's
//!   `rotate:0.25,noise:0.05` and none;
//! - **the MLP's epochs on small series sets**: its default 500 and, with shift 0.1, a third of
//!   them ([`SHORT_MLP_EPOCHS`]) when there are fewer than 200 training rows (basic_motions'
//!   rounds: 89.8 against 86.3 for the mean of the two measures; worse on a 2-channel series
//!   outside the repo), trained as an encoder family of its own (`select.rs`);
//! - **temperature** 0.5 or 0.2 (0.2 is ahead on basic_motions, level elsewhere);
//! - **embedding size** the default (`min(16, d)` for the linear encoder, 16 for the MLP) or 32
//!   when `d ≥ 32` (digits: 93.1 / 97.6 against 92.9 / 97.2); not searched without labels,
//!   since RankMe is bounded by `K`.
//!
//! The projection head follows the encoder (none for linear, MLP for the MLP encoder): with a
//! linear encoder `--head mlp` was lower on every data set of the study.
//!
//! Options the user gave ([`RunArgs::explicit`]) are never overridden; candidates that become
//! the same configuration once those are removed are merged, the first kept.
//!
//! ```
//! use probe::search::space::Candidate;
//! let c = Candidate { tau: Some(0.2), ..Candidate::default() };
//! assert_eq!(c.flags(), "--tau 0.2");
//! assert_eq!(Candidate::default().flags(), "(defaults)");
//! ```

use super::validation::SMALL_TRAIN;
use crate::dataset::DataKind;
use crate::network::{EncoderKind, Represent};
use crate::settings::options::RunArgs;
use crate::settings::{MLP_EPOCHS, Method};

/// Embedding size tried besides the default when the data has at least this many features.
pub const WIDE_DIM: usize = 32;

/// The epochs of the series MLP candidate with a third of the MLP's default budget
/// ([`MLP_EPOCHS`], 500), tried on small training sets (fewer than [`SMALL_TRAIN`] rows, where
/// those 500 epochs are 500 passes over a few dozen rows). On basic_motions' validation rounds
/// the MLP with shift 0.1 scores 89.6 / 89.9 (linear probe / weighted kNN-20) at 167 epochs
/// against 84.7 / 87.9 at 500; on a 2-channel series outside the repo, 65.3 / 69.8 against
/// 76.0 / 81.9: the budget is searched, not changed (`DECISIONS.md`, "The search, step 6").
pub const SHORT_MLP_EPOCHS: usize = MLP_EPOCHS.div_ceil(3);

/// One configuration: the options it sets on top of the user's (`None`: left as given or
/// defaulted).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Candidate {
    /// `--encoder`.
    pub encoder: Option<EncoderKind>,
    /// `--aug`.
    pub aug: Option<String>,
    /// `--tau`.
    pub tau: Option<f64>,
    /// `--dim`.
    pub dim: Option<usize>,
    /// `--epochs`.
    pub epochs: Option<usize>,
}

impl Candidate {
    /// The options as command-line flags, `(defaults)` when it sets none.
    pub fn flags(&self) -> String {
        let mut f = Vec::new();
        if let Some(e) = self.encoder {
            f.push(format!("--encoder {}", encoder_name(e)));
        }
        if let Some(a) = &self.aug {
            f.push(format!("--aug {a}"));
        }
        if let Some(t) = self.tau {
            f.push(format!("--tau {t}"));
        }
        if let Some(k) = self.dim {
            f.push(format!("--dim {k}"));
        }
        if let Some(e) = self.epochs {
            f.push(format!("--epochs {e}"));
        }
        if f.is_empty() { "(defaults)".into() } else { f.join(" ") }
    }

    /// `args` with this candidate's options set.
    pub fn apply(&self, args: &RunArgs) -> RunArgs {
        let mut a = args.clone();
        if let Some(e) = self.encoder {
            a.encoder = e;
        }
        if let Some(s) = &self.aug {
            a.aug = Some(s.clone());
        }
        if let Some(t) = self.tau {
            a.tau = t;
        }
        if let Some(k) = self.dim {
            a.dim = Some(k);
        }
        if let Some(e) = self.epochs {
            a.epochs = Some(e);
        }
        a
    }

    /// This candidate without the options in `fixed` (clap ids: `encoder`, `aug`, `tau`, `dim`,
    /// `epochs`).
    fn without(&self, fixed: &[&str]) -> Candidate {
        let keep = |id: &str| !fixed.contains(&id);
        Candidate {
            encoder: self.encoder.filter(|_| keep("encoder")),
            aug: self.aug.clone().filter(|_| keep("aug")),
            tau: self.tau.filter(|_| keep("tau")),
            dim: self.dim.filter(|_| keep("dim")),
            epochs: self.epochs.filter(|_| keep("epochs")),
        }
    }
}

fn encoder_name(e: EncoderKind) -> &'static str {
    match e {
        EncoderKind::Linear => "linear",
        EncoderKind::Mlp => "mlp",
    }
}

/// The layers a candidate with run options `args` is scored at: an MLP encoder's output and its
/// hidden layer (SimCLR's `h`, before the projection head; [`Represent`]) when labels exist and
/// the user did not set `--represent`, else the one layer asked for. Both come from one
/// training, so trying the hidden layer costs an evaluation, not a training. Without labels
/// only the output is scored: RankMe is bounded by the width, which would favour the wider
/// hidden layer whatever it holds.
///
/// The hidden layer is searched, not the default, because the validation folds disagree:
/// digits 96.9 / 97.2 at the hidden layer against 95.0 / 96.1 at the output, basic_motions
/// 68.2 / 87.5 against 84.4 / 88.0 (`DECISIONS.md`, "The automatic search").
pub fn layers(args: &RunArgs, labels: bool) -> Vec<Represent> {
    let fixed = args.explicit.iter().any(|id| id == "represent");
    if args.encoder == EncoderKind::Mlp && labels && !fixed {
        vec![Represent::Output, Represent::Hidden]
    } else {
        vec![args.represent]
    }
}

/// The candidates for data of `kind` with `d` features and `n` training rows under the user's
/// `args`, the defaults first; `labels` says whether validation labels exist (without them the
/// embedding size is not searched). Empty when nothing is left to search (every searched option
/// fixed, or a method they do not apply to).
pub fn candidates(args: &RunArgs, kind: &DataKind, d: usize, n: usize, labels: bool) -> Vec<Candidate> {
    if args.method == Method::Ae {
        return Vec::new(); // the linear autoencoder takes no augmentation, no τ, no MLP
    }
    let mut fixed: Vec<&str> = args.explicit.iter().map(String::as_str).collect();
    if args.init.is_some() {
        fixed.extend(["encoder", "dim"]); // the --init weights fix the architecture
    }
    if !matches!(args.method, Method::Ntxent | Method::Infonce) {
        fixed.push("tau");
    }
    if !labels {
        fixed.push("dim");
    }
    let mlp = Some(EncoderKind::Mlp);
    let aug = |s: &str| Some(s.to_string());
    let mut all = vec![Candidate::default(), Candidate { tau: Some(0.2), ..Candidate::default() }];
    match kind {
        DataKind::Points2d => {
            all.push(Candidate { aug: aug("none"), ..Candidate::default() });
            all.push(Candidate { encoder: mlp, ..Candidate::default() });
        }
        DataKind::Tabular => {
            all.push(Candidate { aug: aug("noise:0.3"), ..Candidate::default() });
            all.push(Candidate { aug: aug("none"), ..Candidate::default() });
            if d >= WIDE_DIM {
                all.push(Candidate { dim: Some(WIDE_DIM), ..Candidate::default() });
            }
            all.push(Candidate { encoder: mlp, ..Candidate::default() });
            all.push(Candidate { encoder: mlp, aug: aug("noise:0.5"), ..Candidate::default() });
            all.push(Candidate { encoder: mlp, tau: Some(0.2), ..Candidate::default() });
            if d >= WIDE_DIM {
                all.push(Candidate { encoder: mlp, dim: Some(WIDE_DIM), ..Candidate::default() });
            }
        }
        DataKind::Image { .. } => {
            all.push(Candidate { aug: aug("noise:0.3"), ..Candidate::default() });
            all.push(Candidate { aug: aug("none"), ..Candidate::default() });
            all.push(Candidate { aug: aug("translate:0.25,noise:0.5"), ..Candidate::default() });
            if d >= WIDE_DIM {
                all.push(Candidate { dim: Some(WIDE_DIM), ..Candidate::default() });
            }
            all.push(Candidate { encoder: mlp, ..Candidate::default() });
            all.push(Candidate {
                encoder: mlp,
                aug: aug("translate:0.25,noise:0.5"),
                ..Candidate::default()
            });
            all.push(Candidate { encoder: mlp, aug: aug("translate:0.5,noise:0.5"), ..Candidate::default() });
            all.push(Candidate { encoder: mlp, tau: Some(0.2), ..Candidate::default() });
            if d >= WIDE_DIM {
                all.push(Candidate { encoder: mlp, dim: Some(WIDE_DIM), ..Candidate::default() });
            }
        }
        DataKind::Series { .. } => {
            all.push(Candidate { aug: aug("jitter:0.1,scale:0.2,shift:0.03"), ..Candidate::default() });
            all.push(Candidate { aug: aug("jitter:0.05,shift:0.03"), ..Candidate::default() });
            all.push(Candidate { aug: aug("none"), ..Candidate::default() });
            all.push(Candidate { aug: aug("jitter:0.1,scale:0.2,shift:0.2"), ..Candidate::default() });
            all.push(Candidate { encoder: mlp, ..Candidate::default() });
            all.push(Candidate { encoder: mlp, tau: Some(0.2), ..Candidate::default() });
            all.push(Candidate {
                encoder: mlp,
                aug: aug("jitter:0.1,scale:0.2,shift:0.1"),
                ..Candidate::default()
            });
            let mlp_allowed = !fixed.contains(&"encoder") || args.encoder == EncoderKind::Mlp;
            if n < SMALL_TRAIN && mlp_allowed {
                all.push(Candidate {
                    encoder: mlp,
                    aug: aug("jitter:0.1,scale:0.2,shift:0.1"),
                    epochs: Some(SHORT_MLP_EPOCHS),
                    ..Candidate::default()
                });
            }
        }
    }
    let mut out: Vec<Candidate> = Vec::new();
    for c in all.iter().map(|c| c.without(&fixed)) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.len() < 2 { Vec::new() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> RunArgs {
        let mut v = vec!["probe", "x.csv"];
        v.extend_from_slice(extra);
        let m = crate::cli::Cli::try_parse_from(&v).unwrap();
        let mut a = m.run;
        a.explicit = extra.iter().filter_map(|s| s.strip_prefix("--")).map(|s| s.replace('-', "_")).collect();
        a
    }

    #[test]
    fn user_set_options_are_not_searched() {
        let all = candidates(&args(&[]), &DataKind::Tabular, 64, 1000, true);
        assert!(all.iter().any(|c| c.encoder.is_some()) && all.iter().any(|c| c.tau.is_some()));
        let fixed =
            candidates(&args(&["--encoder", "mlp", "--tau", "0.3"]), &DataKind::Tabular, 64, 1000, true);
        assert!(fixed.len() >= 2);
        assert!(fixed.iter().all(|c| c.encoder.is_none() && c.tau.is_none()), "{fixed:?}");
        assert_eq!(fixed[0], Candidate::default());
    }

    #[test]
    fn nothing_to_search_gives_no_candidates() {
        let a = args(&["--aug", "none", "--tau", "0.5", "--encoder", "linear"]);
        assert!(candidates(&a, &DataKind::Points2d, 2, 1000, true).is_empty());
        assert!(candidates(&args(&["--method", "ae"]), &DataKind::Tabular, 64, 1000, true).is_empty());
    }

    #[test]
    fn the_short_mlp_budget_is_tried_on_small_series_sets_only() {
        let series = DataKind::Series { channels: 6, length: 100, source: "header" };
        let short = |c: &Candidate| c.epochs == Some(SHORT_MLP_EPOCHS);
        let small = candidates(&args(&[]), &series, 600, 40, true);
        assert_eq!(small.iter().filter(|c| short(c)).count(), 1, "{small:?}");
        assert!(small.iter().filter(|c| short(c)).all(|c| c.encoder == Some(EncoderKind::Mlp)));
        assert!(!candidates(&args(&[]), &series, 600, 200, true).iter().any(short));
        assert!(!candidates(&args(&[]), &DataKind::Tabular, 600, 40, true).iter().any(short));
        // The user's --epochs fixes the budget; with --encoder linear there is no MLP to shorten.
        assert!(
            !candidates(&args(&["--epochs", "50"]), &series, 600, 40, true)
                .iter()
                .any(|c| c.epochs.is_some())
        );
        assert!(!candidates(&args(&["--encoder", "linear"]), &series, 600, 40, true).iter().any(short));
        assert!(candidates(&args(&["--encoder", "mlp"]), &series, 600, 40, true).iter().any(short));
    }

    #[test]
    fn images_add_translations_to_the_tabular_list() {
        let image = DataKind::Image { height: 8, width: 8, source: "header" };
        let img = candidates(&args(&[]), &image, 64, 1000, true);
        let tab = candidates(&args(&[]), &DataKind::Tabular, 64, 1000, true);
        let translated = |c: &&Candidate| c.aug.as_deref().is_some_and(|a| a.contains("translate"));
        assert_eq!(img.iter().filter(translated).count(), 3, "{img:?}");
        assert!(img.iter().filter(translated).any(|c| c.encoder.is_none()));
        assert!(tab.iter().all(|c| !translated(&c)));
        assert_eq!(img[0], Candidate::default());
        assert!(
            candidates(&args(&["--aug", "noise:0.5"]), &image, 64, 1000, true)
                .iter()
                .all(|c| c.aug.is_none())
        );
    }

    #[test]
    fn without_labels_the_embedding_size_is_fixed() {
        assert!(candidates(&args(&[]), &DataKind::Tabular, 64, 1000, false).iter().all(|c| c.dim.is_none()));
        assert!(candidates(&args(&[]), &DataKind::Tabular, 64, 1000, true).iter().any(|c| c.dim.is_some()));
    }
}
