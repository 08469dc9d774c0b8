//! StationDesk's printed documents as PDF: the intake work order, the supplemental
//! authorization, the delivery note / invoice, the complaint record and the monthly
//! KPI report, in Simplified Chinese, Traditional Chinese (Taiwan) or English, on A4 or US Letter.
//!
//! The crate knows nothing of the database or the app: it takes a plain [`Document`]
//! (filled by the station from a signed authorization), [`ComplaintRecord`] or
//! [`MonthlyKpiReport`] and returns PDF bytes.
//!
//! ```no_run
//! # fn example(doc: &documents::Document) -> Result<(), documents::RenderError> {
//! let pdf: Vec<u8> = documents::render(doc)?;
//! # Ok(()) }
//! ```

mod chart;
mod complaint;
mod delivery;
pub mod format;
mod intake;
mod kpi_report;
pub mod labels;
mod layout;
pub mod model;
mod sections;
mod supplemental;

pub use model::*;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the embedded font could not be parsed")]
    Font,
    #[error("a signature image could not be decoded: {0}")]
    SignatureImage(String),
    /// The `index`-th chart of a KPI report (counting from 0) is not an SVG chart we can draw.
    #[error("chart {index} cannot be drawn: {reason}")]
    Chart { index: usize, reason: String },
}

/// Renders `doc` as the document its `kind` names.
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    match doc.kind {
        DocumentKind::IntakeOrder => render_intake_order(doc),
        DocumentKind::SupplementalAuthorization => render_supplemental_authorization(doc),
        DocumentKind::DeliveryNote => render_delivery_note(doc),
    }
}

/// The intake work order (接车单 / 维修委托书), whatever `doc.kind` says.
pub fn render_intake_order(doc: &Document) -> Result<Vec<u8>, RenderError> {
    intake::render(doc)
}

/// The supplemental authorization (追加维修授权书), whatever `doc.kind` says.
pub fn render_supplemental_authorization(doc: &Document) -> Result<Vec<u8>, RenderError> {
    supplemental::render(doc)
}

/// The delivery note / invoice (交车单 / 结算单), whatever `doc.kind` says.
pub fn render_delivery_note(doc: &Document) -> Result<Vec<u8>, RenderError> {
    delivery::render(doc)
}

/// The complaint record (投诉处理记录): one complaint of the ledger with its timeline.
pub fn render_complaint_record(record: &ComplaintRecord) -> Result<Vec<u8>, RenderError> {
    complaint::render(record)
}

/// The monthly KPI report (月度 KPI 报告): figures, breakdowns and trend charts.
pub fn render_kpi_report(report: &MonthlyKpiReport) -> Result<Vec<u8>, RenderError> {
    kpi_report::render(report)
}
