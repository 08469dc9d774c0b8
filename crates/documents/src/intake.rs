//! The intake work order (接车单 / 维修委托书).

use crate::labels;
use crate::layout::*;
use crate::model::{Document, DocumentKind, SignerRole};
use crate::sections::*;
use crate::RenderError;

const KIND: DocumentKind = DocumentKind::IntakeOrder;

pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let mut cx = Ctx::new(doc);
    let l = cx.l;
    let mut blocks = vec![parties(&cx, KIND)];

    blocks.push(heading(&cx, l.walk_around));
    blocks.push(walk_around(&cx));

    if !doc.concerns.is_empty() {
        blocks.push(heading(&cx, l.concerns));
        for (i, c) in doc.concerns.iter().enumerate() {
            let codes = (!c.fault_codes.is_empty()).then(|| format!("{}: {}", l.fault_codes, c.fault_codes.join(", ")));
            blocks.push(numbered_item(&cx, i + 1, &c.text, codes));
        }
        blocks.push(gap(2.0));
    }

    blocks.push(heading(&cx, l.estimate));
    blocks.extend(lines_table(&cx, &doc.jobs));
    let rows = standard_total_rows(&cx, false);
    blocks.push(totals_block(&cx, &rows, Some(sums_by_kind(&doc.jobs))));

    blocks.extend(terms(&cx));
    blocks.extend(signatures(&mut cx, KIND, &[SignerRole::Customer, SignerRole::Advisor])?);
    blocks.push(hash_block(&cx));

    finish_order(cx, KIND, blocks)
}

/// The walk-around diagram: a top view of a vehicle (front at the top) with the damage
/// marks drawn as numbered circles where they were recorded; beside it the list of
/// marks and the personal items left in the vehicle.
fn walk_around(cx: &Ctx) -> Block {
    let d = cx.doc;
    let l = cx.l;
    let lang = d.language;
    let x0 = cx.frame.left;
    let x1 = cx.frame.right;
    // The outline's box.
    let (bw, bh) = (34.0, 68.0);
    let bx = x0 + 9.0;
    let by = 5.0;
    let diagram_h = by + bh + 6.0;

    let mut b = Block::new(0.0);
    vehicle_outline(&mut b, bx, by, bw, bh);
    b.text_at(bx + bw / 2.0, 0.6, 7.0, l.front, FAINT, false, Align::Center);
    b.text_at(bx + bw / 2.0, by + bh + 1.4, 7.0, l.rear, FAINT, false, Align::Center);
    b.text_at(bx - 5.5, by + bh / 2.0 - 1.2, 7.0, l.left, FAINT, false, Align::Center);
    b.text_at(bx + bw + 5.5, by + bh / 2.0 - 1.2, 7.0, l.right, FAINT, false, Align::Center);

    for (i, m) in d.damage_marks.iter().enumerate() {
        let mx = bx + bw * f32::from(m.x_permille.min(1000)) / 1000.0;
        let my = by + bh * f32::from(m.y_permille.min(1000)) / 1000.0;
        mark(&mut b, mx, my, i + 1);
    }

    // The list to the right of the diagram.
    let lx = bx + bw + 14.0;
    let lw = x1 - lx;
    let mut y = 1.0;
    if d.damage_marks.is_empty() {
        b.text(lx, y, 9.0, l.no_damage, MUTED);
        y += leading(9.0) + 2.0;
    }
    for (i, m) in d.damage_marks.iter().enumerate() {
        mark(&mut b, lx + 2.2, y + 2.0, i + 1);
        let kind = labels::damage_kind(lang, m.kind);
        let kw = b.bold(lx + 6.5, y + 0.4, 9.0, kind, INK);
        let note_x = lx + 6.5 + kw.max(if lang.is_chinese() { 9.0 } else { 16.0 }) + 3.0;
        let lines = wrap(&m.note, x1 - note_x, 8.5);
        for (k, line) in lines.iter().enumerate() {
            b.text(note_x, y + 0.6 + k as f32 * leading(8.5), 8.5, line, INK);
        }
        y += (lines.len().max(1) as f32 * leading(8.5)).max(5.0) + 1.4;
    }

    y += 3.0;
    b.bold(lx, y, 8.5, l.personal_items, ACCENT);
    y += leading(8.5) + 0.8;
    if d.personal_items.is_empty() {
        b.text(lx, y, 9.0, l.none, MUTED);
        y += leading(9.0);
    } else {
        let sep = if lang.is_chinese() { "、" } else { ", " };
        y += b.paragraph(lx, y, lw, 9.0, &d.personal_items.join(sep), INK);
    }
    b.height = diagram_h.max(y + 3.0);
    b
}

