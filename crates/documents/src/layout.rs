//! The layout engine shared by the documents: one embedded font and its metrics, text
//! measuring and wrapping, drawing primitives grouped into blocks, pagination (repeated
//! page header, repeated table headers, keep-with-next) and the conversion to printpdf.
//!
//! Coordinates are millimetres from the top-left corner of the page, y pointing down;
//! block items are positioned relative to the top of their block.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt,
    RawImage, Rect, Rgb, TextItem, TextRenderingMode, WindingOrder, XObjectId, XObjectTransform,
};

use crate::chart::Chart;
use crate::RenderError;

/// Noto Sans SC Regular (SIL OFL 1.1, see `fonts/OFL.txt`): Simplified, Traditional and
/// Latin in one face. Only the glyphs a document uses are embedded (subsetting).
pub static FONT_BYTES: &[u8] = include_bytes!("../fonts/NotoSansSC-Regular.otf");

/// Millimetres per point.
pub const PT: f32 = 25.4 / 72.0;

struct Font {
    parsed: ParsedFont,
    units_per_em: f32,
}

fn font() -> Result<&'static Font, RenderError> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        let parsed = ParsedFont::from_bytes(FONT_BYTES, 0, &mut Vec::new())?;
        let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
        Some(Font { parsed, units_per_em })
    })
    .as_ref()
    .ok_or(RenderError::Font)
}

thread_local! {
    /// Advance widths in em, per character.
    static ADVANCES: RefCell<HashMap<char, f32>> = RefCell::new(HashMap::new());
}

fn advance_em(c: char) -> f32 {
    ADVANCES.with(|cache| {
        *cache.borrow_mut().entry(c).or_insert_with(|| match font() {
            Ok(f) => {
                let gid = f.parsed.lookup_glyph_index(c as u32).unwrap_or(0);
                f32::from(f.parsed.get_horizontal_advance(gid)) / f.units_per_em
            }
            Err(_) => 0.5,
        })
    })
}

/// Whether the embedded font has a glyph for `c`.
#[cfg(test)]
pub fn has_glyph(c: char) -> bool {
    font().map(|f| f.parsed.lookup_glyph_index(c as u32).is_some_and(|g| g != 0)).unwrap_or(false)
}

/// Width of `text` at `size` points, in millimetres.
pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(advance_em).sum::<f32>() * size * PT
}

/// Distance from the top of a line to its baseline, in mm, for text of `size` points.
pub fn ascent(size: f32) -> f32 {
    size * PT * 0.88
}

/// Line pitch for wrapped text of `size` points, in mm.
pub fn leading(size: f32) -> f32 {
    size * PT * 1.42
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x31FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Punctuation that must not start a line.
fn is_closing(c: char) -> bool {
    "，。、；：！？）》」』】〉”’…,.;:!?)%".contains(c)
}

/// Punctuation that must not end a line.
fn is_opening(c: char) -> bool {
    "（《「『【〈“‘(".contains(c)
}

/// A no-break space: keeps a label with its value when wrapping; printed as a space.
pub const NBSP: char = '\u{a0}';

/// Breakable units: a Latin word, or one CJK character (with any closing punctuation
/// attached to it, and opening punctuation attached to what follows); `" "` for spaces.
fn tokens(para: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in para.chars() {
        if c.is_whitespace() && c != NBSP {
            if !word.is_empty() {
                raw.push(std::mem::take(&mut word));
            }
            if raw.last().map(String::as_str) != Some(" ") {
                raw.push(" ".into());
            }
        } else if is_cjk(c) || is_opening(c) {
            if !word.is_empty() {
                raw.push(std::mem::take(&mut word));
            }
            raw.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        raw.push(word);
    }
    // Attach closing punctuation backwards and opening punctuation forwards.
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let mut carry = String::new();
    for t in raw {
        let first = t.chars().next().unwrap_or(' ');
        if t != " " && is_closing(first) && carry.is_empty() {
            if let Some(prev) = out.last_mut().filter(|p| p.as_str() != " ") {
                prev.push_str(&t);
                continue;
            }
        }
        if t.chars().count() == 1 && is_opening(first) {
            carry.push_str(&t);
            continue;
        }
        if carry.is_empty() {
            out.push(t);
        } else {
            out.push(std::mem::take(&mut carry) + &t);
        }
    }
    if !carry.is_empty() {
        out.push(carry);
    }
    out
}

/// Wraps `text` to lines no wider than `width` mm at `size` points: CJK text breaks
/// between any two characters, Latin text between words (a word longer than the line
/// is broken by characters). Newlines in the text are kept.
pub fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for tok in tokens(para) {
            if tok == " " {
                if !line.is_empty() {
                    line.push(' ');
                    w += text_width(" ", size);
                }
                continue;
            }
            let tw = text_width(&tok, size);
            if w + tw <= width {
                line.push_str(&tok);
                w += tw;
            } else if tw <= width {
                lines.push(line.trim_end().to_string());
                line = tok;
                w = tw;
            } else {
                for c in tok.chars() {
                    let cw = text_width(c.encode_utf8(&mut [0; 4]), size);
                    if w + cw > width && !line.trim().is_empty() {
                        lines.push(line.trim_end().to_string());
                        line.clear();
                        w = 0.0;
                    }
                    line.push(c);
                    w += cw;
                }
            }
        }
        lines.push(line.trim_end().to_string());
    }
    for line in &mut lines {
        if line.contains(NBSP) {
            *line = line.replace(NBSP, " ");
        }
    }
    lines
}

