//! The complaint record (投诉处理记录): one complaint from the station's complaint ledger
//! with its facts, the customer's words, the response clocks, cause and resolution,
//! compensation and the whole timeline. Not a signed document: no hash, no QR code.

use crate::layout::*;
use crate::model::ComplaintRecord;
use crate::sections::*;
use crate::RenderError;

type Cx<'a> = Ctx<'a, ComplaintRecord>;

pub fn render(r: &ComplaintRecord) -> Result<Vec<u8>, RenderError> {
    let cx = Ctx::with(r, r.language, r.paper);
    let l = cx.l;
    let mut blocks = vec![facts(&cx)];

    blocks.push(heading(&cx, l.customer_words));
    blocks.extend(text_blocks(cx.frame.left, cx.frame.width(), 9.5, r.description.trim(), INK));
    blocks.push(gap(3.0));

    if !r.clocks.is_empty() {
        blocks.push(heading(&cx, l.clocks));
        blocks.extend(clocks(&cx));
        blocks.push(gap(3.0));
    }

    blocks.push(heading(&cx, l.resolution));
    blocks.extend(resolution(&cx));
    blocks.push(gap(2.0));

    blocks.push(heading(&cx, l.compensation));
    blocks.extend(compensations(&cx));
    blocks.push(gap(3.0));

    blocks.push(heading(&cx, l.timeline));
    blocks.extend(timeline(&cx));

    let masthead = Masthead {
        station_name: r.station_name.clone(),
        contact: vec![unbreakable(l.station_code, &r.station_code)],
        title: l.complaint_title,
        subtitle: l.complaint_subtitle,
        number_label: l.complaint_number,
        number: r.number.clone(),
        facts: vec![(l.status, r.status.clone()), (l.severity, r.severity.clone())],
        qr_payload: None,
        footer_note: format!("{} {}", l.printed_at, r.printed_at),
    };
    finish(cx, &masthead, blocks)
}

/// The complaint on the left, the customer and vehicle on the right.
fn facts(cx: &Cx) -> Block {
    let (r, l) = (cx.doc, cx.l);
    let mut complaint = vec![
        (l.channel, r.channel.clone()),
        (l.category, r.category.join(" › ")),
        (l.received_at, r.received_at.clone()),
        (l.received_by, r.received_by.clone()),
        (l.owner, r.owner.clone()),
    ];
    if let Some(earlier) = &r.repeat_of {
        complaint.push((l.repeat_of, earlier.clone()));
    }
    let mut customer = vec![(l.customer_name, r.customer_name.clone()), (l.phone, r.customer_phone.clone())];
    for (label, value) in [(l.plate, &r.plate), (l.vin, &r.vin), (l.order_number, &r.order_number)] {
        if let Some(value) = value {
            customer.push((label, value.clone()));
        }
    }
    let label_w = complaint.iter().chain(&customer).map(|(label, _)| text_width(label, 7.5)).fold(0.0, f32::max) + 3.0;
    kv_panel(cx, label_w, [(l.complaint, &complaint), (l.customer_and_vehicle, &customer)], [0, 0]).block
}

/// Each clock with its limit and state; a breached one in red with an "overdue" badge.
fn clocks(cx: &Cx) -> Vec<Block> {
    let (r, l) = (cx.doc, cx.l);
    let mut columns = vec![
        Column::fitted(l.col_clock, r.clocks.iter().map(|c| c.label.as_str()), 50.0, Align::Left),
        Column::fitted(l.col_limit, r.clocks.iter().map(|c| c.limit.as_str()), 30.0, Align::Left),
        Column::rest(l.col_state),
    ];
    let any_breached = r.clocks.iter().any(|c| c.breached);
    if any_breached {
        columns.push(Column { title: "", width: Some(text_width(l.overdue, 7.5) + 3.0), align: Align::Right });
    }
    let rows: Vec<Vec<Cell>> = r
        .clocks
        .iter()
        .map(|c| {
            let ink = if c.breached { MARK } else { INK };
            let mut row = vec![Cell::new(&c.label, INK), Cell::new(&c.limit, INK), Cell::new(&c.state, ink)];
            if any_breached {
                row.push(if c.breached { Cell::badge(l.overdue, MARK) } else { Cell::new("", INK) });
            }
            row
        })
        .collect();
    table(cx, &columns, &rows)
}

/// Cause, corrective action, solution and the customer's answer: each label with its
/// text wrapped beside it, or "not recorded".
fn resolution(cx: &Cx) -> Vec<Block> {
    let (r, l) = (cx.doc, cx.l);
    let items = [(l.cause, &r.cause), (l.corrective_action, &r.corrective_action), (l.solution, &r.solution), (l.customer_answer, &r.customer_answer)];
    let label_w = items.iter().map(|(label, _)| text_width(label, 7.5)).fold(0.0, f32::max) + 4.0;
    let (x0, w) = (cx.frame.left, cx.frame.width());
    let mut out = Vec::new();
    for (label, text) in items {
        let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let mut blocks = text_blocks(x0 + label_w, w - label_w, 9.0, text.unwrap_or(l.not_recorded), if text.is_some() { INK } else { FAINT });
        if let Some(first) = blocks.first_mut() {
            // On the text's baseline.
            first.text(x0, ascent(9.0) - ascent(7.5), 7.5, label, MUTED);
        }
        out.extend(blocks);
        out.push(gap(1.8));
    }
    out
}

fn compensations(cx: &Cx) -> Vec<Block> {
    let (r, l) = (cx.doc, cx.l);
    if r.compensations.is_empty() {
        return vec![none(cx, l.no_compensation)];
    }
    let lines = &r.compensations;
    let columns = [
        Column::fitted(l.col_kind, lines.iter().map(|c| c.kind.as_str()), 32.0, Align::Left),
        Column::rest(l.col_details),
        Column::fitted(l.col_value, lines.iter().map(|c| c.value.as_str()), 35.0, Align::Right),
        Column::fitted(l.col_approved_by, lines.iter().filter_map(|c| c.approved_by.as_deref()), 32.0, Align::Left),
    ];
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|c| {
            vec![Cell::new(&c.kind, INK), Cell::new(&c.description, INK), Cell::new(&c.value, INK), Cell::new(c.approved_by.as_deref().unwrap_or("—"), MUTED)]
        })
        .collect();
    table(cx, &columns, &rows)
}

/// Every entry, oldest first: time, who, kind, the text wrapped.
fn timeline(cx: &Cx) -> Vec<Block> {
    let (r, l) = (cx.doc, cx.l);
    if r.timeline.is_empty() {
        return vec![none(cx, l.no_timeline)];
    }
    let entries = &r.timeline;
    let columns = [
        Column::fitted(l.col_time, entries.iter().map(|e| e.at.as_str()), 36.0, Align::Left),
        Column::fitted(l.col_who, entries.iter().map(|e| e.who.as_str()), 26.0, Align::Left),
        Column::fitted(l.col_entry, entries.iter().map(|e| e.kind.as_str()), 28.0, Align::Left),
        Column::rest(l.col_details),
    ];
    let rows: Vec<Vec<Cell>> =
        entries.iter().map(|e| vec![Cell::new(&e.at, MUTED), Cell::new(&e.who, INK), Cell::new(&e.kind, ACCENT), Cell::new(&e.text, INK)]).collect();
    table(cx, &columns, &rows)
}
