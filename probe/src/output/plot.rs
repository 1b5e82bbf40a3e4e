//! SVG plots with plotters (SVG backend only): the training loss per epoch (one line per
//! run) and a 2-D scatter of the test embeddings coloured by label (the first two principal
//! components of the embedding when K > 2).

use super::compare::{CompareReport, Entry, EntryKind};
use crate::eval::pca::Pca;
use plotters::prelude::*;
use std::path::Path;

/// Class and line colours (Tableau 10), cycled; the ROC plot uses them too.
pub(super) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// An SVG document, or what went wrong drawing it.
type PlotResult = Result<String, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

/// Training loss per epoch; one line per run, labelled by seed.
pub fn loss_curve(title: &str, runs: &[(u64, Vec<f64>)]) -> PlotResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let epochs = runs.iter().map(|r| r.1.len()).max().unwrap_or(1).max(2);
        let (lo, hi) = range(runs.iter().flat_map(|r| r.1.iter().copied()));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..epochs as f64, lo..hi)
            .map_err(err)?;
        chart.configure_mesh().x_desc("epoch").y_desc("training loss").draw().map_err(err)?;
        for (i, (seed, losses)) in runs.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    losses.iter().enumerate().map(|(e, &l)| ((e + 1) as f64, l)),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("seed {seed}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Scatter of row-major embeddings `z` (`n × k`) coloured by `labels`, projected to their
/// first two principal components when `k > 2`.
pub fn embedding_scatter(
    title: &str,
    z: &[f64],
    k: usize,
    labels: &[usize],
    classes: &[String],
) -> PlotResult {
    let (pts, axes): (Vec<(f64, f64)>, (&str, &str)) = if k == 1 {
        (z.iter().map(|&v| (v, 0.0)).collect(), ("z0", ""))
    } else if k == 2 {
        (z.chunks_exact(2).map(|c| (c[0], c[1])).collect(), ("z0", "z1"))
    } else {
        let p = Pca::fit(z, k, 2);
        let t = p.transform(z);
        (t.chunks_exact(2).map(|c| (c[0], c[1])).collect(), ("PC 1 of the embedding", "PC 2"))
    };
    // The legend gets a column of its own to the right of the points (the x range is widened
    // by LEGEND_COLUMN of its width), so it never hides data.
    const LEGEND_COLUMN: f64 = 0.3;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (x0, x1) = range(pts.iter().map(|p| p.0));
        let x1 = x1 + LEGEND_COLUMN * (x1 - x0);
        let (y0, y1) = range(pts.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart.configure_mesh().x_desc(axes.0).y_desc(axes.1).draw().map_err(err)?;
        for (c, name) in classes.iter().enumerate() {
            let color = PALETTE[c % PALETTE.len()];
            chart
                .draw_series(
                    pts.iter()
                        .zip(labels)
                        .filter(|(_, l)| **l == c)
                        .map(|(p, _)| Circle::new(*p, 3, color.mix(0.8).filled())),
                )
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.8))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Alignment (x) against uniformity (y), one labelled point per entry.
pub fn scatter(r: &CompareReport) -> PlotResult {
    let e = |x: plotters::drawing::DrawingAreaErrorKind<_>| x.to_string();
    let pts: Vec<(&Entry, (f64, f64))> = r
        .entries
        .iter()
        .map(|en| (en, (en.scores.mean.alignment, en.scores.mean.uniformity)))
        .filter(|(_, p)| p.0.is_finite() && p.1.is_finite())
        .collect();
    let span = |v: Vec<f64>| {
        let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.15).max(0.05);
        (lo - pad, hi + pad)
    };
    let (x0, x1) = span(pts.iter().map(|p| p.1.0).collect());
    let (y0, y1) = span(pts.iter().map(|p| p.1.1).collect());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        let name =
            Path::new(&r.file).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{name}: alignment vs uniformity (lower-left is better)"), ("sans-serif", 18))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|x| x.to_string())?;
        chart
            .configure_mesh()
            .x_desc("alignment  E‖ẑ_a − ẑ_b‖²")
            .y_desc("uniformity  log E exp(−2‖ẑ_i − ẑ_j‖²)")
            .draw()
            .map_err(|x| x.to_string())?;
        for (i, (en, p)) in pts.iter().enumerate() {
            let color = if en.kind == EntryKind::Baseline {
                RGBColor(140, 140, 140)
            } else {
                METHOD_PALETTE[i % METHOD_PALETTE.len()]
            };
            let style = if en.collapsed { color.stroke_width(2) } else { color.filled() };
            let label =
                if en.collapsed { format!("{} (collapsed)", en.scores.name) } else { en.scores.name.clone() };
            chart.draw_series(std::iter::once(Circle::new(*p, 6, style))).map_err(|x| x.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    *p,
                    ("sans-serif", 14).into_font().color(&color),
                )))
                .map_err(|x| x.to_string())?;
        }
        root.present().map_err(e)?;
    }
    Ok(svg)
}

/// Method colours: plot.rs's Tableau 10 without its greys and olive, because grey marks the
/// baselines (raw, random, PCA) in this plot.
const METHOD_PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];
