//! SVG charts of the evaluation: a reliability diagram and an interval-coverage chart.
//!
//! Both are drawn with `plotters` on its SVG backend into a `String`. The backend writes
//! text as SVG `<text>` elements and leaves glyph layout to the viewer, so no font files or
//! font crates are needed and the charts render the same on a headless machine.

use juno_core::{Error, Result};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::drawing::DrawingAreaErrorKind;
use plotters::prelude::*;

/// The number of bins [`equal_mass_bins`] is called with for the evaluation's charts: the
/// same 10 as the ECEm the report prints.
pub const DEFAULT_BINS: usize = 10;

/// One bin of a reliability diagram.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReliabilityBin {
    /// Mean predicted probability of the bin's pairs, in [0, 1].
    pub mean_predicted: f64,
    /// Share of the bin's pairs whose outcome was true, in [0, 1].
    pub observed: f64,
    /// Number of pairs in the bin; at least 1.
    pub count: usize,
}

/// One bar group of an interval-coverage chart: how often the actual value fell below P10, inside P10–P90, below P50.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageBar {
    /// What the group is (a project, a horizon); shown on the x axis with `n`.
    pub label: String,
    /// Number of intervals counted; at least 1.
    pub n: usize,
    /// Share of actual values inside [P10, P90], in [0, 1]; the target is 0.80.
    pub inside_p10_p90: f64,
    /// Share of actual values below P50, in [0, 1]; the target is 0.50.
    pub below_p50: f64,
}

/// Equal-mass bins (10 by default) of (predicted probability, outcome) pairs, sorted by predicted probability: the bins a reliability diagram draws.
///
/// The pairs are sorted by probability and cut into `min(bins, pairs.len())` contiguous
/// runs whose sizes differ by at most one, so no bin is empty; pass [`DEFAULT_BINS`] for
/// the bins behind the report's ECEm. Empty `pairs` or `bins == 0` give no bins, which
/// [`reliability_svg`] refuses.
///
/// # Examples
///
/// ```
/// use juno_eval::plot::equal_mass_bins;
/// let pairs = [(0.9, true), (0.1, false), (0.2, true), (0.8, true)];
/// let bins = equal_mass_bins(&pairs, 2);
/// assert_eq!(bins.len(), 2);
/// assert!((bins[0].mean_predicted - 0.15).abs() < 1e-12);
/// assert_eq!(bins[0].observed, 0.5);
/// assert_eq!(bins[1].count, 2);
/// ```
pub fn equal_mass_bins(pairs: &[(f64, bool)], bins: usize) -> Vec<ReliabilityBin> {
    // The split is a copy of the one in `juno_core::stats::equal_mass_calibration_error`
    // (which exposes no helper): the same stable sort by `total_cmp`, the same
    // `min(bins, n)` and the same cut points `b·n/bins`, so the diagram shows exactly the
    // bins whose gaps make up the ECEm number. A test below checks the two agree.
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = sorted.len();
    let bins = bins.min(n);
    (0..bins)
        .map(|b| &sorted[b * n / bins..(b + 1) * n / bins])
        .filter(|bin| !bin.is_empty())
        .map(|bin| {
            let k = bin.len() as f64;
            ReliabilityBin {
                mean_predicted: bin.iter().map(|x| x.0).sum::<f64>() / k,
                observed: bin.iter().filter(|x| x.1).count() as f64 / k,
                count: bin.len(),
            }
        })
        .collect()
}

/// A reliability diagram as an SVG document: the diagonal, observed vs mean predicted per bin as points joined by a line, and each bin's count written next to its point (or as a small bar histogram along the bottom); axes 0–1 labelled "predicted P(deliver ≥ 80%)" and "observed share delivered"; title given.
///
/// The points are joined in order of mean predicted probability whatever the order of
/// `bins`; each point is one SVG `<circle>` with `n=<count>` written beside it.
///
/// # Errors
///
/// [`Error::InvalidInput`] when `bins` is empty, when a bin has a count of 0, or when a
/// mean or share is not a number in [0, 1] (the field names the bin, `bins[2].observed`),
/// and when plotters fails to draw (field `bins`).
///
/// # Examples
///
/// ```
/// use juno_eval::plot::{equal_mass_bins, reliability_svg};
/// let pairs: Vec<(f64, bool)> = (0..40).map(|i| (i as f64 / 40.0, i % 3 == 0)).collect();
/// let svg = reliability_svg("sprint delivery", &equal_mass_bins(&pairs, 10))?;
/// assert!(svg.starts_with("<svg"));
/// assert!(reliability_svg("no data", &[]).is_err());
/// # Ok::<(), juno_core::Error>(())
/// ```
pub fn reliability_svg(title: &str, bins: &[ReliabilityBin]) -> Result<String> {
    if bins.is_empty() {
        return Err(Error::invalid(
            "bins",
            "no bins to draw (were there no predictions?)",
        ));
    }
    for (i, bin) in bins.iter().enumerate() {
        check_share("mean_predicted", bin.mean_predicted).map_err(|e| e.within(&at("bins", i)))?;
        check_share("observed", bin.observed).map_err(|e| e.within(&at("bins", i)))?;
        if bin.count == 0 {
            return Err(Error::invalid(
                format!("{}count", at("bins", i)),
                "a bin must hold at least one prediction",
            ));
        }
    }
    let mut sorted = bins.to_vec();
    // All values are finite after the checks, so `total_cmp` is the ordinary order.
    sorted.sort_by(|a, b| a.mean_predicted.total_cmp(&b.mean_predicted));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 560)).into_drawing_area();
        draw_reliability(&root, title, &sorted).map_err(|e| draw_failed("bins", e))?;
        root.present().map_err(|e| draw_failed("bins", e))?;
    }
    Ok(svg)
}

