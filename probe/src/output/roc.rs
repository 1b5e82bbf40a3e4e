//! The ROC-curve plot of `probe anomaly` (SVG): one curve per detector.

use super::plot::{Frame, PALETTE, err, legend, line_mark};
use plotters::prelude::*;
use std::path::Path;

/// ROC curves `(name, [(fpr, tpr)])` with the chance diagonal.
pub fn roc_curves(path: &Path, title: &str, curves: &[(String, Vec<(f64, f64)>)]) -> Result<(), String> {
    let root = SVGBackend::new(path, (640, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let frame = Frame { font: 16, y_labels: 50, ..Frame::PLAIN };
    let mut chart = frame.chart(&root, title, 0f64..1f64, 0f64..1.0f64)?;
    chart.configure_mesh().x_desc("false-positive rate").y_desc("true-positive rate").draw().map_err(err)?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.3))).map_err(err)?;
    for (i, (name, pts)) in curves.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let width = if i == 0 { 3 } else { 1 };
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(width)))
            .map_err(err)?
            .label(name.clone())
            .legend(line_mark(color.stroke_width(width)));
    }
    legend(&mut chart, Some(SeriesLabelPosition::LowerRight), 0.8)?;
    root.present().map_err(err)
}
