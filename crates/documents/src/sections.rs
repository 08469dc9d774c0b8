//! Sections the documents share: page headers and footer (a [`Masthead`]), label/value
//! panels, wrapping tables, customer and vehicle, the lines table, totals, terms,
//! signatures and the hash.

use std::rc::Rc;

use printpdf::RawImage;

use crate::format::{money, percent, quantity, time};
use crate::labels::{self, Labels};
use crate::layout::*;
use crate::model::{Decision, Document, DocumentKind, Job, Language, LineKind, Paper, SignatureMethod, SignerRole};
use crate::RenderError;

/// Everything a section needs: the document (a [`Document`] or a
/// [`crate::ComplaintRecord`], …), its labels, the frame and the pictures collected so far.
pub struct Ctx<'a, D = Document> {
    pub doc: &'a D,
    pub l: &'static Labels,
    pub paper: Paper,
    pub frame: Frame,
    pub pictures: Pictures,
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Document) -> Self {
        Ctx::with(doc, doc.language, doc.paper)
    }
}

impl<'a, D> Ctx<'a, D> {
    pub fn with(doc: &'a D, language: Language, paper: Paper) -> Self {
        let (w, h) = paper.size_mm();
        Ctx { doc, l: labels::labels(language), paper, frame: Frame::new(w, h), pictures: Pictures::default() }
    }

    fn x0(&self) -> f32 {
        self.frame.left
    }
    fn x1(&self) -> f32 {
        self.frame.right
    }
    fn w(&self) -> f32 {
        self.frame.width()
    }
}

pub fn media_pt(paper: Paper) -> (f32, f32) {
    match paper {
        Paper::A4 => (595.276, 841.89),
        Paper::Letter => (612.0, 792.0),
    }
}

const QR: f32 = 25.0;