/// A numbered circle.
fn mark(b: &mut Block, cx: f32, cy: f32, n: usize) {
    let r = 2.3;
    b.circle(cx, cy, r, Some(MARK), Some((WHITE, 0.35)));
    let label = n.to_string();
    let size = if label.len() > 1 { 6.0 } else { 7.0 };
    b.text_at(cx, cy - ascent(size) * 0.62, size, &label, WHITE, true, Align::Center);
}

/// A simple top view of a car in the box (x, y, w, h): wheels, body, glass, mirrors.
fn vehicle_outline(b: &mut Block, x: f32, y: f32, w: f32, h: f32) {
    let px = |u: f32| x + u * w;
    let py = |v: f32| y + v * h;
    let stroke = Some((MUTED, 0.35));
    let glass = Some(Rgb3(0.90, 0.93, 0.96));

    // Wheels, partly under the body.
    for &(u, v) in &[(-0.03, 0.13), (0.85, 0.13), (-0.03, 0.71), (0.85, 0.71)] {
        b.rounded_rect(px(u), py(v), 0.18 * w, 0.15 * h, 1.0, 1.0, Some(Rgb3(0.35, 0.37, 0.40)), None);
    }
    // Mirrors.
    b.rounded_rect(px(-0.08), py(0.315), 0.12 * w, 0.035 * h, 0.8, 0.8, Some(WHITE), stroke);
    b.rounded_rect(px(0.96), py(0.315), 0.12 * w, 0.035 * h, 0.8, 0.8, Some(WHITE), stroke);
    // Body: rounder at the front.
    b.rounded_rect(px(0.04), py(0.0), 0.92 * w, h, 0.32 * w, 0.2 * w, Some(WHITE), Some((INK, 0.5)));
    // Hood line and bumper hints.
    b.path(vec![(px(0.16), py(0.05), false), (px(0.5), py(0.025), true), (px(0.5), py(0.025), true), (px(0.84), py(0.05), false)], None, Some((RULE, 0.3)));
    // Windshield (wider at the hood), roof, rear window.
    b.path(
        vec![(px(0.14), py(0.30), false), (px(0.86), py(0.30), false), (px(0.78), py(0.40), false), (px(0.22), py(0.40), false), (px(0.14), py(0.30), false)],
        glass,
        stroke,
    );
    b.rounded_rect(px(0.22), py(0.40), 0.56 * w, 0.33 * h, 0.6, 0.6, None, Some((RULE, 0.3)));
    b.path(
        vec![(px(0.22), py(0.73), false), (px(0.78), py(0.73), false), (px(0.84), py(0.81), false), (px(0.16), py(0.81), false), (px(0.22), py(0.73), false)],
        glass,
        stroke,
    );
    // Side windows and the door seams.
    for &(u0, u1) in &[(0.09, 0.17), (0.83, 0.91)] {
        b.path(
            vec![(px(u0), py(0.41), false), (px(u1), py(0.40), false), (px(u1), py(0.72), false), (px(u0), py(0.70), false), (px(u0), py(0.41), false)],
            glass,
            stroke,
        );
    }
    for &(u0, u1) in &[(0.04, 0.09), (0.91, 0.96)] {
        b.line(px(u0), py(0.56), px(u1), py(0.56), 0.3, MUTED);
        b.line(px(u0), py(0.40), px(u1), py(0.40), 0.3, RULE);
        b.line(px(u0), py(0.72), px(u1), py(0.72), 0.3, RULE);
    }
    // Headlights and tail lights.
    for &u in &[0.12, 0.70] {
        b.rounded_rect(px(u), py(0.035), 0.18 * w, 0.025 * h, 0.6, 0.6, Some(Rgb3(0.97, 0.93, 0.75)), stroke);
        b.rounded_rect(px(u), py(0.95), 0.18 * w, 0.02 * h, 0.5, 0.5, Some(Rgb3(0.93, 0.70, 0.68)), stroke);
    }
}
