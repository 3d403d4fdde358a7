//! The SVG exporter: a sweep as a plot of loss rate (changed or destroyed) against the swept
//! parameter.

use std::fmt::Write as _;

use super::{Exporter, SweepReport, SweepSeries};
use crate::error::Result;

/// Writes a sweep as a standalone SVG plot.
#[derive(Clone, Copy, Debug, Default)]
pub struct SvgExporter;

impl Exporter<SweepReport> for SvgExporter {
    fn render(&self, report: &SweepReport) -> Result<Vec<u8>> {
        Ok(render_svg(report).into_bytes())
    }
}

const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

fn escape(text: &str) -> String {
    crate::dataset::visible_label(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sweep as an SVG plot: loss rate (changed or destroyed) against the parameter, one line
/// per class that changes anywhere, the whole dataset in bold, and the caution and unsafe
/// thresholds dashed.
pub(super) fn render_svg(report: &SweepReport) -> String {
    let changing = report.changing();
    let legend_rows = changing.len() + 1;
    let (left, top, plot_w, plot_h) = (60.0, 40.0, 560.0, 320.0);
    let width = 760.0;
    let height = (top + plot_h + 60.0f64).max(top + 16.0 * legend_rows as f64 + 20.0);
    let (x_min, x_max) = (
        report.values.first().copied().unwrap_or(0.0),
        report.values.last().copied().unwrap_or(1.0),
    );
    let span = if x_max > x_min { x_max - x_min } else { 1.0 };
    let x = |v: f64| left + (v - x_min) / span * plot_w;
    let y = |r: f64| top + (1.0 - r.clamp(0.0, 1.0)) * plot_h;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{left}" y="22" font-size="14">Changed or destroyed against {} on {}</text>"#,
        escape(&report.op),
        escape(&report.dataset.root)
    );
    for tick in 0..=5 {
        let r = f64::from(tick) / 5.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{:.0}%</text>"##,
            left + plot_w,
            left - 6.0,
            y(r) + 4.0,
            r * 100.0,
            y = y(r)
        );
    }
    for (i, v) in report.values.iter().enumerate() {
        let every = (report.values.len() / 10).max(1);
        if i % every == 0 || i + 1 == report.values.len() {
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{v}</text>"#,
                x(*v),
                top + plot_h + 18.0
            );
        }
    }
    let unit = match report.op.as_str() {
        "rotate" | "shear" => "degrees, ±",
        "crop" => "fraction of width and height kept",
        "scale" => "factor",
        _ => "fraction of the size, ±",
    };
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">{} ({unit})</text>"#,
        left + plot_w / 2.0,
        top + plot_h + 40.0,
        escape(&report.op)
    );
    for (threshold, label, colour) in [
        (report.thresholds.caution_at, "caution", "#e6a100"),
        (report.thresholds.unsafe_at, "unsafe", "#c00"),
    ] {
        let _ = writeln!(
            svg,
            r#"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{colour}" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" fill="{colour}">{label}</text>"#,
            left + plot_w,
            left + plot_w - 50.0,
            y(threshold) - 4.0,
            y = y(threshold)
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>"##
    );
    let polyline = |s: &SweepSeries| -> String {
        report
            .values
            .iter()
            .zip(&s.loss_rate)
            .map(|(v, r)| format!("{:.1},{:.1}", x(*v), y(*r)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    for (i, s) in changing.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let dash = if i / PALETTE.len() % 2 == 1 {
            r#" stroke-dasharray="4 2""#
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash} points="{}"><title>{}</title></polyline>"#,
            polyline(s),
            escape(&s.label)
        );
    }
    let _ = writeln!(
        svg,
        r##"<polyline fill="none" stroke="#000" stroke-width="3" points="{}"><title>all</title></polyline>"##,
        polyline(&report.overall)
    );
    let legend_x = left + plot_w + 20.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{legend_x}" x2="{}" y1="{top}" y2="{top}" stroke="#000" stroke-width="3"/><text x="{}" y="{}">all classes</text>"##,
        legend_x + 20.0,
        legend_x + 26.0,
        top + 4.0
    );
    for (i, s) in changing.iter().enumerate() {
        let row = top + 16.0 * (i + 1) as f64;
        let colour = PALETTE[i % PALETTE.len()];
        let _ = writeln!(
            svg,
            r#"<line x1="{legend_x}" x2="{}" y1="{row}" y2="{row}" stroke="{colour}" stroke-width="1.5"/><text x="{}" y="{}">{}</text>"#,
            legend_x + 20.0,
            legend_x + 26.0,
            row + 4.0,
            escape(&s.label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