/// The largest size (down to `min`) at which `text` fits in `width` mm.
pub fn fit_size(text: &str, width: f32, size: f32, min: f32) -> f32 {
    let w = text_width(text, size);
    if w <= width || w <= 0.0 {
        size
    } else {
        (size * width / w).max(min)
    }
}

// ---------------------------------------------------------------------------------------
// Colours

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb3(pub f32, pub f32, pub f32);

pub const INK: Rgb3 = Rgb3(0.11, 0.12, 0.14);
pub const MUTED: Rgb3 = Rgb3(0.40, 0.43, 0.48);
pub const FAINT: Rgb3 = Rgb3(0.62, 0.64, 0.68);
pub const RULE: Rgb3 = Rgb3(0.80, 0.82, 0.85);
pub const HAIRLINE: Rgb3 = Rgb3(0.89, 0.90, 0.92);
pub const SHADE: Rgb3 = Rgb3(0.955, 0.96, 0.97);
pub const ACCENT: Rgb3 = Rgb3(0.08, 0.30, 0.55);
pub const MARK: Rgb3 = Rgb3(0.80, 0.16, 0.14);
pub const GOOD: Rgb3 = Rgb3(0.12, 0.48, 0.26);
pub const WHITE: Rgb3 = Rgb3(1.0, 1.0, 1.0);
pub const BLACK: Rgb3 = Rgb3(0.0, 0.0, 0.0);

fn color(c: Rgb3) -> Color {
    Color::Rgb(Rgb { r: c.0, g: c.1, b: c.2, icc_profile: None })
}

// ---------------------------------------------------------------------------------------
// Primitives and blocks

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

