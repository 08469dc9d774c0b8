//! A chart the desk drew (ECharts' SVG string) as vector drawing in a PDF.
//! The SVG comes from outside, so it may hold only the elements a chart is
//! made of (no images, scripts, `<use>` or DTD) and nest only so deep. usvg
//! reads it into plain shapes, its text outlined in the documents' own font
//! (a chart prints the same on every machine, and Chinese axis labels never
//! fall back to a font without the glyphs); each shape becomes PDF path
//! operators: fills, strokes with their dashes, caps and joins, clipping and
//! transforms. Paint is flat colour; a gradient takes its first stop, and
//! opacity is mixed with the white paper. ECharts' line charts use neither.

use std::sync::{Arc, OnceLock};

use printpdf::{
    Color, CurTransMat, Line, LineCapStyle, LineDashPattern, LineJoinStyle, LinePoint, Op, PaintMode, Point, Polygon, PolygonRing, Pt, Rgb, WindingOrder,
};
use usvg::tiny_skia_path::{PathSegment, Transform};
use usvg::{fontdb, roxmltree, FillRule, Group, ImageHrefResolver, Node, Options, Paint, Tree};

use crate::layout::FONT_BYTES;

/// What a chart is drawn with: shapes, text, clipping, gradients and styles.
const ELEMENTS: [&str; 19] = [
    "svg",
    "g",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "defs",
    "clipPath",
    "linearGradient",
    "radialGradient",
    "stop",
    "style",
    "title",
    "desc",
];

/// How deep a chart's elements may nest: ECharts nests three or four; the XML
/// parser and usvg recurse per level, so a far deeper tree would exhaust a
/// thread's stack (10,000 levels do, in a test's 2 MB).
const MAX_DEPTH: usize = 32;

/// A chart read and ready to draw; `width` × `height` in SVG pixels.
pub struct Chart {
    pub width: f32,
    pub height: f32,
    tree: Tree,
}

/// The documents' font, answering to every generic family a chart may name, and its family name.
fn fonts() -> &'static (Arc<fontdb::Database>, String) {
    static DB: OnceLock<(Arc<fontdb::Database>, String)> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_BYTES.to_vec());
        let family = db.faces().next().and_then(|f| f.families.first()).map(|(name, _)| name.clone()).unwrap_or_default();
        db.set_sans_serif_family(family.clone());
        // usvg falls back to serif for a family it cannot find.
        db.set_serif_family(family.clone());
        db.set_monospace_family(family.clone());
        db.set_cursive_family(family.clone());
        db.set_fantasy_family(family.clone());
        (Arc::new(db), family)
    })
}

fn options() -> Options<'static> {
    let (db, family) = fonts();
    Options {
        // Text that names no family.
        font_family: family.clone(),
        fontdb: db.clone(),
        // Never read a file or decode a picture on the SVG's say.
        image_href_resolver: ImageHrefResolver { resolve_data: Box::new(|_, _, _| None), resolve_string: Box::new(|_, _| None) },
        ..Options::default()
    }
}

