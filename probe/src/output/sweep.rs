//! The report of `probe sweep`: `sweep.json` (schema `probe-sweep/1`: the base configuration
//! as in `report.json`, then every point with its settings, its command line, the pretrained
//! encoder's scores per seed in the run report's own [`RepresentationReport`], the pretext
//! loss and the mutual-information bound, diverged and collapsed seeds; no timings, so the same
//! command gives a byte-identical file), and the table of the terminal and `sweep.md`.

use super::report::{Config, RepresentationReport};
use crate::settings::Settings;
use serde::Serialize;

/// Schema tag of `sweep.json`.
pub const SCHEMA: &str = "probe-sweep/1";

/// `sweep.json`.
#[derive(Clone, Debug, Serialize)]
pub struct SweepReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// The CSV as given.
    pub file: String,
    /// Training rows, test rows, features, classes.
    pub shape: [usize; 4],
    /// Every combination of the values (`true`) or one factor at a time (`false`).
    pub grid: bool,
    /// The factors and their values, in the order given.
    pub vary: Vec<Varied>,
    /// The base run's configuration (every point changes it in its varied fields only).
    pub base: Config,
    /// The points, in sweep order.
    pub points: Vec<Point>,
}

/// One factor of the sweep and its values, as given (`--vary tau=0.1,0.5`).
#[derive(Clone, Debug, Serialize)]
pub struct Varied {
    /// The factor's name (`tau`, `batch`, …).
    pub factor: String,
    /// Its values.
    pub values: Vec<String>,
}

/// Mean and sample standard deviation (n − 1; 0 for one value) of a per-seed quantity.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub std: f64,
}

impl Stat {
    /// Of `v` (NaN mean for no values).
    pub fn of(v: &[f64]) -> Self {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std = if v.len() > 1 {
            (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Self { mean, std }
    }
}

/// A seed whose training failed (diverged).
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// The seed.
    pub seed: u64,
    /// The error line.
    pub error: String,
}

/// One point of the sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// The factor values this point sets, e.g. `[["tau", "0.1"]]`.
    pub set: Vec<(String, String)>,
    /// The `probe` command that runs this point alone.
    pub command: String,
    /// The pretrained encoder's scores per seed and their mean ± std (null when every seed
    /// diverged).
    pub pretrained: Option<RepresentationReport>,
    /// Last epoch's pretext loss over the seeds that trained.
    pub final_loss: Stat,
    /// `log N − L` (InfoNCE / NT-Xent; null for the other methods).
    pub mi_bound: Option<Stat>,
    /// Seeds whose training diverged.
    pub diverged: Vec<Failure>,
    /// Seeds whose encoder the collapse guard flagged at the last epoch.
    pub collapsed: Vec<u64>,
    /// The resolved settings of the point.
    pub settings: Settings,
}

/// `tau=0.1 batch=16`.
pub fn label(set: &[(String, String)]) -> String {
    let v: Vec<String> = set.iter().map(|(f, x)| format!("{f}={x}")).collect();
    v.join(" ")
}

fn pm(s: Stat, p: usize, many: bool) -> String {
    if !s.mean.is_finite() {
        return "–".into();
    }
    if many { format!("{:.p$} ± {:.p$}", s.mean, s.std) } else { format!("{:.p$}", s.mean) }
}

/// The sweep table (Markdown, also readable on the terminal).
pub fn table(r: &SweepReport) -> String {
    let mut s = String::from(
        "| point | LR acc | kNN k=20 w | final loss | log N − L | align | unif | eff.rank | flags |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for p in &r.points {
        let many = p.settings.seeds.len() > 1;
        let cell = |f: &dyn Fn(&RepresentationReport) -> (f64, f64), d: usize| match &p.pretrained {
            Some(rep) => {
                let (mean, std) = f(rep);
                pm(Stat { mean, std }, d, many)
            }
            None => "–".into(),
        };
        let mut flags = Vec::new();
        if !p.diverged.is_empty() {
            flags.push(format!("diverged {}/{}", p.diverged.len(), p.settings.seeds.len()));
        }
        if !p.collapsed.is_empty() {
            flags.push(format!("collapsed {}/{}", p.collapsed.len(), p.settings.seeds.len()));
        }
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            label(&p.set),
            cell(&|r| (r.mean.linear_probe_accuracy, r.std.linear_probe_accuracy), 1),
            cell(&|r| (r.mean.knn_k20_weighted, r.std.knn_k20_weighted), 1),
            pm(p.final_loss, 3, many),
            p.mi_bound.map_or("–".into(), |m| pm(m, 3, many)),
            cell(&|r| (r.mean.alignment, r.std.alignment), 3),
            cell(&|r| (r.mean.uniformity, r.std.uniformity), 3),
            cell(&|r| (r.mean.effective_rank, r.std.effective_rank), 2),
            if flags.is_empty() { "–".into() } else { flags.join(", ") },
        ));
    }
    s
}

/// `sweep.md`: the table, the plots, and each point's command.
pub fn markdown(r: &SweepReport, table: &str, plots: &[(String, String)], total: f64, train: f64) -> String {
    let s = &r.base.settings;
    let mut m = format!(
        "# probe sweep: {}\n\n{} train / {} test rows × {} features, {} classes. {}; {} seed(s) per point ({}), the same split for every point. Base: method {}, K = {}, {} epochs, batch {}, lr {}, τ = {}, aug `{}`, head {}.\n\nLR acc / kNN: test accuracy (%) of the linear probe and the weighted 20-NN vote on the pretrained encoder; final loss: the last epoch's pretext loss; log N − L: the InfoNCE bound on the mutual information (N candidates per anchor); align / unif: Wang & Isola's alignment and uniformity of the test embedding; eff.rank: its effective rank. Mean ± std over seeds.\n\n",
        r.file,
        r.shape[0],
        r.shape[1],
        r.shape[2],
        r.shape[3],
        if r.grid { "Every combination of the values" } else { "One factor at a time around the base" },
        s.seeds.len(),
        s.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
        s.method.name(),
        s.dim,
        s.epochs,
        s.batch,
        s.lr,
        s.tau,
        s.aug,
        super::report::name_of(&s.model.head),
    );
    m.push_str(table);
    m.push('\n');
    for (name, _) in plots {
        m.push_str(&format!("![{name}]({name})\n\n"));
    }
    m.push_str("## Commands\n\nEach point is this `probe` run:\n\n");
    for p in &r.points {
        m.push_str(&format!("- {}: `{}`\n", label(&p.set), p.command));
        for f in &p.diverged {
            m.push_str(&format!("  - seed {}: {}\n", f.seed, f.error));
        }
    }
    m.push_str(&format!("\n{total:.1} s in all, {train:.1} s training.\n"));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_is_mean_and_sample_std() {
        let s = Stat::of(&[1.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert!((s.std - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(Stat::of(&[5.0]).std, 0.0);
        assert!(Stat::of(&[]).mean.is_nan());
    }
}
