//! The ratios chart (SVG): for each comparison, kevy's throughput over the
//! other server's (higher is better) and kevy's CPU per request over the
//! other's (lower is better), one bar per command and pipeline depth, with
//! the parity line at 1.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Row;

/// A ratio drawn from a row.
type Metric = fn(&Row) -> Option<f64>;

const DEPTH_COLORS: [RGBColor; 2] = [RGBColor(70, 130, 180), RGBColor(230, 126, 34)];

/// Writes the chart of `comparisons` (title, rows) to `path`.
pub fn ratios(path: &Path, comparisons: &[(String, Vec<Row>)]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("chart: {e}");
    let height = 2 * 280 * comparisons.len() as u32;
    let root = SVGBackend::new(path, (1000, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let panels = root.split_evenly((2 * comparisons.len(), 1));
    for (c, (title, rows)) in comparisons.iter().enumerate() {
        let metrics: [(&str, Metric); 2] = [
            (
                "throughput, kevy ÷ other (higher is better)",
                Row::rps_ratio,
            ),
            (
                "server CPU per request, kevy ÷ other (lower is better)",
                Row::cpu_ratio,
            ),
        ];
        for (m, (what, value)) in metrics.iter().enumerate() {
            let area = &panels[c * 2 + m];
            let values: Vec<Option<f64>> = rows.iter().map(value).collect();
            let top = values.iter().flatten().fold(1.0f64, |a, &b| a.max(b)) * 1.15;
            let labels: Vec<String> = rows
                .iter()
                .map(|r| format!("{} P{}", r.test, r.depth))
                .collect();
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{title}: {what}"), ("sans-serif", 14))
                .margin(12)
                .x_label_area_size(34)
                .y_label_area_size(40)
                // An integer range is inclusive in plotters: n bars need 0..n-1.
                .build_cartesian_2d(
                    (0..rows.len().saturating_sub(1)).into_segmented(),
                    0f64..top,
                )
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .x_labels(rows.len())
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                    _ => String::new(),
                })
                .x_label_style(("sans-serif", 11))
                .y_label_formatter(&|y| format!("{y:.1}"))
                .draw()
                .map_err(|e| err(&e))?;
            let bars = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (i, v)));
            chart
                .draw_series(
                    Histogram::vertical(&chart)
                        .margin(6)
                        .style_func(|x, _| {
                            let i = match x {
                                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => *i,
                                SegmentValue::Last => 0,
                            };
                            let depth_index = usize::from(rows.get(i).is_some_and(|r| r.depth > 1));
                            DEPTH_COLORS[depth_index].filled()
                        })
                        .data(bars),
                )
                .map_err(|e| err(&e))?;
            let parity = [(SegmentValue::Exact(0), 1.0), (SegmentValue::Last, 1.0)];
            chart
                .draw_series(std::iter::once(PathElement::new(
                    parity,
                    BLACK.stroke_width(1),
                )))
                .map_err(|e| err(&e))?;
            for (i, v) in values.iter().enumerate() {
                let text = v.map_or("n/a".to_string(), |v| format!("{v:.2}"));
                let at = (SegmentValue::CenterOf(i), v.unwrap_or(0.0) + top * 0.01);
                let style = TextStyle::from(("sans-serif", 11).into_font())
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                chart
                    .draw_series(std::iter::once(Text::new(text, at, style)))
                    .map_err(|e| err(&e))?;
            }
        }
    }
    root.present().map_err(|e| err(&e))
}
