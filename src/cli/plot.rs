//! SVG plots (plotters, SVG backend: no fonts or system libraries needed;
//! text is left for the viewer to render).

use plotters::prelude::*;

/// One line of a plot: a label and its points.
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

const COLOURS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// A panel: title, axis names, whether x is logarithmic, and its lines.
pub struct Panel<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub log_x: bool,
    pub lines: Vec<Line>,
}

fn bounds(lines: &[Line]) -> (f64, f64, f64) {
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let x_min = xs.clone().fold(f64::INFINITY, f64::min);
    let x_max = xs.fold(f64::NEG_INFINITY, f64::max);
    let y_max = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let x_min = if x_min.is_finite() { x_min } else { 0.0 };
    let x_max = if x_max > x_min { x_max } else { x_min + 1.0 };
    (x_min, x_max, if y_max > 0.0 { y_max * 1.1 } else { 1.0 })
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, p: &Panel) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("plot: {e}");
    let (x0, x1, y1) = bounds(&p.lines);
    let mut builder = ChartBuilder::on(area);
    builder.caption(p.title, ("sans-serif", 18)).margin(12).x_label_area_size(36).y_label_area_size(56);
    macro_rules! series {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart.configure_mesh().x_desc(p.x_desc).y_desc(p.y_desc).draw().map_err(err)?;
            for (i, line) in p.lines.iter().enumerate() {
                let colour = COLOURS[i % COLOURS.len()];
                chart
                    .draw_series(LineSeries::new(line.points.iter().copied(), colour.stroke_width(2)))
                    .map_err(err)?
                    .label(line.label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                chart.draw_series(line.points.iter().map(|&pt| Circle::new(pt, 3, colour.filled()))).map_err(err)?;
            }
            chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err)?;
        }};
    }
    if p.log_x {
        series!(builder.build_cartesian_2d((x0..x1).log_scale(), 0f64..y1).map_err(err)?);
    } else {
        series!(builder.build_cartesian_2d(x0..x1, 0f64..y1).map_err(err)?);
    }
    Ok(())
}

/// Write `panels`, stacked vertically, as an SVG file.
pub fn write_svg(path: &str, panels: &[Panel]) -> Result<(), String> {
    let root = SVGBackend::new(path, (800, 360 * panels.len() as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| format!("plot: {e}"))?;
    for (area, panel) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
        draw_panel(area, panel)?;
    }
    root.present().map_err(|e| format!("cannot write {path}: {e}"))
}