/// An interval-coverage chart as an SVG document: for each CoverageBar two bars (share inside P10–P90, share below P50) with the targets 0.80 and 0.50 drawn as horizontal reference lines and a ±0.05 band if easy; labels on the x axis; n shown in the label.
///
/// Each group is labelled `<label> (n=<n>)`. The left bar of a group is the share inside
/// P10–P90 (blue, against the blue 0.80 line and its 0.75–0.85 band), the right bar the
/// share below P50 (orange, against the orange 0.50 line and its 0.45–0.55 band).
///
/// # Errors
///
/// [`Error::InvalidInput`] when `bars` is empty, when a bar has `n` of 0, or when a share
/// is not a number in [0, 1] (the field names the bar, `bars[1].below_p50`), and when
/// plotters fails to draw (field `bars`).
///
/// # Examples
///
/// ```
/// use juno_eval::plot::{coverage_svg, CoverageBar};
/// let bars = [CoverageBar { label: "Apache".into(), n: 120, inside_p10_p90: 0.76, below_p50: 0.52 }];
/// let svg = coverage_svg("remaining-work intervals", &bars)?;
/// assert!(svg.contains("Apache (n=120)"));
/// assert!(coverage_svg("nothing", &[]).is_err());
/// # Ok::<(), juno_core::Error>(())
/// ```
pub fn coverage_svg(title: &str, bars: &[CoverageBar]) -> Result<String> {
    if bars.is_empty() {
        return Err(Error::invalid(
            "bars",
            "no bars to draw (were there no intervals?)",
        ));
    }
    for (i, bar) in bars.iter().enumerate() {
        check_share("inside_p10_p90", bar.inside_p10_p90).map_err(|e| e.within(&at("bars", i)))?;
        check_share("below_p50", bar.below_p50).map_err(|e| e.within(&at("bars", i)))?;
        if bar.n == 0 {
            return Err(Error::invalid(
                format!("{}n", at("bars", i)),
                "a bar must count at least one interval",
            ));
        }
    }

    // Wide enough that each group's label has room; never narrower than the reliability
    // diagram so the two sit well side by side.
    let width = u32::try_from(bars.len())
        .unwrap_or(u32::MAX)
        .saturating_mul(150)
        .saturating_add(160)
        .clamp(640, 8000);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 560)).into_drawing_area();
        draw_coverage(&root, title, bars).map_err(|e| draw_failed("bars", e))?;
        root.present().map_err(|e| draw_failed("bars", e))?;
    }
    Ok(svg)
}

/// Lines of `(x, y)` points, one per named series, with y in 0–100 (a percentage) and an
/// optional dashed vertical marker at `mark` (an event on the x axis), as SVG.
///
/// # Errors
/// [`Error::InvalidInput`] when no series has a point, or a point is not finite.
pub fn lines_svg(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    mark: Option<f64>,
) -> Result<String> {
    let points = series.iter().flat_map(|(_, p)| p.iter());
    let mut x_max: f64 = 1.0;
    let mut any = false;
    for (i, &(x, y)) in points.enumerate() {
        if !x.is_finite() || !y.is_finite() {
            return Err(Error::invalid(
                format!("series.points[{i}]"),
                "is not a finite number",
            ));
        }
        x_max = x_max.max(x);
        any = true;
    }
    if !any {
        return Err(Error::invalid("series", "no points to draw"));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 520)).into_drawing_area();
        draw_lines(&root, title, x_desc, y_desc, series, mark, x_max)
            .map_err(|e| draw_failed("series", e))?;
        root.present().map_err(|e| draw_failed("series", e))?;
    }
    Ok(svg)
}

