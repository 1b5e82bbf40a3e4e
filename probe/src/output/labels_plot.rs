//! The curve of `probe labels` (SVG): test accuracy against the fraction of training labels on
//! a log axis, mean ± std as error bars, in two panels: the linear probe (left) and the
//! weighted kNN (right) of each frozen representation, each panel with the two fine-tuning
//! curves (thick lines) for reference, the legend in the corner with the fewest points.
//! Colours are plot.rs's palette, one per representation.

use super::labels::{Curve, LabelsReport};
use super::plot::{Frame, PALETTE, err, legend, line_mark, svg_document};
use plotters::prelude::*;

/// Each curve's colour index and line width, by its position among all curves.
fn style(i: usize, c: &Curve) -> (RGBColor, u32) {
    let color = PALETTE[i % PALETTE.len()];
    (color, if c.evaluation == "finetune" { 3 } else { 2 })
}

/// The corner of a panel for the legend: the one whose quarter-ish region (x and y scaled to
/// [0, 1], log x) holds the fewest points and error-bar ends of `curves`; ties in the order
/// lower right, upper left, lower left, upper right.
fn legend_corner(curves: &[&Curve], (lo, hi): (f64, f64), (ylo, yhi): (f64, f64)) -> SeriesLabelPosition {
    let ends = curves.iter().flat_map(|c| &c.points).flat_map(|p| {
        let x = (p.fraction.ln() - lo.ln()) / (hi.ln() - lo.ln());
        [p.mean - p.std, p.mean, p.mean + p.std].map(|y| (x, (y - ylo) / (yhi - ylo)))
    });
    let ends: Vec<(f64, f64)> = ends.collect();
    let corners = [
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerLeft, false, false),
        (SeriesLabelPosition::UpperRight, true, true),
    ];
    let count = |right: bool, upper: bool| {
        let inside = |&&(x, y): &&(f64, f64)| (x > 0.5) == right && if upper { y > 0.62 } else { y < 0.38 };
        ends.iter().filter(inside).count()
    };
    let best = corners.iter().min_by_key(|(_, r, u)| count(*r, *u)).map(|c| c.0.clone());
    best.unwrap_or(SeriesLabelPosition::LowerRight)
}

/// The SVG document of the report's curves, or what went wrong drawing it.
pub fn labels_curve(r: &LabelsReport) -> Result<String, String> {
    let lo = r.fractions.first().copied().unwrap_or(1.0) / 1.5;
    let hi = r.fractions.last().copied().unwrap_or(100.0) * 1.5;
    let (ylo, yhi) = r
        .curves
        .iter()
        .flat_map(|c| &c.points)
        .fold((100.0f64, 0.0f64), |(a, b), p| (a.min(p.mean - p.std), b.max(p.mean + p.std)));
    let (ylo, yhi) = if ylo <= yhi { ((ylo - 5.0).max(0.0), (yhi + 5.0).min(100.0)) } else { (0.0, 100.0) };
    // The frozen curves (two per representation) pair with a colour each; fine-tunings follow.
    let frozen: Vec<&str> =
        r.curves.iter().filter(|c| c.evaluation != "finetune").map(|c| c.representation.as_str()).fold(
            Vec::new(),
            |mut v, n| {
                if !v.contains(&n) {
                    v.push(n);
                }
                v
            },
        );
    let colour_of = |c: &Curve| -> usize {
        if c.evaluation == "finetune" {
            let k = r
                .curves
                .iter()
                .filter(|x| x.evaluation == "finetune")
                .position(|x| x.representation == c.representation);
            frozen.len() + k.unwrap_or(0)
        } else {
            frozen.iter().position(|n| *n == c.representation).unwrap_or(0)
        }
    };
    let file = std::path::Path::new(&r.file)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    svg_document((1100, 480), |root| {
        let panels = root.split_evenly((1, 2));
        for (panel, (evaluation, title)) in
            panels.iter().zip([("linear", "linear probe"), ("knn", "weighted kNN")])
        {
            let x = (lo..hi).log_scale().with_key_points(r.fractions.clone());
            let frame = Frame { font: 17, y_labels: 50, ..Frame::PLAIN };
            let mut chart = frame.chart(panel, format!("{file}: {title} vs fine-tuning"), x, ylo..yhi)?;
            chart
                .configure_mesh()
                .x_label_formatter(&|v| format!("{v}"))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .x_desc("training labels used (%, log scale)")
                .y_desc("test accuracy (%)")
                .draw()
                .map_err(err)?;
            let shown: Vec<&Curve> = r
                .curves
                .iter()
                .filter(|c| c.evaluation == evaluation || c.evaluation == "finetune")
                .collect();
            for (j, c) in shown.iter().enumerate() {
                let (color, width) = style(colour_of(c), c);
                // A small horizontal offset per curve keeps the error bars apart.
                let shift = 1.025f64.powf(j as f64 - (shown.len() as f64 - 1.0) / 2.0);
                let pts: Vec<(f64, f64)> = c.points.iter().map(|p| (p.fraction * shift, p.mean)).collect();
                chart
                    .draw_series(LineSeries::new(pts.clone(), color.stroke_width(width)))
                    .map_err(err)?
                    .label(c.label())
                    .legend(line_mark(color.stroke_width(width)));
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(err)?;
                let bars = c.points.iter().filter(|p| p.std > 0.0).flat_map(|p| {
                    let x = p.fraction * shift;
                    let (a, b) = (p.mean - p.std, p.mean + p.std);
                    [
                        PathElement::new(vec![(x, a), (x, b)], color.stroke_width(1)),
                        PathElement::new(vec![(x / 1.02, a), (x * 1.02, a)], color.stroke_width(1)),
                        PathElement::new(vec![(x / 1.02, b), (x * 1.02, b)], color.stroke_width(1)),
                    ]
                });
                chart.draw_series(bars).map_err(err)?;
            }
            legend(&mut chart, Some(legend_corner(&shown, (lo, hi), (ylo, yhi))), 0.85)?;
        }
        Ok(())
    })
}