/// What the page furniture of a document shows: the full header on the first page, the
/// compact one on the following pages and the footer.
pub struct Masthead {
    pub station_name: String,
    /// Address, phone, station code: joined with dots, at most two lines.
    pub contact: Vec<String>,
    pub title: &'static str,
    pub subtitle: &'static str,
    /// The document's number, printed large at the top right and on every page.
    pub number_label: &'static str,
    pub number: String,
    /// Further facts under the number.
    pub facts: Vec<(&'static str, String)>,
    /// A QR code at the top right.
    pub qr_payload: Option<String>,
    /// In the footer of every page, after the number.
    pub footer_note: String,
}

/// A contact item that wraps as one piece (`电话 021-…`, `Station SH-021`).
pub fn unbreakable(label: &str, value: &str) -> String {
    format!("{label} {value}").replace(' ', &NBSP.to_string())
}

/// The masthead of an order's document: order number, archive number, issue time,
/// advisor (and on the intake order the promised time), the QR code and the hash.
fn order_masthead(cx: &Ctx, kind: DocumentKind) -> Masthead {
    let d = cx.doc;
    let l = cx.l;
    let mut facts = Vec::new();
    if let Some(a) = &d.archive_number {
        facts.push((l.archive_number, a.clone()));
    }
    facts.push((l.issued_at, time(&d.issued_at)));
    if let Some(a) = &d.advisor {
        facts.push((l.advisor, a.clone()));
    }
    if kind == DocumentKind::IntakeOrder {
        if let Some(p) = &d.promised_at {
            facts.push((l.promised_at, time(p)));
        }
    }
    let mut contact: Vec<String> = d.station.address.iter().cloned().collect();
    if let Some(p) = &d.station.phone {
        contact.push(unbreakable(l.phone, p));
    }
    contact.push(unbreakable(l.station_code, &d.station.code));
    Masthead {
        station_name: d.station.name.clone(),
        contact,
        title: l.title(kind),
        subtitle: l.subtitle(kind),
        number_label: l.order_number,
        number: d.order_number.clone(),
        facts,
        qr_payload: Some(d.qr_payload.clone()),
        footer_note: format!("SHA-256 {}", d.hash_hex),
    }
}

/// Lays an order's document out on pages and writes the PDF.
pub fn finish_order(cx: Ctx, kind: DocumentKind, blocks: Vec<Block>) -> Result<Vec<u8>, RenderError> {
    let masthead = order_masthead(&cx, kind);
    finish(cx, &masthead, blocks)
}

/// Lays the blocks out on pages under the masthead and writes the PDF.
pub fn finish<D>(cx: Ctx<D>, masthead: &Masthead, blocks: Vec<Block>) -> Result<Vec<u8>, RenderError> {
    let setup = PageSetup {
        frame: cx.frame,
        media_pt: media_pt(cx.paper),
        first_header: first_header(&cx, masthead),
        continued_header: continued_header(&cx, masthead),
        footer: footer(&cx, masthead),
        title: format!("{} {}", masthead.title, masthead.number),
    };
    let pages = paginate(&setup, &blocks);
    write_pdf(&setup, pages, &cx.pictures)
}

/// The full header on the first page: station, title, the number and facts, the QR code.
fn first_header<D>(cx: &Ctx<D>, m: &Masthead) -> Block {
    let (x0, x1) = (cx.x0(), cx.x1());
    let mut b = Block::new(36.0);

    // QR code, top right; the facts right-aligned against it (or the margin).
    let mut fx = x1;
    if let Some(payload) = &m.qr_payload {
        let qx = x1 - QR;
        if let Some(cells) = qr_cells(payload, qx, 0.0, QR) {
            b.items.push(cells);
        }
        fx = qx - 4.0;
    }
    let facts = std::iter::once((m.number_label, &m.number, true)).chain(m.facts.iter().map(|(label, value)| (*label, value, false)));
    let mut y = 0.6;
    let mut facts_w: f32 = 0.0;
    for (label, value, strong) in facts {
        let size = if strong { 11.0 } else { 8.5 };
        let vw = if strong { b.text_at(fx, y, size, value, INK, true, Align::Right) } else { b.right(fx, y + 0.4, size, value, INK) };
        let lw = b.right(fx - vw - 2.5, y + if strong { 1.2 } else { 0.6 }, 7.5, label, MUTED);
        facts_w = facts_w.max(vw + lw + 2.5);
        y += if strong { 6.2 } else { 4.6 };
    }

    // Station name and contact, top left.
    let room = (fx - facts_w - 6.0 - x0).max(40.0);
    let name_size = fit_size(&m.station_name, room, 15.0, 9.0);
    b.bold(x0, 0.0, name_size, &m.station_name, INK);
    let contact_lines = wrap(&m.contact.join("  ·  "), room, 7.5);
    for (i, line) in contact_lines.iter().take(2).enumerate() {
        b.text(x0, 7.2 + i as f32 * leading(7.5), 7.5, line, MUTED);
    }

    // Title.
    let title_top = 17.0;
    b.bold(x0, title_top, 17.0, m.title, ACCENT);
    b.text(x0, title_top + 8.2, 8.0, m.subtitle, MUTED);

    b.hline(x0, x1, 33.0, 0.6, ACCENT);
    b
}

/// The compact header on the following pages.
fn continued_header<D>(cx: &Ctx<D>, m: &Masthead) -> Block {
    let (x0, x1) = (cx.x0(), cx.x1());
    let mut b = Block::new(13.0);
    let vw = b.text_at(x1, 0.0, 10.5, &m.number, INK, true, Align::Right);
    b.right(x1 - vw - 2.0, 0.9, 7.5, m.number_label, MUTED);
    let room = x1 - vw - 24.0 - x0;
    let head = format!("{}  ·  {}{}", m.station_name, m.title, cx.l.continued);
    let size = fit_size(&head, room, 10.0, 7.0);
    b.bold(x0, 0.2, size, &head, INK);
    b.hline(x0, x1, 7.5, 0.5, ACCENT);
    b
}

/// The footer: the number and the note (an order's hash) on every page, and "page x of y".
fn footer<D>(cx: &Ctx<D>, m: &Masthead) -> Box<dyn Fn(usize, usize) -> Vec<Prim>> {
    let f = cx.frame;
    let page_of = cx.l.page_of;
    let left = format!("{}  ·  {}", m.number, m.footer_note);
    Box::new(move |x, y| {
        let mut b = Block::new(0.0);
        let top = f.bottom + 5.0;
        b.hline(f.left, f.right, top, 0.25, RULE);
        b.text(f.left, top + 1.6, 6.5, &left, FAINT);
        b.right(f.right, top + 1.3, 7.5, &page_of(x, y), MUTED);
        b.items
    })
}

/// A section heading, kept with what follows.
pub fn heading<D>(cx: &Ctx<D>, title: &str) -> Block {
    let mut b = Block::new(9.5);
    b.bold(cx.x0(), 3.2, 10.0, title, ACCENT);
    b.hline(cx.x0(), cx.x1(), 8.4, 0.3, RULE);
    b.keep_with_next()
}

/// A muted line where a table has no rows.
pub fn none<D>(cx: &Ctx<D>, text: &str) -> Block {
    let mut b = Block::new(7.0);
    b.text(cx.x0() + 1.5, 1.5, 9.0, text, MUTED);
    b
}

/// A gap in the flow.
pub fn gap(h: f32) -> Block {
    Block::new(h)
}

/// A value beside its label: shrunk a little to stay on one line, wrapped when even
/// that is too wide. Returns the height used.
/// The pitch of a panel row.
const KV_ROW: f32 = 5.4;

fn kv(b: &mut Block, x: f32, top: f32, label_w: f32, width: f32, label: &str, value: &str) -> f32 {
    b.text(x, top + 0.5, 7.5, label, MUTED);
    let room = width - label_w;
    let size = fit_size(value, room, 9.5, 8.0);
    if text_width(value, size) <= room {
        b.text(x + label_w, top, size, value, INK);
        return KV_ROW;
    }
    let lines = wrap(value, room, 9.5);
    for (i, line) in lines.iter().enumerate() {
        b.text(x + label_w, top + i as f32 * leading(9.5), 9.5, line, INK);
    }
    KV_ROW + (lines.len() - 1) as f32 * leading(9.5)
}

/// Label/value rows in two columns, each under its title, in a shaded panel.
pub struct KvPanel {
    pub block: Block,
    /// Where a further row of each column starts: (x, top). The panel has room for the
    /// `extra_rows` asked for.
    pub next: [(f32, f32); 2],
}

pub type KvColumn<'a> = (&'a str, &'a [(&'a str, String)]);