/// Draws [`lines_svg`]'s chart on `root`.
fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    mark: Option<f64>,
    x_max: f64,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_max.ceil(), 0f64..100f64)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .y_labels(11)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    if let Some(m) = mark {
        chart.draw_series(DashedLineSeries::new(
            vec![(m, 0.0), (m, 100.0)],
            6,
            4,
            GREY.stroke_width(1),
        ))?;
    }
    let colours = [
        GREY,
        BLUE_ISH,
        ORANGE_ISH,
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
    ];
    for (i, (name, points)) in series.iter().enumerate() {
        let colour = colours[i % colours.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(2),
            ))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    Ok(())
}

/// Blue of the reliability curve and of the inside-P10–P90 bars.
const BLUE_ISH: RGBColor = RGBColor(31, 119, 180);
/// Orange of the below-P50 bars.
const ORANGE_ISH: RGBColor = RGBColor(255, 127, 14);
/// Grey of the diagonal.
const GREY: RGBColor = RGBColor(150, 150, 150);

/// `bins[3].`: the prefix that places a field inside item `i` of the argument `name`.
fn at(name: &str, i: usize) -> String {
    format!("{name}[{i}].")
}

/// Refuses a share that is NaN, infinite or outside [0, 1].
fn check_share(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{v} is not a share between 0 and 1"),
        ))
    }
}

/// A plotters failure as a JUNO error.
///
/// juno-core has no internal-error variant, and the only things plotters is given are the
/// caller's title and values, so the failure is reported against the argument `field`.
fn draw_failed(field: &str, err: impl std::fmt::Display) -> Error {
    Error::invalid(field, format!("the chart could not be drawn: {err}"))
}

/// Draws the reliability diagram of `bins` (already checked and sorted) on `root`.
fn draw_reliability<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bins: &[ReliabilityBin],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("predicted P(deliver ≥ 80%)")
        .y_desc("observed share delivered")
        .x_labels(11)
        .y_labels(11)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(WHITE)
        .draw()?;

    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            GREY.stroke_width(1),
        ))?
        .label("perfect calibration")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], GREY.stroke_width(1)));
    chart
        .draw_series(LineSeries::new(
            bins.iter().map(|b| (b.mean_predicted, b.observed)),
            BLUE_ISH.stroke_width(2),
        ))?
        .label("observed per equal-mass bin")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE_ISH.stroke_width(2)));
    // One marker per bin with its count beside it: the count says how much each point's
    // distance from the diagonal is worth, which the line alone hides.
    chart.draw_series(bins.iter().map(|b| {
        EmptyElement::at((b.mean_predicted, b.observed))
            + Circle::new((0, 0), 4, BLUE_ISH.filled())
            + Text::new(format!("n={}", b.count), (6, -16), ("sans-serif", 12))
    }))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// The x axis of the coverage chart: group i spans [i, i + 1), with one tick (and label)
/// at its centre.
///
/// plotters' own `with_key_points` would place the ticks, but an f64 axis wrapped that way
/// loses the formatter `configure_mesh` needs, so the few lines of a custom axis are used.
struct GroupAxis {
    /// Number of groups; the axis runs from 0 to this.
    groups: usize,
}

impl Ranged for GroupAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = value / self.groups.max(1) as f64;
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Ticks and labels come from the bold points; no light mesh lines between groups.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            (0..self.groups).map(|i| i as f64 + 0.5).collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.groups as f64
    }
}

