//! Sections the three documents share: page headers and footer, customer and vehicle,
//! the lines table, totals, terms, signatures and the hash.

use std::rc::Rc;

use printpdf::RawImage;

use crate::format::{money, percent, quantity, time};
use crate::labels::{self, Labels};
use crate::layout::*;
use crate::model::{Decision, Document, DocumentKind, Job, LineKind, SignatureMethod, SignerRole};
use crate::RenderError;

/// Everything a section needs: the document, its labels, the frame and the images
/// collected so far.
pub struct Ctx<'a> {
    pub doc: &'a Document,
    pub l: &'static Labels,
    pub frame: Frame,
    pub images: Vec<RawImage>,
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Document) -> Self {
        let (w, h) = doc.paper.size_mm();
        Ctx { doc, l: labels::labels(doc.language), frame: Frame::new(w, h), images: Vec::new() }
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

pub fn media_pt(doc: &Document) -> (f32, f32) {
    match doc.paper {
        crate::model::Paper::A4 => (595.276, 841.89),
        crate::model::Paper::Letter => (612.0, 792.0),
    }
}

const QR: f32 = 25.0;

/// The full header on the first page: station, title, order facts and the QR code.
pub fn first_header(cx: &Ctx, kind: DocumentKind) -> Block {
    let d = cx.doc;
    let l = cx.l;
    let (x0, x1) = (cx.x0(), cx.x1());
    let mut b = Block::new(36.0);

    // QR code, top right, with the order number under it.
    let qx = x1 - QR;
    if let Some(cells) = qr_cells(&d.qr_payload, qx, 0.0, QR) {
        b.items.push(cells);
    }

    // Order facts, right-aligned against the QR code.
    let fx = qx - 4.0;
    let mut facts: Vec<(&str, String, bool)> = vec![(l.order_number, d.order_number.clone(), true)];
    if let Some(a) = &d.archive_number {
        facts.push((l.archive_number, a.clone(), false));
    }
    facts.push((l.issued_at, time(&d.issued_at), false));
    if let Some(a) = &d.advisor {
        facts.push((l.advisor, a.clone(), false));
    }
    if kind == DocumentKind::IntakeOrder {
        if let Some(p) = &d.promised_at {
            facts.push((l.promised_at, time(p), false));
        }
    }
    let mut y = 0.6;
    let mut facts_w: f32 = 0.0;
    for (label, value, strong) in &facts {
        let size = if *strong { 11.0 } else { 8.5 };
        let vw = if *strong { b.text_at(fx, y, size, value, INK, true, Align::Right) } else { b.right(fx, y + 0.4, size, value, INK) };
        let lw = b.right(fx - vw - 2.5, y + if *strong { 1.2 } else { 0.6 }, 7.5, label, MUTED);
        facts_w = facts_w.max(vw + lw + 2.5);
        y += if *strong { 6.2 } else { 4.6 };
    }

    // Station name and contact, top left.
    let room = (fx - facts_w - 6.0 - x0).max(40.0);
    let name_size = fit_size(&d.station.name, room, 15.0, 9.0);
    b.bold(x0, 0.0, name_size, &d.station.name, INK);
    let mut contact: Vec<String> = Vec::new();
    if let Some(a) = &d.station.address {
        contact.push(a.clone());
    }
    let keep = |s: &str| s.replace(' ', &NBSP.to_string());
    if let Some(p) = &d.station.phone {
        contact.push(keep(&format!("{} {}", l.phone, p)));
    }
    contact.push(keep(&format!("{} {}", l.station_code, d.station.code)));
    let contact_lines = wrap(&contact.join("  ·  "), room, 7.5);
    for (i, line) in contact_lines.iter().take(2).enumerate() {
        b.text(x0, 7.2 + i as f32 * leading(7.5), 7.5, line, MUTED);
    }

    // Title.
    let title = l.title(kind);
    let title_top = 17.0;
    b.bold(x0, title_top, 17.0, title, ACCENT);
    b.text(x0, title_top + 8.2, 8.0, l.subtitle(kind), MUTED);

    b.hline(x0, x1, 33.0, 0.6, ACCENT);
    b
}

/// The compact header on the following pages.
pub fn continued_header(cx: &Ctx, kind: DocumentKind) -> Block {
    let d = cx.doc;
    let l = cx.l;
    let (x0, x1) = (cx.x0(), cx.x1());
    let mut b = Block::new(13.0);
    let vw = b.text_at(x1, 0.0, 10.5, &d.order_number, INK, true, Align::Right);
    b.right(x1 - vw - 2.0, 0.9, 7.5, l.order_number, MUTED);
    let room = x1 - vw - 24.0 - x0;
    let head = format!("{}  ·  {}{}", d.station.name, l.title(kind), l.continued);
    let size = fit_size(&head, room, 10.0, 7.0);
    b.bold(x0, 0.2, size, &head, INK);
    b.hline(x0, x1, 7.5, 0.5, ACCENT);
    b
}

/// The footer: the hash on every page and "page x of y".
pub fn footer(cx: &Ctx) -> Box<dyn Fn(usize, usize) -> Vec<Prim>> {
    let f = cx.frame;
    let page_of = cx.l.page_of;
    let hash = format!("SHA-256 {}", cx.doc.hash_hex);
    let order = cx.doc.order_number.clone();
    Box::new(move |x, y| {
        let mut b = Block::new(0.0);
        let top = f.bottom + 5.0;
        b.hline(f.left, f.right, top, 0.25, RULE);
        b.text(f.left, top + 1.6, 6.5, &format!("{order}  ·  {hash}"), FAINT);
        b.right(f.right, top + 1.3, 7.5, &page_of(x, y), MUTED);
        b.items
    })
}

/// A section heading, kept with what follows.
pub fn heading(cx: &Ctx, title: &str) -> Block {
    let mut b = Block::new(9.5);
    b.bold(cx.x0(), 3.2, 10.0, title, ACCENT);
    b.hline(cx.x0(), cx.x1(), 8.4, 0.3, RULE);
    b.keep_with_next()
}

/// A gap in the flow.
pub fn gap(h: f32) -> Block {
    Block::new(h)
}

fn kv(b: &mut Block, x: f32, top: f32, label_w: f32, width: f32, label: &str, value: &str) {
    b.text(x, top + 0.5, 7.5, label, MUTED);
    let size = fit_size(value, width - label_w, 9.5, 6.5);
    b.text(x + label_w, top, size, value, INK);
}

/// Customer and vehicle, side by side in a shaded panel, with odometer and fuel.
pub fn parties(cx: &Ctx, kind: DocumentKind) -> Block {
    let d = cx.doc;
    let l = cx.l;
    let (x0, w) = (cx.x0(), cx.w());
    let col_w = (w - 8.0) / 2.0;
    let lx = x0 + 4.0;
    let rx = x0 + 4.0 + col_w + 4.0;
    let label_w = if d.language == crate::model::Language::En { 25.0 } else { 17.0 };
    let row = 5.4;

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

    // Odometer and fuel go under the shorter column.
    let mut meters: Vec<(&str, String)> = Vec::new();
    if let Some(km) = d.odometer_in_km {
        meters.push((l.odometer_in, format!("{} {}", crate::format::group_thousands(km.into()), l.km)));
    }
    if kind == DocumentKind::DeliveryNote {
        if let Some(km) = d.odometer_out_km {
            meters.push((l.odometer_out, format!("{} {}", crate::format::group_thousands(km.into()), l.km)));
        }
    }
    let fuel = if kind == DocumentKind::IntakeOrder { d.fuel_eighths } else { None };
    let left_rows = left.len() + meters.len() + usize::from(fuel.is_some());
    let rows = left_rows.max(right.len());
    let h = 6.5 + rows as f32 * row + 2.5;
    let mut b = Block::new(h + 3.0);
    b.rect(x0, 0.0, w, h, Some(SHADE), None);
    b.bold(lx, 1.6, 8.0, l.customer, ACCENT);
    b.bold(rx, 1.6, 8.0, l.vehicle, ACCENT);
    b.line(x0 + 4.0 + col_w + 2.0, 2.0, x0 + 4.0 + col_w + 2.0, h - 2.0, 0.25, RULE);
    let mut y = 6.8;
    for (label, value) in left.iter().chain(meters.iter()) {
        kv(&mut b, lx, y, label_w, col_w, label, value);
        y += row;
    }
    if let Some(eighths) = fuel {
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
    let mut y = 6.8;
    for (label, value) in &right {
        kv(&mut b, rx, y, label_w, col_w, label, value);
        y += row;
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
    let kind_w = if cx.doc.language == crate::model::Language::En { 15.0 } else { 12.0 };
    let amount_r = x1 - 1.5;
    let price_r = amount_r - 27.0;
    let qty_r = price_r - 25.0;
    let desc = x0 + 9.0 + kind_w;
    Cols { no: x0 + 1.5, kind: x0 + 9.0, desc, desc_w: qty_r - 18.0 - desc, qty_r, price_r, amount_r }
}

fn table_header(cx: &Ctx) -> Block {
    let l = cx.l;
    let c = cols(cx);
    let mut b = Block::new(7.0);
    b.rect(cx.x0(), 0.0, cx.w(), 6.2, Some(SHADE), None);
    b.hline(cx.x0(), cx.x1(), 6.2, 0.3, RULE);
    let top = 1.6;
    b.text(c.no, top, 7.5, l.col_no, MUTED);
    b.text(c.kind, top, 7.5, l.col_kind, MUTED);
    b.text(c.desc, top, 7.5, l.col_description, MUTED);
    b.right(c.qty_r, top, 7.5, l.col_qty, MUTED);
    b.right(c.price_r, top, 7.5, l.col_unit_price, MUTED);
    b.right(c.amount_r, top, 7.5, l.col_amount, MUTED);
    b.keep_with_next()
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
        let badge = labels::decision(lang, job.decision);
        let badge_color = if declined { MARK } else { GOOD };
        let bw = text_width(badge, 7.5) + 3.0;
        row.rect(c.amount_r - bw + 1.5, 1.5, bw, 4.4, None, Some((badge_color, 0.25)));
        row.text_at(c.amount_r - bw / 2.0 + 1.5, 2.0, 7.5, badge, badge_color, false, Align::Center);
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
    let size = 7.5;
    let lines = wrap(t.text.trim(), cx.w(), size);
    for chunk in lines.chunks(3) {
        let mut b = Block::new(chunk.len() as f32 * leading(size));
        for (i, line) in chunk.iter().enumerate() {
            b.text(cx.x0(), i as f32 * leading(size), size, line, MUTED);
        }
        out.push(b);
    }
    if let Some(first) = out.get_mut(1) {
        first.keep_with_next = lines.len() > 3;
    }
    out.push(gap(2.0));
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
                    let index = cx.images.len();
                    cx.images.push(img);
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