pub fn kv_panel<D>(cx: &Ctx<D>, label_w: f32, columns: [KvColumn; 2], extra_rows: [usize; 2]) -> KvPanel {
    let (x0, w) = (cx.x0(), cx.w());
    let col_w = (w - 8.0) / 2.0;
    let mut block = Block::new(0.0);
    let mut next = [(0.0, 0.0); 2];
    for (i, (title, rows)) in columns.iter().enumerate() {
        let x = x0 + 4.0 + i as f32 * (col_w + 4.0);
        block.bold(x, 1.6, 8.0, title, ACCENT);
        let mut y = 6.8;
        for (label, value) in rows.iter() {
            y += kv(&mut block, x, y, label_w, col_w, label, value);
        }
        next[i] = (x, y);
    }
    let rows_h = (0..2).map(|i| next[i].1 - 6.8 + extra_rows[i] as f32 * KV_ROW).fold(0.0, f32::max);
    let h = 6.5 + rows_h + 2.5;
    // The panel goes under its text: drawn first.
    let mut items = Vec::with_capacity(block.items.len() + 2);
    let mut under = Block::new(0.0);
    under.rect(x0, 0.0, w, h, Some(SHADE), None);
    under.line(x0 + 4.0 + col_w + 2.0, 2.0, x0 + 4.0 + col_w + 2.0, h - 2.0, 0.25, RULE);
    items.append(&mut under.items);
    items.append(&mut block.items);
    block.items = items;
    block.height = h + 3.0;
    KvPanel { block, next }
}