/// Draws the coverage chart of `bars` (already checked) on `root`.
fn draw_coverage<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    bars: &[CoverageBar],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let k = bars.len() as f64;
    let labels: Vec<String> = bars
        .iter()
        .map(|b| format!("{} (n={})", b.label, b.n))
        .collect();
    let label_of = |v: &f64| {
        // `v` is a tick of `GroupAxis`, the centre i + 0.5 of group i.
        let i = (*v - 0.5).round();
        if i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    // The y axis runs past 1 so the legend sits above the tallest possible bar.
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d(GroupAxis { groups: bars.len() }, 0f64..1.2f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc("share of actual values")
        .y_labels(7)
        .x_label_formatter(&label_of)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(WHITE)
        .draw()?;

    // ±0.05 bands first, so bars and lines draw over them.
    for (target, colour) in [(0.80, BLUE_ISH), (0.50, ORANGE_ISH)] {
        chart.draw_series([Rectangle::new(
            [(0.0, target - 0.05), (k, target + 0.05)],
            colour.mix(0.12).filled(),
        )])?;
    }
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let x = i as f64;
            Rectangle::new(
                [(x + 0.12, 0.0), (x + 0.48, b.inside_p10_p90)],
                BLUE_ISH.filled(),
            )
        }))?
        .label("inside P10–P90 (target 0.80 ± 0.05)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE_ISH.filled()));
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let x = i as f64;
            Rectangle::new(
                [(x + 0.52, 0.0), (x + 0.88, b.below_p50)],
                ORANGE_ISH.filled(),
            )
        }))?
        .label("below P50 (target 0.50 ± 0.05)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], ORANGE_ISH.filled()));
    for (target, colour) in [(0.80, BLUE_ISH), (0.50, ORANGE_ISH)] {
        chart.draw_series(DashedLineSeries::new(
            [(0.0, target), (k, target)],
            6,
            4,
            colour.stroke_width(2),
        ))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use juno_core::stats::equal_mass_calibration_error;

    #[test]
    fn equal_mass_bins_of_a_known_input() {
        // 23 pairs given in reverse order, p = i/22, outcome true for even i. Five bins cut
        // at b·23/5 = 0, 4, 9, 13, 18, 23: sizes 4, 5, 4, 5, 5.
        let pairs: Vec<(f64, bool)> = (0..23)
            .rev()
            .map(|i| (i as f64 / 22.0, i % 2 == 0))
            .collect();
        let bins = equal_mass_bins(&pairs, 5);
        let counts: Vec<usize> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [4, 5, 4, 5, 5]);
        // Bin 0 holds i = 0..4: mean p = 1.5/22, evens 0 and 2 → 2/4.
        assert!((bins[0].mean_predicted - 1.5 / 22.0).abs() < 1e-12);
        assert!((bins[0].observed - 0.5).abs() < 1e-12);
        // Bin 1 holds i = 4..9: mean p = 6/22, evens 4, 6, 8 → 3/5.
        assert!((bins[1].mean_predicted - 6.0 / 22.0).abs() < 1e-12);
        assert!((bins[1].observed - 0.6).abs() < 1e-12);
        // Bin 4 holds i = 18..23: mean p = 20/22, evens 18, 20, 22 → 3/5.
        assert!((bins[4].mean_predicted - 20.0 / 22.0).abs() < 1e-12);
        assert!((bins[4].observed - 0.6).abs() < 1e-12);
        // Sorted by predicted probability.
        assert!(
            bins.windows(2)
                .all(|w| w[0].mean_predicted < w[1].mean_predicted)
        );
    }

    #[test]
    fn fewer_pairs_than_bins_and_nothing_at_all() {
        let bins = equal_mass_bins(&[(0.7, true), (0.2, false), (0.4, true)], DEFAULT_BINS);
        let got: Vec<(f64, f64, usize)> = bins
            .iter()
            .map(|b| (b.mean_predicted, b.observed, b.count))
            .collect();
        assert_eq!(got, [(0.2, 0.0, 1), (0.4, 1.0, 1), (0.7, 1.0, 1)]);
        assert!(equal_mass_bins(&[], DEFAULT_BINS).is_empty());
        assert!(equal_mass_bins(&[(0.5, true)], 0).is_empty());
    }

    #[test]
    fn bins_add_up_to_the_reported_ecem() {
        // Ties, an uneven count (97 is not a multiple of 10) and a miscalibrated model: the
        // picture's gaps, weighted by bin share, must give exactly the ECEm in the report.
        let mut rng = juno_core::stats::SplitMix64::new(7);
        let pairs: Vec<(f64, bool)> = (0..97)
            .map(|_| {
                let p = (rng.unit() * 20.0).floor() / 20.0;
                (p, rng.unit() < p * p)
            })
            .collect();
        let bins = equal_mass_bins(&pairs, DEFAULT_BINS);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 97);
        let from_bins: f64 = bins
            .iter()
            .map(|b| b.count as f64 / 97.0 * (b.mean_predicted - b.observed).abs())
            .sum();
        let ecem = equal_mass_calibration_error(&pairs);
        assert!(ecem > 0.01, "the test needs a miscalibrated model");
        assert!((from_bins - ecem).abs() < 1e-12, "{from_bins} vs {ecem}");
    }

    #[test]
    fn reliability_svg_draws_each_bin() -> Result<()> {
        let pairs: Vec<(f64, bool)> = (0..60).map(|i| (i as f64 / 60.0, i % 4 != 0)).collect();
        let bins = equal_mass_bins(&pairs, 6);
        let svg = reliability_svg("Sprint delivery — TSE2017", &bins)?;
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("Sprint delivery — TSE2017"));
        assert!(svg.contains("predicted P(deliver ≥ 80%)"));
        assert!(svg.contains("observed share delivered"));
        assert_eq!(svg.matches("<circle").count(), bins.len());
        assert_eq!(svg.matches(">\nn=10\n</text>").count(), 6, "{svg}");
        Ok(())
    }

    #[test]
    fn svg_text_is_escaped() -> Result<()> {
        let bins = [ReliabilityBin {
            mean_predicted: 0.5,
            observed: 0.25,
            count: 3,
        }];
        let svg = reliability_svg("<A & B>", &bins)?;
        assert!(svg.contains("&lt;A &amp; B&gt;"));
        assert!(!svg.contains("<A & B>"));
        Ok(())
    }

    #[test]
    fn coverage_svg_labels_each_group() -> Result<()> {
        let bars = [
            CoverageBar {
                label: "Apache".into(),
                n: 412,
                inside_p10_p90: 0.74,
                below_p50: 0.55,
            },
            CoverageBar {
                label: "JBoss".into(),
                n: 97,
                inside_p10_p90: 0.83,
                below_p50: 0.47,
            },
            CoverageBar {
                label: "Spring".into(),
                n: 5,
                inside_p10_p90: 1.0,
                below_p50: 0.0,
            },
        ];
        let svg = coverage_svg("P10–P90 coverage", &bars)?;
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("P10–P90 coverage"));
        for label in ["Apache (n=412)", "JBoss (n=97)", "Spring (n=5)"] {
            assert_eq!(svg.matches(label).count(), 1, "{label} in {svg}");
        }
        // Two bars per group, each as tall as its share: the opaque rectangles of each bar
        // colour, in drawing order, are the three bars and then the legend swatch (the
        // ±0.05 bands are translucent).
        let blue = opaque_rect_heights(&svg, "#1F77B4");
        let orange = opaque_rect_heights(&svg, "#FF7F0E");
        assert_eq!((blue.len(), orange.len()), (3 + 1, 3 + 1), "{svg}");
        // Pixels per unit share, from the full-height bar (Spring's 1.0).
        let unit = blue[2];
        assert!(unit > 100.0);
        for (got, share) in blue.iter().zip([0.74, 0.83, 1.0]) {
            assert!((got - share * unit).abs() <= 1.0, "{got} vs {share}");
        }
        for (got, share) in orange.iter().zip([0.55, 0.47, 0.0]) {
            assert!((got - share * unit).abs() <= 1.0, "{got} vs {share}");
        }
        Ok(())
    }

    #[test]
    fn empty_or_bad_input_is_refused_by_name() {
        let err = |r: Result<String>| match r {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected an input error, got {other:?}"),
        };
        assert_eq!(err(reliability_svg("t", &[])), "bins");
        assert_eq!(err(coverage_svg("t", &[])), "bars");
        let empty_pairs = equal_mass_bins(&[], DEFAULT_BINS);
        assert_eq!(err(reliability_svg("t", &empty_pairs)), "bins");
        let nan = ReliabilityBin {
            mean_predicted: 0.3,
            observed: f64::NAN,
            count: 2,
        };
        let ok = ReliabilityBin {
            mean_predicted: 0.1,
            observed: 0.0,
            count: 2,
        };
        assert_eq!(
            err(reliability_svg("t", &[ok.clone(), nan])),
            "bins[1].observed"
        );
        let empty_bin = ReliabilityBin { count: 0, ..ok };
        assert_eq!(err(reliability_svg("t", &[empty_bin])), "bins[0].count");
        let bar = CoverageBar {
            label: "x".into(),
            n: 3,
            inside_p10_p90: 1.2,
            below_p50: 0.5,
        };
        assert_eq!(
            err(coverage_svg("t", std::slice::from_ref(&bar))),
            "bars[0].inside_p10_p90"
        );
        let no_n = CoverageBar {
            n: 0,
            inside_p10_p90: 0.8,
            ..bar
        };
        assert_eq!(err(coverage_svg("t", &[no_n])), "bars[0].n");
    }

    /// Heights of the fully opaque `<rect>`s filled with `colour`, in document order.
    fn opaque_rect_heights(svg: &str, colour: &str) -> Vec<f64> {
        let needle = format!(r#"opacity="1" fill="{colour}""#);
        svg.lines()
            .filter(|l| l.starts_with("<rect") && l.contains(&needle))
            .filter_map(|l| {
                let rest = &l[l.find(r#"height=""#)? + 8..];
                rest[..rest.find('"')?].parse().ok()
            })
            .collect()
    }
}