/// How deeply the elements of `xml` nest, read lexically, before any parser
/// that recurses per level sees it. Comments, CDATA and processing
/// instructions are skipped whole; a DTD counts as too deep (none is allowed).
fn nesting(xml: &str) -> usize {
    let b = xml.as_bytes();
    let (mut i, mut depth, mut max) = (0, 0usize, 0usize);
    while let Some(offset) = b[i..].iter().position(|&c| c == b'<') {
        i += offset;
        let rest = &xml[i..];
        let after = |end: &str| rest.find(end).map_or(b.len(), |e| i + e + end.len());
        if rest.starts_with("<!--") {
            i = after("-->");
        } else if rest.starts_with("<![CDATA[") {
            i = after("]]>");
        } else if rest.starts_with("<?") {
            i = after("?>");
        } else if rest.starts_with("<!") {
            return usize::MAX;
        } else if rest.starts_with("</") {
            depth = depth.saturating_sub(1);
            i = after(">");
        } else {
            // An opening tag runs to its `>` outside quoted values; `/>` closes it at once.
            let (mut j, mut quote) = (i + 1, None);
            while j < b.len() {
                match (quote, b[j]) {
                    (Some(q), c) if c == q => quote = None,
                    (None, c @ (b'"' | b'\'')) => quote = Some(c),
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if b.get(j.wrapping_sub(1)) != Some(&b'/') {
                depth += 1;
                max = max.max(depth);
            }
            i = j + 1;
        }
        if i >= b.len() {
            break;
        }
    }
    max
}

/// Refuses what a chart has no use for; says which element.
fn check(svg: &str) -> Result<(), String> {
    if nesting(svg) > MAX_DEPTH {
        return Err(format!("elements nested more than {MAX_DEPTH} deep, or a DTD"));
    }
    let xml = roxmltree::ParsingOptions { allow_dtd: false, ..roxmltree::ParsingOptions::default() };
    let doc = roxmltree::Document::parse_with_options(svg, xml).map_err(|e| format!("not well-formed XML: {e}"))?;
    if doc.root_element().tag_name().name() != "svg" {
        return Err("the root element is not <svg>".into());
    }
    match doc.descendants().filter(|n| n.is_element()).map(|n| n.tag_name().name()).find(|name| !ELEMENTS.contains(name)) {
        Some(name) => Err(format!("<{name}> is not part of a chart")),
        None => Ok(()),
    }
}

/// Reads a chart; the error says what is wrong with it.
pub fn parse(svg: &str) -> Result<Chart, String> {
    check(svg)?;
    let tree = Tree::from_str(svg, &options()).map_err(|e| format!("not a drawable SVG: {e}"))?;
    let size = tree.size();
    Ok(Chart { width: size.width(), height: size.height(), tree })
}

impl Chart {
    /// The operators that draw the chart with its top-left corner at `origin`
    /// (PDF points, y up), `scale` points per SVG pixel across and down.
    pub fn ops(&self, origin: Point, scale: (f32, f32)) -> Vec<Op> {
        let mut ops = vec![Op::SaveGraphicsState, cm(Transform::from_row(scale.0, 0.0, 0.0, -scale.1, origin.x.0, origin.y.0))];
        group(&mut ops, self.tree.root(), 1.0);
        ops.push(Op::RestoreGraphicsState);
        ops
    }
}

fn cm(t: Transform) -> Op {
    Op::SetTransformationMatrix { matrix: CurTransMat::Raw([t.sx, t.ky, t.kx, t.sy, t.tx, t.ty]) }
}

fn group(ops: &mut Vec<Op>, g: &Group, opacity: f32) {
    let opacity = opacity * g.opacity().get();
    ops.push(Op::SaveGraphicsState);
    if !g.transform().is_identity() {
        ops.push(cm(g.transform()));
    }
    if let Some(clip) = g.clip_path() {
        clip_to(ops, clip);
    }
    for child in g.children() {
        match child {
            Node::Group(g) => group(ops, g, opacity),
            Node::Path(p) => path(ops, p, opacity),
            Node::Text(t) => group(ops, t.flattened(), opacity),
            Node::Image(_) => {}
        }
    }
    ops.push(Op::RestoreGraphicsState);
}

/// Clips to the union of the clip path's shapes (and to its own clip path first).
fn clip_to(ops: &mut Vec<Op>, clip: &usvg::ClipPath) {
    if let Some(outer) = clip.clip_path() {
        clip_to(ops, outer);
    }
    let mut rings = Vec::new();
    collect_rings(clip.root(), clip.transform(), &mut rings);
    ops.push(Op::DrawPolygon { polygon: Polygon { rings, mode: PaintMode::Clip, winding_order: WindingOrder::NonZero } });
}

fn collect_rings(g: &Group, parent: Transform, rings: &mut Vec<PolygonRing>) {
    let t = parent.pre_concat(g.transform());
    for child in g.children() {
        match child {
            Node::Group(g) => collect_rings(g, t, rings),
            Node::Path(p) => rings.extend(subpaths(p.data(), t).into_iter().map(|(points, _)| PolygonRing { points })),
            Node::Text(text) => collect_rings(text.flattened(), t, rings),
            Node::Image(_) => {}
        }
    }
}

/// A path's subpaths as printpdf points (Bézier control points flagged), mapped
/// through `t`, each with whether it was closed.
fn subpaths(data: &usvg::tiny_skia_path::Path, t: Transform) -> Vec<(Vec<LinePoint>, bool)> {
    type P = usvg::tiny_skia_path::Point;
    let mut raw: Vec<(Vec<(P, bool)>, bool)> = Vec::new();
    let (mut start, mut last) = (P::zero(), P::zero());
    for segment in data.segments() {
        if !matches!(segment, PathSegment::MoveTo(_) | PathSegment::Close) && raw.last().map_or(true, |(_, closed)| *closed) {
            // Drawing on after a close (or without a move) starts where the pen is.
            raw.push((vec![(last, false)], false));
        }
        let points = match segment {
            PathSegment::MoveTo(p) => {
                raw.push((Vec::new(), false));
                start = p;
                vec![(p, false)]
            }
            PathSegment::LineTo(p) => vec![(p, false)],
            // The cubic with the same curve: its control points two thirds of the way to the quadratic's.
            PathSegment::QuadTo(c, p) => {
                let toward = |from: P| P::from_xy(from.x + (c.x - from.x) * 2.0 / 3.0, from.y + (c.y - from.y) * 2.0 / 3.0);
                vec![(toward(last), true), (toward(p), true), (p, false)]
            }
            PathSegment::CubicTo(c1, c2, p) => vec![(c1, true), (c2, true), (p, false)],
            PathSegment::Close => {
                if let Some(sub) = raw.last_mut() {
                    sub.1 = true;
                }
                last = start;
                continue;
            }
        };
        last = points.last().map_or(last, |(p, _)| *p);
        if let Some(sub) = raw.last_mut() {
            sub.0.extend(points);
        }
    }
    raw.into_iter()
        .map(|(points, closed)| {
            let mut ps: Vec<P> = points.iter().map(|(p, _)| *p).collect();
            t.map_points(&mut ps);
            (ps.iter().zip(&points).map(|(p, (_, bezier))| LinePoint { p: Point { x: Pt(p.x), y: Pt(p.y) }, bezier: *bezier }).collect(), closed)
        })
        .collect()
}

/// An SVG colour at `opacity`, mixed with the white paper beneath it.
fn color(paint: &Paint, opacity: f32) -> Color {
    let c = match paint {
        Paint::Color(c) => *c,
        Paint::LinearGradient(g) => g.stops().first().map_or(usvg::Color::black(), |s| s.color()),
        Paint::RadialGradient(g) => g.stops().first().map_or(usvg::Color::black(), |s| s.color()),
        Paint::Pattern(_) => usvg::Color::black(),
    };
    let mix = |v: u8| 1.0 - opacity.clamp(0.0, 1.0) * (1.0 - f32::from(v) / 255.0);
    Color::Rgb(Rgb { r: mix(c.red), g: mix(c.green), b: mix(c.blue), icc_profile: None })
}

fn path(ops: &mut Vec<Op>, p: &usvg::Path, opacity: f32) {
    if !p.is_visible() {
        return;
    }
    let subpaths = subpaths(p.data(), Transform::identity());
    if subpaths.is_empty() {
        return;
    }
    if let Some(fill) = p.fill() {
        ops.push(Op::SetFillColor { col: color(fill.paint(), opacity * fill.opacity().get()) });
        let winding_order = match fill.rule() {
            FillRule::NonZero => WindingOrder::NonZero,
            FillRule::EvenOdd => WindingOrder::EvenOdd,
        };
        let rings = subpaths.iter().map(|(points, _)| PolygonRing { points: points.clone() }).collect();
        ops.push(Op::DrawPolygon { polygon: Polygon { rings, mode: PaintMode::Fill, winding_order } });
    }
    if let Some(stroke) = p.stroke() {
        ops.push(Op::SetOutlineColor { col: color(stroke.paint(), opacity * stroke.opacity().get()) });
        ops.push(Op::SetOutlineThickness { pt: Pt(stroke.width().get()) });
        ops.push(Op::SetLineDashPattern { dash: LineDashPattern::new(stroke.dashoffset(), stroke.dasharray().unwrap_or(&[])) });
        ops.push(Op::SetLineCapStyle {
            cap: match stroke.linecap() {
                usvg::LineCap::Butt => LineCapStyle::Butt,
                usvg::LineCap::Round => LineCapStyle::Round,
                usvg::LineCap::Square => LineCapStyle::ProjectingSquare,
            },
        });
        ops.push(Op::SetLineJoinStyle {
            join: match stroke.linejoin() {
                usvg::LineJoin::Miter | usvg::LineJoin::MiterClip => LineJoinStyle::Miter,
                usvg::LineJoin::Round => LineJoinStyle::Round,
                usvg::LineJoin::Bevel => LineJoinStyle::Bevel,
            },
        });
        ops.push(Op::SetMiterLimit { limit: Pt(stroke.miterlimit().get()) });
        // One stroke per subpath: a line chart's gaps stay gaps.
        for (points, is_closed) in subpaths {
            ops.push(Op::DrawLine { line: Line { points, is_closed } });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><path d="M0 50L90 50M110 50L200 50" stroke="#1f5fbf" stroke-dasharray="4,2"/><text x="10" y="20" style="font-family:sans-serif">目标 90%</text></svg>"##;

    fn count(ops: &[Op], f: impl Fn(&Op) -> bool) -> usize {
        ops.iter().filter(|op| f(op)).count()
    }

    #[test]
    fn a_chart_keeps_its_size_and_draws_each_subpath_of_a_line_as_its_own_stroke() {
        let chart = parse(LINE).expect("chart");
        assert_eq!((chart.width, chart.height), (200.0, 100.0));
        let ops = chart.ops(Point { x: Pt(0.0), y: Pt(0.0) }, (1.0, 1.0));
        assert_eq!(count(&ops, |op| matches!(op, Op::DrawLine { line } if !line.is_closed)), 2, "the line's gap stays a gap");
        assert!(ops.iter().any(|op| matches!(op, Op::SetLineDashPattern { dash } if dash.pattern.as_slice() == [4.0, 2.0])));
        assert_eq!(count(&ops, |op| matches!(op, Op::SaveGraphicsState)), count(&ops, |op| matches!(op, Op::RestoreGraphicsState)));
    }

    #[test]
    fn text_is_drawn_as_outlines_in_the_documents_font_whatever_family_it_names() {
        let ops = parse(LINE).expect("chart").ops(Point { x: Pt(0.0), y: Pt(0.0) }, (1.0, 1.0));
        // 目, 标, 9, 0 and % are filled outlines; no text operators.
        assert!(count(&ops, |op| matches!(op, Op::DrawPolygon { polygon } if polygon.mode == PaintMode::Fill)) >= 1);
        let glyph_rings: usize = ops.iter().map(|op| if let Op::DrawPolygon { polygon } = op { polygon.rings.len() } else { 0 }).sum();
        assert!(glyph_rings >= 5, "{glyph_rings} outlines");
        assert_eq!(count(&ops, |op| matches!(op, Op::ShowText { .. })), 0);
    }

    #[test]
    fn a_chart_nested_too_deep_is_refused_before_it_is_read() {
        let deep = format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{}{}</svg>"#, "<g>".repeat(10_000), "</g>".repeat(10_000));
        assert!(parse(&deep).err().unwrap_or_default().contains("nested"));
        // Closing tags in comments, quoted values or CDATA do not hide the depth.
        let hidden =
            format!(r#"<svg xmlns="http://www.w3.org/2000/svg">{}{}</svg>"#, r#"<g class="</g>"><!-- </g> --><![CDATA[</g>]]>"#.repeat(40), "</g>".repeat(40));
        assert!(parse(&hidden).err().unwrap_or_default().contains("nested"));
        assert_eq!(nesting(LINE), 2);
        assert_eq!(nesting(r#"<svg><g><path d="M0 0"/><text>a &lt; b</text></g><g/></svg>"#), 3);
    }

    #[test]
    fn images_scripts_use_and_doctypes_are_refused() {
        for bad in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/passwd" width="1" height="1"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg"><s:use href="#a"/></svg>"##,
            r#"<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>"#,
            "<html/>",
            "not xml",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