/// Customer and vehicle, side by side in a shaded panel, with odometer, battery and fuel.
pub fn parties(cx: &Ctx, kind: DocumentKind) -> Block {
    let d = cx.doc;
    let l = cx.l;
    let label_w = if d.language.is_chinese() { 17.0 } else { 25.0 };

    let mut left: Vec<(&str, String)> = vec![(l.customer_name, d.customer.name.clone())];
    if !d.customer.phones.is_empty() {
        left.push((l.phone, d.customer.phones.join(" / ")));
    }
    if let Some(no) = &d.customer.customer_no {
        left.push((l.customer_no, no.clone()));
    }
    let v = &d.vehicle;
    let mut right: Vec<(&str, String)> = vec![(l.plate, v.plate.clone())];
    if let Some(vin) = &v.vin {
        right.push((l.vin, vin.clone()));
    }
    let make_model: Vec<String> = [v.make.clone(), v.model.clone(), v.year.map(|y| y.to_string())].into_iter().flatten().collect();
    if !make_model.is_empty() {
        right.push((l.make_model, make_model.join(" ")));
    }
    if let Some(c) = &v.color {
        right.push((l.color, c.clone()));
    }

    // Odometer and fuel go under the customer.
    if let Some(km) = d.odometer_in_km {
        left.push((l.odometer_in, format!("{} {}", crate::format::group_thousands(km.into()), l.km)));
    }
    if kind == DocumentKind::DeliveryNote {
        if let Some(km) = d.odometer_out_km {
            left.push((l.odometer_out, format!("{} {}", crate::format::group_thousands(km.into()), l.km)));
        }
    }
    let intake = kind == DocumentKind::IntakeOrder;
    // An electric car's order has a battery level and no fuel; a hybrid's has both.
    if let Some(pct) = d.battery_percent.filter(|_| intake) {
        left.push((l.battery, format!("{}%", pct.min(100))));
    }
    let fuel = if intake { d.fuel_eighths } else { None };
    let panel = kv_panel(cx, label_w, [(l.customer, &left), (l.vehicle, &right)], [usize::from(fuel.is_some()), 0]);
    let mut b = panel.block;
    if let Some(eighths) = fuel {
        let (lx, y) = panel.next[0];
        let eighths = eighths.min(8);
        b.text(lx, y + 0.5, 7.5, l.fuel, MUTED);
        let gx = lx + label_w;
        let cell = 4.2;
        for i in 0..8u8 {
            let fill = if i < eighths { Some(ACCENT) } else { Some(WHITE) };
            b.rect(gx + f32::from(i) * cell, y + 0.6, cell - 0.7, 3.0, fill, Some((FAINT, 0.2)));
        }
        b.text(gx + 8.0 * cell + 1.5, y, 9.0, &format!("{eighths}/8"), INK);
        b.text(gx - 0.1, y + 3.9, 5.5, "E", FAINT);
        b.right(gx + 8.0 * cell - 0.7, y + 3.9, 5.5, "F", FAINT);
    }
    b
}

// Columns of the lines table, as offsets from the left edge.
struct Cols {
    no: f32,
    kind: f32,
    desc: f32,
    desc_w: f32,
    qty_r: f32,
    price_r: f32,
    amount_r: f32,
}

fn cols(cx: &Ctx) -> Cols {
    let x0 = cx.x0();
    let x1 = cx.x1();
    let kind_w = if cx.doc.language.is_chinese() { 12.0 } else { 15.0 };
    let amount_r = x1 - 1.5;
    let price_r = amount_r - 27.0;
    let qty_r = price_r - 25.0;
    let desc = x0 + 9.0 + kind_w;
    Cols { no: x0 + 1.5, kind: x0 + 9.0, desc, desc_w: qty_r - 18.0 - desc, qty_r, price_r, amount_r }
}

fn table_header(cx: &Ctx) -> Block {
    let l = cx.l;
    let c = cols(cx);
    column_header(
        cx,
        &[
            (c.no, l.col_no, Align::Left),
            (c.kind, l.col_kind, Align::Left),
            (c.desc, l.col_description, Align::Left),
            (c.qty_r, l.col_qty, Align::Right),
            (c.price_r, l.col_unit_price, Align::Right),
            (c.amount_r, l.col_amount, Align::Right),
        ],
    )
}

/// A table's shaded column header (x, title, alignment), kept with the first row.
pub fn column_header<D>(cx: &Ctx<D>, titles: &[(f32, &str, Align)]) -> Block {
    let mut b = Block::new(7.0);
    b.rect(cx.x0(), 0.0, cx.w(), 6.2, Some(SHADE), None);
    b.hline(cx.x0(), cx.x1(), 6.2, 0.3, RULE);
    for &(x, title, align) in titles {
        b.text_at(x, 1.6, 7.5, title, MUTED, false, align);
    }
    b.keep_with_next()
}

/// An outlined label (a job's decision, an overdue clock) ending at `right`; returns its width.
pub fn badge(b: &mut Block, right: f32, top: f32, text: &str, color: Rgb3) -> f32 {
    let bw = text_width(text, 7.5) + 3.0;
    b.rect(right - bw, top, bw, 4.4, None, Some((color, 0.25)));
    b.text_at(right - bw / 2.0, top + 0.5, 7.5, text, color, false, Align::Center);
    bw
}