#[derive(Debug, Clone)]
pub enum Prim {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        color: Rgb3,
        bold: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb3,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb3>,
        stroke: Option<(Rgb3, f32)>,
    },
    /// A closed path; points flagged `true` are Bézier control points (two per curve).
    Path {
        points: Vec<(f32, f32, bool)>,
        fill: Option<Rgb3>,
        stroke: Option<(Rgb3, f32)>,
    },
    /// Filled rectangles drawn as one path (the QR code).
    Cells {
        rects: Vec<(f32, f32, f32, f32)>,
        color: Rgb3,
    },
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A chart, drawn as paths scaled to `w` × `h`.
    Graphic {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

impl Prim {
    fn shifted(&self, dy: f32) -> Prim {
        let mut p = self.clone();
        match &mut p {
            Prim::Text { y, .. } | Prim::Rect { y, .. } | Prim::Image { y, .. } | Prim::Graphic { y, .. } => *y += dy,
            Prim::Line { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
            Prim::Path { points, .. } => points.iter_mut().for_each(|p| p.1 += dy),
            Prim::Cells { rects, .. } => rects.iter_mut().for_each(|r| r.1 += dy),
        }
        p
    }
}

/// A piece of the flow that is never split across pages.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub height: f32,
    pub items: Vec<Prim>,
    /// Keep this block on the same page as the next one.
    pub keep_with_next: bool,
    /// Drawn first when this block starts a new page (a table's column header).
    pub repeat_header: Option<Rc<Block>>,
}

impl Block {
    pub fn new(height: f32) -> Self {
        Block { height, ..Block::default() }
    }

    pub fn keep_with_next(mut self) -> Self {
        self.keep_with_next = true;
        self
    }

    /// Text with its top at `top` (the baseline is computed from the size).
    #[allow(clippy::too_many_arguments)]
    pub fn text_at(&mut self, x: f32, top: f32, size: f32, text: &str, color: Rgb3, bold: bool, align: Align) -> f32 {
        let w = text_width(text, size);
        let x = match align {
            Align::Left => x,
            Align::Right => x - w,
            Align::Center => x - w / 2.0,
        };
        if !text.is_empty() {
            self.items.push(Prim::Text { x, y: top + ascent(size), size, text: text.to_string(), color, bold });
        }
        w
    }

    pub fn text(&mut self, x: f32, top: f32, size: f32, text: &str, color: Rgb3) -> f32 {
        self.text_at(x, top, size, text, color, false, Align::Left)
    }

    pub fn bold(&mut self, x: f32, top: f32, size: f32, text: &str, color: Rgb3) -> f32 {
        self.text_at(x, top, size, text, color, true, Align::Left)
    }

    pub fn right(&mut self, x: f32, top: f32, size: f32, text: &str, color: Rgb3) -> f32 {
        self.text_at(x, top, size, text, color, false, Align::Right)
    }

    /// Wrapped text from `top`; returns the height used.
    pub fn paragraph(&mut self, x: f32, top: f32, width: f32, size: f32, text: &str, color: Rgb3) -> f32 {
        let lines = wrap(text, width, size);
        for (i, line) in lines.iter().enumerate() {
            self.text(x, top + i as f32 * leading(size), size, line, color);
        }
        lines.len() as f32 * leading(size)
    }

    pub fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, color: Rgb3) {
        self.items.push(Prim::Line { x1, y1: y, x2, y2: y, width, color });
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, color: Rgb3) {
        self.items.push(Prim::Line { x1, y1, x2, y2, width, color });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb3>, stroke: Option<(Rgb3, f32)>) {
        self.items.push(Prim::Rect { x, y, w, h, fill, stroke });
    }

    pub fn circle(&mut self, cx: f32, cy: f32, r: f32, fill: Option<Rgb3>, stroke: Option<(Rgb3, f32)>) {
        let k = 0.552_284_8 * r;
        let points = vec![
            (cx, cy - r, false),
            (cx + k, cy - r, true),
            (cx + r, cy - k, true),
            (cx + r, cy, false),
            (cx + r, cy + k, true),
            (cx + k, cy + r, true),
            (cx, cy + r, false),
            (cx - k, cy + r, true),
            (cx - r, cy + k, true),
            (cx - r, cy, false),
            (cx - r, cy - k, true),
            (cx - k, cy - r, true),
            (cx, cy - r, false),
        ];
        self.items.push(Prim::Path { points, fill, stroke });
    }

    /// A rectangle with rounded corners: `rt` for the top corners, `rb` for the bottom ones.
    #[allow(clippy::too_many_arguments)]
    pub fn rounded_rect(&mut self, x: f32, y: f32, w: f32, h: f32, rt: f32, rb: f32, fill: Option<Rgb3>, stroke: Option<(Rgb3, f32)>) {
        let k = 0.552_284_8;
        let (x2, y2) = (x + w, y + h);
        let points = vec![
            (x + rt, y, false),
            (x2 - rt, y, false),
            (x2 - rt + rt * k, y, true),
            (x2, y + rt - rt * k, true),
            (x2, y + rt, false),
            (x2, y2 - rb, false),
            (x2, y2 - rb + rb * k, true),
            (x2 - rb + rb * k, y2, true),
            (x2 - rb, y2, false),
            (x + rb, y2, false),
            (x + rb - rb * k, y2, true),
            (x, y2 - rb + rb * k, true),
            (x, y2 - rb, false),
            (x, y + rt, false),
            (x, y + rt - rt * k, true),
            (x + rt - rt * k, y, true),
            (x + rt, y, false),
        ];
        self.items.push(Prim::Path { points, fill, stroke });
    }

    pub fn path(&mut self, points: Vec<(f32, f32, bool)>, fill: Option<Rgb3>, stroke: Option<(Rgb3, f32)>) {
        self.items.push(Prim::Path { points, fill, stroke });
    }
}

