//! Writes every sample document as PDF into a directory (default
//! `tests/artifacts/documents`), for looking at: `pdftoppm -r 80 -png`.
//!
//! cargo run -p documents --example samples -- [DIR]

#[path = "../tests/common/mod.rs"]
mod common;

use documents::{DocumentKind, Language, Paper};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "tests/artifacts/documents".into());
    std::fs::create_dir_all(&dir)?;
    for (lang, tag) in [(Language::ZhCn, "zh"), (Language::En, "en")] {
        for (kind, name) in
            [(DocumentKind::IntakeOrder, "intake"), (DocumentKind::SupplementalAuthorization, "supplemental"), (DocumentKind::DeliveryNote, "delivery")]
        {
            let pdf = documents::render(&common::sample(kind, lang))?;
            std::fs::write(format!("{dir}/{name}-{tag}.pdf"), &pdf)?;
            println!("{name}-{tag}.pdf {} bytes", pdf.len());
        }
        let pdf = documents::render(&common::long_order(lang, 60))?;
        std::fs::write(format!("{dir}/long-{tag}.pdf"), &pdf)?;
        println!("long-{tag}.pdf {} bytes", pdf.len());
        let pdf = documents::render_complaint_record(&common::complaint(lang, 40))?;
        std::fs::write(format!("{dir}/complaint-{tag}.pdf"), &pdf)?;
        println!("complaint-{tag}.pdf {} bytes", pdf.len());
        let pdf = documents::render_kpi_report(&common::kpi_report(lang))?;
        std::fs::write(format!("{dir}/kpi-report-{tag}.pdf"), &pdf)?;
        println!("kpi-report-{tag}.pdf {} bytes", pdf.len());
        let mut letter = common::sample(DocumentKind::IntakeOrder, lang);
        letter.paper = Paper::Letter;
        let pdf = documents::render(&letter)?;
        std::fs::write(format!("{dir}/intake-letter-{tag}.pdf"), &pdf)?;
        println!("intake-letter-{tag}.pdf {} bytes", pdf.len());
    }
    Ok(())
}