/// The lines table: a column header, then per job a title row with the customer's
/// decision and its lines. The last two rows stay with whatever follows (the totals).
pub fn lines_table(cx: &Ctx, jobs: &[Job]) -> Vec<Block> {
    let lang = cx.doc.language;
    let c = cols(cx);
    let header = Rc::new(table_header(cx));
    let mut out = vec![(*header).clone()];
    let mut n = 0;
    for job in jobs {
        let declined = job.decision == Decision::Declined;
        let mut row = Block::new(7.2);
        row.repeat_header = Some(header.clone());
        let badge_text = labels::decision(lang, job.decision);
        let badge_color = if declined { MARK } else { GOOD };
        let bw = badge(&mut row, c.amount_r + 1.5, 1.5, badge_text, badge_color);
        let title_size = fit_size(&job.title, c.amount_r - bw - 4.0 - c.kind, 9.5, 7.0);
        row.bold(c.no, 1.6, title_size, &job.title, if declined { MUTED } else { INK });
        row.hline(cx.x0(), cx.x1(), 7.2, 0.2, HAIRLINE);
        row = row.keep_with_next();
        out.push(row);
        for line in &job.lines {
            n += 1;
            let ink = if declined { FAINT } else { INK };
            let desc = wrap(&line.description, c.desc_w, 9.0);
            let code_h = if line.code.is_some() { leading(7.0) } else { 0.0 };
            let h = 2.6 + desc.len() as f32 * leading(9.0) + code_h + 1.0;
            let mut row = Block::new(h);
            row.repeat_header = Some(header.clone());
            let top = 1.8;
            row.text(c.no, top + 0.3, 8.0, &n.to_string(), MUTED);
            row.text(c.kind, top + 0.3, 8.0, labels::line_kind(lang, line.kind), MUTED);
            for (i, text) in desc.iter().enumerate() {
                row.text(c.desc, top + i as f32 * leading(9.0), 9.0, text, ink);
            }
            if let Some(code) = &line.code {
                row.text(c.desc, top + desc.len() as f32 * leading(9.0), 7.0, code, FAINT);
            }
            let qty = match &line.unit {
                Some(u) => format!("{} {}", quantity(line.quantity_milli), u),
                None => quantity(line.quantity_milli),
            };
            row.right(c.qty_r, top, 9.0, &qty, ink);
            row.right(c.price_r, top, 9.0, &money(line.unit_price), ink);
            row.right(c.amount_r, top, 9.0, &money(line.amount), ink);
            if declined {
                let aw = text_width(&money(line.amount), 9.0);
                row.hline(c.amount_r - aw, c.amount_r, top + ascent(9.0) * 0.62, 0.25, FAINT);
            }
            row.hline(c.desc, cx.x1(), h, 0.15, HAIRLINE);
            out.push(row);
        }
    }
    // Keep the last lines with the totals that follow.
    let len = out.len();
    for b in out.iter_mut().skip(len.saturating_sub(2)) {
        b.keep_with_next = true;
    }
    out
}

/// Sums of approved lines per kind (labor, parts, sublet).
pub fn sums_by_kind(jobs: &[Job]) -> [(LineKind, i64); 3] {
    let mut sums = [(LineKind::Labor, 0), (LineKind::Part, 0), (LineKind::Sublet, 0)];
    for job in jobs.iter().filter(|j| j.decision == Decision::Approved) {
        for line in &job.lines {
            if let Some(s) = sums.iter_mut().find(|s| s.0 == line.kind) {
                s.1 += line.amount;
            }
        }
    }
    sums
}

/// Rows of the totals panel: (label, value, emphasis).
pub type TotalRow = (String, String, bool);

pub fn standard_total_rows(cx: &Ctx, with_payments: bool) -> Vec<TotalRow> {
    let l = cx.l;
    let t = &cx.doc.totals;
    let mut rows = vec![(l.subtotal.to_string(), money(t.subtotal), false)];
    if t.discount != 0 {
        rows.push((l.discount.to_string(), money(-t.discount), false));
    }
    if t.tax_rate_bp != 0 || t.tax != 0 {
        rows.push((format!("{} ({})", l.tax, percent(t.tax_rate_bp)), money(t.tax), false));
    }
    rows.push((l.total.to_string(), money(t.total), true));
    if with_payments {
        rows.push((l.paid.to_string(), money(t.paid), false));
        rows.push((l.balance.to_string(), money(t.balance), true));
    }
    rows
}