// ---------------------------------------------------------------------------------------
// Pages

/// Page geometry in millimetres.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub page_w: f32,
    pub page_h: f32,
    pub left: f32,
    pub right: f32,
    pub top: f32,
    /// The lowest y the flow may reach.
    pub bottom: f32,
}

impl Frame {
    pub fn new(page_w: f32, page_h: f32) -> Self {
        Frame { page_w, page_h, left: 15.0, right: page_w - 15.0, top: 12.0, bottom: page_h - 17.0 }
    }

    pub fn width(&self) -> f32 {
        self.right - self.left
    }
}

/// What the engine needs to assemble pages around the flow.
pub struct PageSetup {
    pub frame: Frame,
    /// Exact media box in points (A4 595.28 × 841.89, Letter 612 × 792).
    pub media_pt: (f32, f32),
    pub first_header: Block,
    pub continued_header: Block,
    /// Footer for page `x` of `y` (items placed relative to the page top).
    pub footer: Box<dyn Fn(usize, usize) -> Vec<Prim>>,
    pub title: String,
}

/// Places the flow on pages: a block that does not fit starts a new page, a chain of
/// keep-with-next blocks moves together when it fits on a page, a table row that starts
/// a page brings its column header along.
pub fn paginate(setup: &PageSetup, blocks: &[Block]) -> Vec<Vec<Prim>> {
    let f = setup.frame;
    let mut pages: Vec<Vec<Prim>> = vec![place(&setup.first_header, f.top)];
    let first_top = f.top + setup.first_header.height;
    let rest_top = f.top + setup.continued_header.height;
    let mut y = first_top;
    let mut page_top = first_top;
    for (i, block) in blocks.iter().enumerate() {
        let mut chain = block.height;
        let mut j = i;
        while blocks[j].keep_with_next && j + 1 < blocks.len() {
            j += 1;
            chain += blocks[j].height;
        }
        let fits_on_fresh_page = chain <= f.bottom - rest_top - 1.0;
        let overflows = y + block.height > f.bottom || (fits_on_fresh_page && y + chain > f.bottom);
        if overflows && y > page_top + 0.01 {
            let mut items = place(&setup.continued_header, f.top);
            y = rest_top;
            if let Some(header) = &block.repeat_header {
                items.extend(place(header, y));
                y += header.height;
            }
            pages.push(items);
            page_top = rest_top;
        }
        if let Some(page) = pages.last_mut() {
            page.extend(place(block, y));
        }
        y += block.height;
    }
    let total = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        page.extend((setup.footer)(n + 1, total));
    }
    pages
}

fn place(block: &Block, y: f32) -> Vec<Prim> {
    block.items.iter().map(|p| p.shifted(y)).collect()
}

/// Pictures by index: raster images (`Prim::Image`) and charts drawn as paths (`Prim::Graphic`).
#[derive(Default)]
pub struct Pictures {
    pub images: Vec<RawImage>,
    pub graphics: Vec<Chart>,
}

struct Placed<'a> {
    images: Vec<(XObjectId, f32, f32)>,
    graphics: &'a [Chart],
}

