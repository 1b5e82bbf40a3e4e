//! SVG plots with plotters (SVG backend only): the training loss per epoch (one line per
//! run) and a 2-D scatter of the test embeddings coloured by label (the first two principal
//! components of the embedding when K > 2).

use super::compare::{CompareReport, Entry, EntryKind};
use crate::eval::pca::Pca;
use plotters::coord::Shift;
use plotters::coord::ranged1d::AsRangedCoord;
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

/// The text of a drawing error.
pub(super) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// `[lo − pad, hi + pad]` around the values, `pad = max(frac · (hi − lo), min_pad)`; `[0, 1]`
/// when there are none (or one is not finite).
fn padded(v: impl Iterator<Item = f64>, frac: f64, min_pad: f64) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * frac).max(min_pad);
    (lo - pad, hi + pad)
}

/// An SVG document of `size` pixels: a white background, whatever `draw` puts on it.
pub(super) fn svg_document(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> PlotResult {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A chart with axes `X` × `Y` on the backend `DB`.
pub(super) type Chart<'a, DB, X, Y> = ChartContext<
    'a,
    DB,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// How a chart is laid out on its area: caption font size, margin, and the widths of the
/// x- and y-label areas, in pixels.
#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub(super) font: u32,
    pub(super) margin: u32,
    pub(super) x_labels: u32,
    pub(super) y_labels: u32,
}

impl Frame {
    /// The frame of the single-panel plots.
    pub(super) const PLAIN: Frame = Frame { font: 18, margin: 12, x_labels: 40, y_labels: 60 };

    /// A chart titled `title` on `area` with axes `x` × `y`.
    pub(super) fn chart<'a, DB: DrawingBackend, X: AsRangedCoord, Y: AsRangedCoord>(
        self,
        area: &'a DrawingArea<DB, Shift>,
        title: impl AsRef<str>,
        x: X,
        y: Y,
    ) -> Result<Chart<'a, DB, X, Y>, String> {
        ChartBuilder::on(area)
            .caption(title, ("sans-serif", self.font))
            .margin(self.margin)
            .x_label_area_size(self.x_labels)
            .y_label_area_size(self.y_labels)
            .build_cartesian_2d(x, y)
            .map_err(err)
    }
}

/// The series' legend: a black border on white of the given opacity, at `position` (plotters'
/// default place when `None`).
pub(super) fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: Option<SeriesLabelPosition>,
    opacity: f64,
) -> Result<(), String> {
    let mut labels = chart.configure_series_labels();
    if let Some(p) = position {
        labels.position(p);
    }
    labels.border_style(BLACK).background_style(WHITE.mix(opacity)).draw().map_err(err)
}

/// A legend mark: a short line of `style`.
pub(super) fn line_mark(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style)
}

/// Training loss per epoch; one line per run, labelled by seed.
pub fn loss_curve(title: &str, runs: &[(u64, Vec<f64>)]) -> PlotResult {
    svg_document((720, 440), |root| {
        let epochs = runs.iter().map(|r| r.1.len()).max().unwrap_or(1).max(2);
        let (lo, hi) = padded(runs.iter().flat_map(|r| r.1.iter().copied()), 0.05, 1e-9);
        let mut chart = Frame::PLAIN.chart(root, title, 1f64..epochs as f64, lo..hi)?;
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
                .legend(line_mark(color.stroke_width(2)));
        }
        legend(&mut chart, None, 0.8)
    })
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
    svg_document((800, 640), |root| {
        let (x0, x1) = padded(pts.iter().map(|p| p.0), 0.05, 1e-9);
        let x1 = x1 + LEGEND_COLUMN * (x1 - x0);
        let (y0, y1) = padded(pts.iter().map(|p| p.1), 0.05, 1e-9);
        let mut chart = Frame::PLAIN.chart(root, title, x0..x1, y0..y1)?;
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
        legend(&mut chart, None, 0.8)
    })
}

/// Alignment (x) against uniformity (y), one labelled point per entry.
pub fn scatter(r: &CompareReport) -> PlotResult {
    let pts: Vec<(&Entry, (f64, f64))> = r
        .entries
        .iter()
        .map(|en| (en, (en.scores.mean.alignment, en.scores.mean.uniformity)))
        .filter(|(_, p)| p.0.is_finite() && p.1.is_finite())
        .collect();
    let (x0, x1) = padded(pts.iter().map(|p| p.1.0), 0.15, 0.05);
    let (y0, y1) = padded(pts.iter().map(|p| p.1.1), 0.15, 0.05);
    svg_document((720, 560), |root| {
        let name =
            Path::new(&r.file).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let title = format!("{name}: alignment vs uniformity (lower-left is better)");
        let mut chart = Frame { margin: 16, ..Frame::PLAIN }.chart(root, title, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("alignment  E‖ẑ_a − ẑ_b‖²")
            .y_desc("uniformity  log E exp(−2‖ẑ_i − ẑ_j‖²)")
            .draw()
            .map_err(err)?;
        for (i, (en, p)) in pts.iter().enumerate() {
            let color = if en.kind == EntryKind::Baseline {
                RGBColor(140, 140, 140)
            } else {
                METHOD_PALETTE[i % METHOD_PALETTE.len()]
            };
            let style = if en.collapsed { color.stroke_width(2) } else { color.filled() };
            let label =
                if en.collapsed { format!("{} (collapsed)", en.scores.name) } else { en.scores.name.clone() };
            chart.draw_series(std::iter::once(Circle::new(*p, 6, style))).map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    *p,
                    ("sans-serif", 14).into_font().color(&color),
                )))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Method colours: [`PALETTE`] without its grey and olive, because grey marks the baselines
/// (raw, random, PCA) in this plot.
const METHOD_PALETTE: [RGBColor; 8] =
    [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[5], PALETTE[6], PALETTE[9]];