/// The totals panel on the right; on the left, the approved amounts by kind.
pub fn totals_block(cx: &Ctx, rows: &[TotalRow], by_kind: Option<[(LineKind, i64); 3]>) -> Block {
    let (x0, x1) = (cx.x0(), cx.x1());
    let panel_w = 82.0;
    let px = x1 - panel_w;
    let row_h = 5.6;
    let strong_h = 7.4;
    let h: f32 = 3.0 + rows.iter().map(|r| if r.2 { strong_h } else { row_h }).sum::<f32>() + 1.5;
    // The gap above the panel is part of the block, so the keep-with-next chain from the
    // last table lines reaches the totals.
    let top = 2.5;
    let mut b = Block::new(top + h + 3.0);
    b.rect(px, top, panel_w, h, Some(SHADE), None);
    let mut y = top + 2.2;
    for (label, value, strong) in rows {
        if *strong {
            b.hline(px + 3.0, x1 - 3.0, y - 0.2, 0.35, RULE);
            b.bold(px + 3.0, y + 2.0, 10.0, label, INK);
            b.text_at(x1 - 3.0, y + 1.5, 11.5, value, INK, true, Align::Right);
            y += strong_h;
        } else {
            b.text(px + 3.0, y + 0.6, 8.5, label, MUTED);
            b.right(x1 - 3.0, y + 0.4, 9.0, value, INK);
            y += row_h;
        }
    }
    if let Some(sums) = by_kind {
        let l = cx.l;
        let mut y = top + 2.6;
        for (kind, amount) in sums.iter().filter(|s| s.1 != 0 || s.0 != LineKind::Sublet) {
            let label = match kind {
                LineKind::Labor => l.labor_total,
                LineKind::Part => l.parts_total,
                LineKind::Sublet => l.sublet_total,
            };
            b.text(x0 + 1.5, y + 0.4, 8.5, label, MUTED);
            b.right(x0 + 55.0, y + 0.2, 9.0, &money(*amount), INK);
            y += row_h;
        }
    }
    b
}

/// The terms, one block per few lines so a long text can break across pages.
pub fn terms(cx: &Ctx) -> Vec<Block> {
    let l = cx.l;
    let t = &cx.doc.terms;
    if t.text.trim().is_empty() {
        return Vec::new();
    }
    let title = format!("{}  ·  {} {}", l.terms, l.terms_version, t.version);
    let mut out = vec![heading(cx, &title)];
    out.extend(text_blocks(cx.x0(), cx.w(), 7.5, t.text.trim(), MUTED));
    out.push(gap(2.0));
    out
}

/// Wrapped text as one block per three lines, so a long text can break across pages;
/// the first block stays with the second (no single line left behind).
pub fn text_blocks(x: f32, width: f32, size: f32, text: &str, color: Rgb3) -> Vec<Block> {
    let lines = wrap(text, width, size);
    let mut out: Vec<Block> = lines
        .chunks(3)
        .map(|chunk| {
            let mut b = Block::new(chunk.len() as f32 * leading(size));
            for (i, line) in chunk.iter().enumerate() {
                b.text(x, i as f32 * leading(size), size, line, color);
            }
            b
        })
        .collect();
    if let Some(first) = out.first_mut() {
        first.keep_with_next = lines.len() > 3;
    }
    out
}

