//! The supplemental authorization (追加维修授权书): added or changed work, the new
//! authorized total and the customer's signature.

use crate::format::{money, percent};
use crate::layout::*;
use crate::model::{Document, DocumentKind, SignerRole};
use crate::sections::*;
use crate::RenderError;

const KIND: DocumentKind = DocumentKind::SupplementalAuthorization;

pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    let mut cx = Ctx::new(doc);
    let l = cx.l;
    let mut blocks = vec![parties(&cx, KIND)];

    if let Some(s) = &doc.supplement {
        let mut b = Block::new(0.0);
        let x0 = cx.frame.left;
        let w = b.text(x0, 0.6, 8.0, l.supplement_no, MUTED);
        b.bold(x0 + w + 2.0, 0.0, 9.5, &format!("#{}", s.sequence), INK);
        let mut y = leading(9.5) + 1.0;
        if let Some(reason) = s.reason.as_deref().filter(|r| !r.trim().is_empty()) {
            let lw = b.text(x0, y + 0.6, 8.0, l.reason, MUTED);
            let indent = lw + 2.0;
            y += b.paragraph(x0 + indent, y, cx.frame.width() - indent, 9.0, reason, INK);
        }
        b.height = y + 2.0;
        blocks.push(b);
    }

    blocks.push(heading(&cx, l.added_work));
    blocks.extend(lines_table(&cx, &doc.jobs));

    let t = &doc.totals;
    let rows: Vec<TotalRow> = match &doc.supplement {
        Some(s) => {
            // Previous + this = new total; tax and discount are parts of the new total,
            // printed under it as such, not as further additions.
            let mut rows = vec![
                (l.previously_authorized.to_string(), money(s.previous_total), false),
                (l.this_authorization.to_string(), format!("+{}", money(t.total - s.previous_total)), false),
                (l.new_total.to_string(), money(t.total), true),
            ];
            if t.tax_rate_bp != 0 || t.tax != 0 {
                rows.push((format!("{} ({})", l.incl_tax, percent(t.tax_rate_bp)), money(t.tax), false));
            }
            if t.discount != 0 {
                rows.push((l.incl_discount.to_string(), money(t.discount), false));
            }
            rows
        }
        None => standard_total_rows(&cx, false),
    };
    blocks.push(totals_block(&cx, &rows, None));

    blocks.extend(terms(&cx));
    blocks.extend(signatures(&mut cx, KIND, &[SignerRole::Customer])?);
    blocks.push(hash_block(&cx));

    finish_order(cx, KIND, blocks)
}
