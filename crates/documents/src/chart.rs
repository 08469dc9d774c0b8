//! A chart the desk drew (ECharts' SVG string) as a vector graphic in a PDF.
//! The SVG comes from outside, so it may hold only the elements a chart is
//! made of (no images, scripts, `<use>` or DTD). Its text is turned into
//! outlines in the documents' own font before printpdf (svg2pdf) embeds it:
//! a chart prints the same on every machine whatever fonts it has, and
//! Chinese axis labels never fall back to a font without the glyphs.

use std::sync::{Arc, OnceLock};

use printpdf::{ExternalXObject, Svg};
use usvg::{fontdb, roxmltree, ImageHrefResolver, Options, Tree, WriteOptions};

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

/// The documents' font, answering to every generic family a chart may name, and its family name.
fn fonts() -> &'static (Arc<fontdb::Database>, String) {
    static DB: OnceLock<(Arc<fontdb::Database>, String)> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_BYTES.to_vec());
        let family = db.faces().next().and_then(|f| f.families.first()).map(|(name, _)| name.clone()).unwrap_or_default();
        db.set_sans_serif_family(family.clone());
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
        // Text that names no family, or one we do not have, is drawn in ours too.
        font_family: family.clone(),
        fontdb: db.clone(),
        // Never read a file or decode a picture on the SVG's say.
        image_href_resolver: ImageHrefResolver { resolve_data: Box::new(|_, _, _| None), resolve_string: Box::new(|_, _| None) },
        ..Options::default()
    }
}

/// Refuses what a chart has no use for; says which element.
fn check(svg: &str) -> Result<(), String> {
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

/// The chart as a PDF form XObject, its size in points (1 SVG px = 1 pt).
pub fn graphic(svg: &str) -> Result<ExternalXObject, String> {
    check(svg)?;
    let tree = Tree::from_str(svg, &options()).map_err(|e| format!("not a drawable SVG: {e}"))?;
    // Written back without <text>: every glyph is now a path in our font. A
    // hundredth of a pixel is finer than any printer: shorter numbers, smaller PDF.
    let outlined = tree.to_string(&WriteOptions { coordinates_precision: 2, transforms_precision: 4, ..WriteOptions::default() });
    let mut graphic = Svg::parse(&outlined, &mut Vec::new())?;
    // svg2pdf leaves the drawing uncompressed; mostly glyph outlines, it deflates well.
    graphic.stream.compress = true;
    Ok(graphic)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><path d="M0 50L200 50" stroke="#000"/><text x="10" y="20" style="font-family:sans-serif">目标 90%</text></svg>"##;

    #[test]
    fn a_chart_with_chinese_text_becomes_a_graphic_of_its_own_size() {
        let g = graphic(LINE).expect("graphic");
        assert_eq!((g.width.map(|w| w.0), g.height.map(|h| h.0)), (Some(200), Some(100)));
    }

    #[test]
    fn text_is_drawn_in_the_documents_font_whatever_family_it_names() {
        let tree = Tree::from_str(LINE, &options()).expect("tree");
        let outlined = tree.to_string(&WriteOptions::default());
        assert!(!outlined.contains("<text"), "{outlined}");
        // The glyphs are there as outlines: more than the one line's path.
        assert!(outlined.matches("<path").count() > 1, "{outlined}");
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
            assert!(graphic(bad).is_err(), "{bad}");
        }
    }
}