/// Signature boxes, two per row: role, the image (or how it was given), a signature
/// line, the name, time and method.
pub fn signatures(cx: &mut Ctx, kind: DocumentKind, roles: &[SignerRole]) -> Result<Vec<Block>, RenderError> {
    let l = cx.l;
    let lang = cx.doc.language;
    let mut out = vec![heading(cx, l.signatures)];
    let (x0, w) = (cx.x0(), cx.w());
    let box_w = (w - 6.0) / 2.0;
    let box_h = 37.0;
    // Every signature given, plus an empty box for each expected role that has none.
    let mut entries: Vec<(SignerRole, Option<&crate::model::Signature>)> = cx.doc.signatures.iter().map(|s| (s.role, Some(s))).collect();
    for role in roles {
        if !entries.iter().any(|e| e.0 == *role) {
            entries.push((*role, None));
        }
    }
    for pair in entries.chunks(2) {
        let mut b = Block::new(box_h + 3.0);
        for (i, (role, sig)) in pair.iter().enumerate() {
            let bx = x0 + i as f32 * (box_w + 6.0);
            b.rect(bx, 0.0, box_w, box_h, None, Some((RULE, 0.3)));
            b.bold(bx + 3.0, 2.2, 8.0, labels::signer_role(lang, kind, *role), ACCENT);
            let line_y = 26.0;
            b.hline(bx + 3.0, bx + box_w - 3.0, line_y, 0.3, FAINT);
            let Some(sig) = sig else {
                b.text(bx + 3.0, line_y - 6.0, 8.0, l.not_signed, FAINT);
                continue;
            };
            // The image, fitted into the area above the line and centred.
            let (ax, ay, aw, ah) = (bx + 3.0, 6.5, box_w - 6.0, line_y - 7.0);
            if let Some(png) = &sig.image_png {
                let img = RawImage::decode_from_bytes(png, &mut Vec::new()).map_err(RenderError::SignatureImage)?;
                if img.width > 0 && img.height > 0 {
                    let ratio = img.width as f32 / img.height as f32;
                    let (iw, ih) = if aw / ah > ratio { (ah * ratio, ah) } else { (aw, aw / ratio) };
                    let index = cx.pictures.images.len();
                    cx.pictures.images.push(img);
                    b.items.push(Prim::Image { index, x: ax + (aw - iw) / 2.0, y: ay + (ah - ih) / 2.0, w: iw, h: ih });
                }
            } else if sig.method != SignatureMethod::OnScreen {
                let text = sig.note.clone().unwrap_or_else(|| labels::signature_method(lang, sig.method).to_string());
                let lines = wrap(&text, aw, 8.0);
                for (k, line) in lines.iter().take(3).enumerate() {
                    b.text(ax, line_y - 2.0 - (lines.len().min(3) - k) as f32 * leading(8.0), 8.0, line, MUTED);
                }
            }
            b.text(bx + 3.0, line_y + 1.6, 9.5, &sig.name, INK);
            b.right(bx + box_w - 3.0, line_y + 2.0, 7.5, &format!("{} {}", l.signed_at, time(&sig.signed_at)), MUTED);
            let mut method = labels::signature_method(lang, sig.method).to_string();
            if sig.image_png.is_some() {
                if let Some(note) = &sig.note {
                    method = format!("{method} · {note}");
                }
            }
            let size = fit_size(&method, box_w - 6.0, 7.0, 5.5);
            b.text(bx + 3.0, line_y + 6.6, size, &method, FAINT);
        }
        out.push(b);
    }
    // The heading stays with the first row of boxes, the last row with the hash block
    // that follows, so neither ends up alone on a page.
    if let Some(last) = out.last_mut() {
        last.keep_with_next = true;
    }
    Ok(out)
}

/// The hash as text, with how to check a paper copy.
pub fn hash_block(cx: &Ctx) -> Block {
    let l = cx.l;
    let (x0, w) = (cx.x0(), cx.w());
    let hint = wrap(l.verify_hint, w - 6.0, 7.0);
    let h = 4.0 + leading(7.5) + leading(8.5) + hint.len() as f32 * leading(7.0) + 2.0;
    let top = 1.0;
    let mut b = Block::new(top + h + 2.0);
    b.rect(x0, top, w, h, None, Some((RULE, 0.3)));
    let y = top + 2.0;
    b.bold(x0 + 3.0, y, 7.5, l.hash, ACCENT);
    let hash_size = fit_size(&cx.doc.hash_hex, w - 6.0, 8.5, 6.0);
    b.text(x0 + 3.0, y + leading(7.5), hash_size, &cx.doc.hash_hex, INK);
    for (i, line) in hint.iter().enumerate() {
        b.text(x0 + 3.0, y + leading(7.5) + leading(8.5) + 0.5 + i as f32 * leading(7.0), 7.0, line, MUTED);
    }
    b
}

/// A labelled paragraph block (label in accent, text wrapped under it).
pub fn numbered_item(cx: &Ctx, n: usize, text: &str, extra: Option<String>) -> Block {
    let (x0, w) = (cx.x0(), cx.w());
    let size = 9.0;
    let lines = wrap(text, w - 8.0, size);
    let extra_lines = extra.as_ref().map(|e| wrap(e, w - 8.0, 7.5)).unwrap_or_default();
    let h = 1.2 + lines.len() as f32 * leading(size) + extra_lines.len() as f32 * leading(7.5) + 1.0;
    let mut b = Block::new(h);
    b.text(x0 + 1.0, 1.2, size, &format!("{n}."), MUTED);
    let mut y = 1.2;
    for line in &lines {
        b.text(x0 + 7.0, y, size, line, INK);
        y += leading(size);
    }
    for line in &extra_lines {
        b.text(x0 + 7.0, y, 7.5, line, MUTED);
        y += leading(7.5);
    }
    b
}