/// Turns placed pages into PDF bytes with the font subset and the pictures embedded.
pub fn write_pdf(setup: &PageSetup, pages: Vec<Vec<Prim>>, pictures: &Pictures) -> Result<Vec<u8>, RenderError> {
    let font = font()?;
    let mut doc = PdfDocument::new(&setup.title);
    let font_id = doc.add_font(&font.parsed);
    let placed =
        Placed { images: pictures.images.iter().map(|img| (doc.add_image(img), img.width as f32, img.height as f32)).collect(), graphics: &pictures.graphics };
    let f = setup.frame;
    let (mw, mh) = setup.media_pt;
    let sx = mw / f.page_w;
    let sy = mh / f.page_h;
    let pt = |x: f32, y: f32| Point { x: Pt(x * sx), y: Pt(mh - y * sy) };

    let mut pdf_pages = Vec::with_capacity(pages.len());
    for prims in pages {
        let mut ops = Vec::with_capacity(prims.len() * 6);
        for prim in prims {
            emit(&mut ops, prim, &font_id, &placed, &pt, sx);
        }
        let mut page = PdfPage::new(Mm(f.page_w), Mm(f.page_h), ops);
        page.media_box = Rect::from_wh(Pt(mw), Pt(mh));
        page.trim_box = page.media_box.clone();
        page.crop_box = page.media_box.clone();
        pdf_pages.push(page);
    }
    let options = PdfSaveOptions { subset_fonts: true, optimize: true, ..PdfSaveOptions::default() };
    let mut warnings = Vec::new();
    Ok(doc.with_pages(pdf_pages).save(&options, &mut warnings))
}

fn emit(ops: &mut Vec<Op>, prim: Prim, font_id: &FontId, placed: &Placed, pt: &dyn Fn(f32, f32) -> Point, scale: f32) {
    match prim {
        Prim::Text { x, y, size, text, color: c, bold } => {
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont { font: PdfFontHandle::External(font_id.clone()), size: Pt(size) });
            ops.push(Op::SetFillColor { col: color(c) });
            if bold {
                // One face only: a hairline stroke around the glyphs reads as semibold.
                ops.push(Op::SetOutlineColor { col: color(c) });
                ops.push(Op::SetOutlineThickness { pt: Pt(size * 0.045) });
                ops.push(Op::SetTextRenderingMode { mode: TextRenderingMode::FillStroke });
            }
            ops.push(Op::SetTextCursor { pos: pt(x, y) });
            ops.push(Op::ShowText { items: vec![TextItem::Text(text)] });
            if bold {
                ops.push(Op::SetTextRenderingMode { mode: TextRenderingMode::Fill });
            }
            ops.push(Op::EndTextSection);
        }
        Prim::Line { x1, y1, x2, y2, width, color: c } => {
            ops.push(Op::SetOutlineColor { col: color(c) });
            ops.push(Op::SetOutlineThickness { pt: Pt(width / PT) });
            ops.push(Op::DrawLine {
                line: Line { points: vec![LinePoint { p: pt(x1, y1), bezier: false }, LinePoint { p: pt(x2, y2), bezier: false }], is_closed: false },
            });
        }
        Prim::Rect { x, y, w, h, fill, stroke } => {
            let points = vec![(x, y, false), (x + w, y, false), (x + w, y + h, false), (x, y + h, false)];
            emit_path(ops, &points, fill, stroke, pt);
        }
        Prim::Path { points, fill, stroke } => emit_path(ops, &points, fill, stroke, pt),
        Prim::Cells { rects, color: c } => {
            ops.push(Op::SetFillColor { col: color(c) });
            let rings = rects
                .iter()
                .map(|&(x, y, w, h)| PolygonRing {
                    points: [(x, y), (x + w, y), (x + w, y + h), (x, y + h)].iter().map(|&(px, py)| LinePoint { p: pt(px, py), bezier: false }).collect(),
                })
                .collect();
            ops.push(Op::DrawPolygon { polygon: Polygon { rings, mode: PaintMode::Fill, winding_order: WindingOrder::NonZero } });
        }
        Prim::Image { index, x, y, w, h } => place_image(ops, placed.images.get(index), (x, y, w, h), pt, scale),
        Prim::Graphic { index, x, y, w, h } => {
            let Some(chart) = placed.graphics.get(index).filter(|c| c.width > 0.0 && c.height > 0.0) else { return };
            let top_left = pt(x, y);
            let bottom_right = pt(x + w, y + h);
            ops.extend(chart.ops(top_left, ((bottom_right.x.0 - top_left.x.0) / chart.width, (top_left.y.0 - bottom_right.y.0) / chart.height)));
        }
    }
}

