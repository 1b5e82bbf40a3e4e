//! The SVG plots of `probe sweep` (plotters, SVG backend): for each factor, one figure of
//! seven panels — linear-probe and weighted-kNN accuracy, final pretext loss, `log N − L`,
//! alignment, uniformity, effective rank — each the mean over seeds at every value of the
//! factor (in the order given; a categorical axis, so `tau` and `method` plot alike) with
//! error bars of ±1 std; and `loss_vs_accuracy.svg`, every point's pretext loss against its
//! linear-probe accuracy (coloured by factor) — a low loss is no promise of accuracy.

use super::plot::{Frame, PALETTE, err, legend, svg_document};
use super::sweep::{Point, SweepReport, label};
use plotters::prelude::*;

type Metric = (&'static str, fn(&Point) -> Option<(f64, f64)>);

const METRICS: [Metric; 7] = [
    ("linear-probe accuracy (%)", |p| {
        p.pretrained.as_ref().map(|r| (r.mean.linear_probe_accuracy, r.std.linear_probe_accuracy))
    }),
    ("weighted kNN-20 accuracy (%)", |p| {
        p.pretrained.as_ref().map(|r| (r.mean.knn_k20_weighted, r.std.knn_k20_weighted))
    }),
    ("final pretext loss", |p| Some((p.final_loss.mean, p.final_loss.std))),
    ("log N − L", |p| p.mi_bound.map(|m| (m.mean, m.std))),
    ("alignment", |p| p.pretrained.as_ref().map(|r| (r.mean.alignment, r.std.alignment))),
    ("uniformity", |p| p.pretrained.as_ref().map(|r| (r.mean.uniformity, r.std.uniformity))),
    ("effective rank", |p| p.pretrained.as_ref().map(|r| (r.mean.effective_rank, r.std.effective_rank))),
];

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6 * hi.abs().max(1.0));
    (lo - pad, hi + pad)
}

/// The frame of each of a factor's seven panels.
const PANEL: Frame = Frame { font: 14, margin: 8, x_labels: 28, y_labels: 52 };

/// A vertical bar from `y − s` to `y + s` at `x`, with caps `cap` wide on each side.
fn error_bar(x: f64, y: f64, s: f64, cap: f64, style: ShapeStyle) -> PathElement<(f64, f64)> {
    let (lo, hi) = (y - s, y + s);
    PathElement::new(
        vec![(x - cap, lo), (x + cap, lo), (x, lo), (x, hi), (x - cap, hi), (x + cap, hi)],
        style,
    )
}

/// `(file name, SVG)` of every plot.
pub fn plots(r: &SweepReport) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for v in &r.vary {
        let name = v.factor.as_str();
        // (x position, point): the points that set this factor.
        let pts: Vec<(usize, &Point)> = r
            .points
            .iter()
            .filter(|p| r.grid || p.set.len() == 1)
            .filter_map(|p| {
                let x = p.set.iter().find(|(f, _)| f == name)?;
                Some((v.values.iter().position(|y| *y == x.1)?, p))
            })
            .collect();
        out.push((format!("{name}.svg"), factor_plot(name, &v.values, &pts)?));
    }
    out.push(("loss_vs_accuracy.svg".into(), loss_vs_accuracy(r)?));
    Ok(out)
}

fn factor_plot(name: &str, values: &[String], pts: &[(usize, &Point)]) -> Result<String, String> {
    svg_document((1280, 600), |root| {
        let root = root.titled(&format!("probe sweep: {name}"), ("sans-serif", 20)).map_err(err)?;
        let panels = root.split_evenly((2, 4));
        let n = values.len().max(1) as f64;
        for ((title, get), area) in METRICS.iter().zip(&panels) {
            let ys: Vec<(usize, f64, f64)> = pts
                .iter()
                .filter_map(|(x, p)| get(p).map(|(m, s)| (*x, m, s)))
                .filter(|t| t.1.is_finite())
                .collect();
            let (lo, hi) = range(ys.iter().flat_map(|&(_, m, s)| [m - s, m + s]));
            let mut chart = PANEL.chart(area, title, -0.5f64..n - 0.5, lo..hi)?;
            let labels = values.to_vec();
            chart
                .configure_mesh()
                .max_light_lines(0)
                .x_labels(values.len() * 2 + 1)
                .x_label_formatter(&move |x| {
                    let i = x.round();
                    if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                        labels[i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .x_desc(name)
                .draw()
                .map_err(err)?;
            let color = PALETTE[0];
            chart
                .draw_series(
                    ys.iter().map(|&(x, m, s)| error_bar(x as f64, m, s, 0.08, color.stroke_width(2))),
                )
                .map_err(err)?;
            chart
                .draw_series(ys.iter().map(|&(x, m, _)| Circle::new((x as f64, m), 4, color.filled())))
                .map_err(err)?;
            if pts.iter().all(|(_, p)| p.set.len() == 1) {
                chart
                    .draw_series(LineSeries::new(ys.iter().map(|&(x, m, _)| (x as f64, m)), color.mix(0.5)))
                    .map_err(err)?;
            }
        }
        Ok(())
    })
}

fn loss_vs_accuracy(r: &SweepReport) -> Result<String, String> {
    let pts: Vec<(f64, f64, f64, usize, String)> = r
        .points
        .iter()
        .filter_map(|p| {
            let acc = p.pretrained.as_ref()?;
            let f = r.vary.iter().position(|v| p.set.first().is_some_and(|(n, _)| *n == v.factor))?;
            Some((
                p.final_loss.mean,
                acc.mean.linear_probe_accuracy,
                acc.std.linear_probe_accuracy,
                f,
                label(&p.set),
            ))
        })
        .filter(|t| t.0.is_finite())
        .collect();
    svg_document((760, 520), |root| {
        let (x0, x1) = range(pts.iter().map(|t| t.0));
        let (y0, y1) = range(pts.iter().flat_map(|t| [t.1 - t.2, t.1 + t.2]));
        let title = "pretext loss vs linear-probe accuracy (every point)";
        let mut chart = Frame::PLAIN.chart(root, title, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc("final pretext loss")
            .y_desc("linear-probe accuracy (%)")
            .draw()
            .map_err(err)?;
        for (fi, v) in r.vary.iter().enumerate() {
            let color = PALETTE[fi % PALETTE.len()];
            let mine: Vec<_> = pts.iter().filter(|t| t.3 == fi).collect();
            chart
                .draw_series(mine.iter().map(|t| error_bar(t.0, t.1, t.2, 0.0, color.into())))
                .map_err(err)?;
            chart
                .draw_series(mine.iter().map(|t| {
                    EmptyElement::at((t.0, t.1))
                        + Circle::new((0, 0), 5, color.filled())
                        + Text::new(t.4.clone(), (6, -12), ("sans-serif", 11))
                }))
                .map_err(err)?
                .label(v.factor.as_str())
                .legend(move |(x, y)| Circle::new((x + 6, y), 5, color.filled()));
        }
        legend(&mut chart, None, 0.8)
    })
}
