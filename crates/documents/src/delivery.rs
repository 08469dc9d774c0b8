//! The delivery note / invoice (交车单 / 结算单): work done, parts and labor, tax,
//! payments, the balance and the customer's acceptance signature.

use crate::format::{money, time};
use crate::labels;
use crate::layout::*;
use crate::model::{Document, DocumentKind, SignerRole};
use crate::sections::*;
use crate::RenderError;

const KIND: DocumentKind = DocumentKind::DeliveryNote;

pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let mut cx = Ctx::new(doc);
    let l = cx.l;
    let mut blocks = vec![parties(&cx, KIND)];

    blocks.push(heading(&cx, l.work_done));
    blocks.extend(lines_table(&cx, &doc.jobs));
    let rows = standard_total_rows(&cx, true);
    blocks.push(totals_block(&cx, &rows, Some(sums_by_kind(&doc.jobs))));

    blocks.push(heading(&cx, l.payments));
    blocks.extend(payments(&cx));
    blocks.push(gap(3.0));

    blocks.extend(terms(&cx));
    blocks.extend(signatures(&mut cx, KIND, &[SignerRole::Customer])?);
    blocks.push(hash_block(&cx));

    finish_order(cx, KIND, blocks)
}

fn payments(cx: &Ctx) -> Vec<Block> {
    let l = cx.l;
    let d = cx.doc;
    let (x0, x1) = (cx.frame.left, cx.frame.right);
    let c_time = x0 + 1.5;
    let c_method = x0 + 36.0;
    let c_ref = x0 + 72.0;
    let c_amount = x1 - 1.5;
    if d.payments.is_empty() {
        let mut b = Block::new(7.0);
        b.text(c_time, 1.5, 9.0, l.no_payments, MUTED);
        return vec![b];
    }
    let head = column_header(
        cx,
        &[
            (c_time, l.col_time, Align::Left),
            (c_method, l.col_method, Align::Left),
            (c_ref, l.col_reference, Align::Left),
            (c_amount, l.col_amount, Align::Right),
        ],
    );
    let mut out = vec![head];
    for p in &d.payments {
        let mut b = Block::new(6.4);
        b.text(c_time, 1.4, 9.0, &time(&p.paid_at), INK);
        b.text(c_method, 1.4, 9.0, labels::payment_method(d.language, p.method), INK);
        if let Some(r) = &p.reference {
            let size = fit_size(r, c_amount - 30.0 - c_ref, 8.5, 6.0);
            b.text(c_ref, 1.6, size, r, MUTED);
        }
        b.right(c_amount, 1.4, 9.0, &money(p.amount), INK);
        b.hline(x0, x1, 6.4, 0.15, HAIRLINE);
        out.push(b);
    }
    out
}