/// An embedded image of `width` × `height` pixels scaled into the box `(x, y, w, h)` mm.
fn place_image(ops: &mut Vec<Op>, picture: Option<&(XObjectId, f32, f32)>, (x, y, w, h): (f32, f32, f32, f32), pt: &dyn Fn(f32, f32) -> Point, scale: f32) {
    let Some((id, width, height)) = picture else { return };
    if *width <= 0.0 || *height <= 0.0 {
        return;
    }
    let origin = pt(x, y + h);
    ops.push(Op::UseXobject {
        id: id.clone(),
        transform: XObjectTransform {
            translate_x: Some(origin.x),
            translate_y: Some(origin.y),
            scale_x: Some(w * scale / width),
            scale_y: Some(h * scale / height),
            dpi: Some(72.0),
            ..XObjectTransform::default()
        },
    });
}

fn emit_path(ops: &mut Vec<Op>, points: &[(f32, f32, bool)], fill: Option<Rgb3>, stroke: Option<(Rgb3, f32)>, pt: &dyn Fn(f32, f32) -> Point) {
    let mode = match (fill, stroke) {
        (Some(_), Some(_)) => PaintMode::FillStroke,
        (Some(_), None) => PaintMode::Fill,
        (None, Some(_)) => PaintMode::Stroke,
        (None, None) => return,
    };
    if let Some(c) = fill {
        ops.push(Op::SetFillColor { col: color(c) });
    }
    if let Some((c, w)) = stroke {
        ops.push(Op::SetOutlineColor { col: color(c) });
        ops.push(Op::SetOutlineThickness { pt: Pt(w / PT) });
    }
    let ring = PolygonRing { points: points.iter().map(|&(x, y, b)| LinePoint { p: pt(x, y), bezier: b }).collect() };
    ops.push(Op::DrawPolygon { polygon: Polygon { rings: vec![ring], mode, winding_order: WindingOrder::NonZero } });
}

/// Dark modules of a QR code as cell rectangles (runs merged per row) in a square of
/// `size` mm at (x, y), with a quiet zone of `quiet` modules inside that square.
pub fn qr_cells(payload: &str, x: f32, y: f32, size: f32) -> Option<Prim> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let n = code.width();
    let colors = code.to_colors();
    let m = size / n as f32;
    let mut rects = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                // A hair of overlap avoids seams between rows in some viewers.
                rects.push((x + start as f32 * m, y + row as f32 * m, (col - start) as f32 * m, m + 0.01));
            } else {
                col += 1;
            }
        }
    }
    Some(Prim::Cells { rects, color: BLACK })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_wraps_per_character_and_latin_per_word() {
        let w = text_width("更换前刹车片", 10.0) + 0.1;
        let lines = wrap("更换前刹车片和刹车盘，检查刹车油", w, 10.0);
        assert_eq!(lines[0], "更换前刹车片");
        assert!(lines.iter().all(|l| !l.starts_with('，')), "{lines:?}");
        let lines = wrap("replace the front brake pads and discs", text_width("replace the front", 10.0) + 0.1, 10.0);
        assert_eq!(lines, vec!["replace the front", "brake pads and", "discs"]);
    }

    #[test]
    fn a_no_break_space_keeps_a_label_with_its_value() {
        let text = format!("1888 Jinxiu Road · Station{NBSP}SH-021");
        let lines = wrap(&text, text_width("1888 Jinxiu Road · Station", 8.0) + 0.5, 8.0);
        assert_eq!(lines, vec!["1888 Jinxiu Road ·", "Station SH-021"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken() {
        let lines = wrap("WDD2050401R123456789", text_width("WDD2050", 9.0), 9.0);
        assert!(lines.len() >= 3, "{lines:?}");
        assert_eq!(lines.concat(), "WDD2050401R123456789");
    }

    #[test]
    fn the_font_covers_simplified_traditional_latin_and_the_yuan_sign() {
        for c in "王芳車輛維修检查ABCxyz¥0123456789›—".chars() {
            assert!(has_glyph(c), "{c}");
        }
    }
}