/// A column of [`table`]: its title, its width (`None`: what the others leave) and
/// how its cells align.
pub struct Column<'a> {
    pub title: &'a str,
    pub width: Option<f32>,
    pub align: Align,
}

impl<'a> Column<'a> {
    /// The width of its widest cell (or its title), up to `max` mm; wider cells wrap.
    pub fn fitted<'v>(title: &'a str, values: impl IntoIterator<Item = &'v str>, max: f32, align: Align) -> Self {
        let widest = values.into_iter().map(|v| text_width(v, CELL_SIZE)).fold(text_width(title, 7.5), f32::max);
        Column { title, width: Some((widest + 0.5).min(max)), align }
    }

    pub fn rest(title: &'a str) -> Self {
        Column { title, width: None, align: Align::Left }
    }
}

/// A cell of [`table`]: text wrapped in its column, or an outlined badge.
pub struct Cell {
    pub text: String,
    pub color: Rgb3,
    pub badge: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>, color: Rgb3) -> Self {
        Cell { text: text.into(), color, badge: false }
    }

    pub fn badge(text: impl Into<String>, color: Rgb3) -> Self {
        Cell { text: text.into(), color, badge: true }
    }
}

const CELL_SIZE: f32 = 8.5;
const GUTTER: f32 = 3.0;
/// A row taller than this many lines is split, so it can break across pages.
const ROW_LINES: usize = 8;

/// A table whose cells wrap in their columns, with the column header repeated on every
/// page it runs onto.
pub fn table<D>(cx: &Ctx<D>, columns: &[Column], rows: &[Vec<Cell>]) -> Vec<Block> {
    let fixed: f32 = columns.iter().filter_map(|c| c.width).sum();
    let inner = cx.w() - 3.0 - GUTTER * columns.len().saturating_sub(1) as f32;
    let rest = (inner - fixed).max(15.0);
    let mut x = cx.x0() + 1.5;
    let spans: Vec<(f32, f32)> = columns
        .iter()
        .map(|c| {
            let span = (x, c.width.unwrap_or(rest));
            x += span.1 + GUTTER;
            span
        })
        .collect();
    let anchor = |(x, w): (f32, f32), align: Align| match align {
        Align::Left => x,
        Align::Right => x + w,
        Align::Center => x + w / 2.0,
    };
    let titles: Vec<(f32, &str, Align)> = columns.iter().zip(&spans).map(|(c, &span)| (anchor(span, c.align), c.title, c.align)).collect();
    let header = Rc::new(column_header(cx, &titles));
    let mut out = vec![(*header).clone()];
    for row in rows {
        let lines: Vec<Vec<String>> =
            row.iter().zip(&spans).map(|(cell, &(_, w))| if cell.badge { Vec::new() } else { wrap(&cell.text, w, CELL_SIZE) }).collect();
        let n = lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let chunks = n.div_ceil(ROW_LINES);
        for k in 0..chunks {
            let (first, last) = (k * ROW_LINES, ((k + 1) * ROW_LINES).min(n));
            let top = if k == 0 { 1.6 } else { 0.0 };
            let h = top + (last - first) as f32 * leading(CELL_SIZE) + if k + 1 == chunks { 1.4 } else { 0.0 };
            let mut b = Block::new(h);
            b.repeat_header = Some(header.clone());
            for ((cell, cell_lines), (&span, column)) in row.iter().zip(&lines).zip(spans.iter().zip(columns)) {
                if cell.badge && k == 0 {
                    badge(&mut b, span.0 + span.1, top - 0.4, &cell.text, cell.color);
                }
                for (i, line) in cell_lines.iter().enumerate().take(last).skip(first) {
                    b.text_at(anchor(span, column.align), top + (i - first) as f32 * leading(CELL_SIZE), CELL_SIZE, line, cell.color, false, column.align);
                }
            }
            if k + 1 == chunks {
                b.hline(cx.x0(), cx.x1(), h, 0.15, HAIRLINE);
            }
            out.push(b);
        }
    }
    out
}
