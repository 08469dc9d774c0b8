//! Generation time and size of a two-page intake order with ten lines and a signature
//! (targets: under 50 ms, under 300 KB), and of the monthly KPI report with two charts.
//!
//! cargo bench -p documents --bench pdf              # 50 runs per language
//! cargo bench -p documents --bench pdf -- --runs 200

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use documents::{DocumentKind, Language};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)).and_then(|n| n.parse().ok()).unwrap_or(50);

    // The first render parses the 8 MB font once per process; report it separately.
    let warm = Instant::now();
    documents::render(&common::sample(DocumentKind::IntakeOrder, Language::ZhCn)).expect("render");
    println!("first render (parses the font): {:.1} ms", warm.elapsed().as_secs_f64() * 1e3);

    println!("| document | pages | size KB | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    type Render = Box<dyn Fn() -> Vec<u8>>;
    let order = |lang| -> Render {
        let doc = common::sample(DocumentKind::IntakeOrder, lang);
        Box::new(move || documents::render(&doc).expect("render"))
    };
    let kpis = |lang| -> Render {
        let report = common::kpi_report(lang);
        Box::new(move || documents::render_kpi_report(&report).expect("render"))
    };
    for (render, name) in [
        (order(Language::ZhCn), "intake order, zh-CN"),
        (order(Language::En), "intake order, en"),
        (kpis(Language::ZhCn), "monthly KPI report, 2 charts, zh-CN"),
        (kpis(Language::En), "monthly KPI report, 2 charts, en"),
    ] {
        let mut times = Vec::with_capacity(runs);
        let mut size = 0;
        let mut pdf = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            pdf = render();
            times.push(t.elapsed().as_secs_f64() * 1e3);
            size = pdf.len();
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let pages = pdf.windows(10).filter(|w| w == b"/Type/Page").count() - pdf.windows(11).filter(|w| w == b"/Type/Pages").count();
        println!(
            "| {name} | {pages} | {:.1} | {:.1} | {:.1} | {:.1} |",
            size as f64 / 1024.0,
            percentile(&times, 0.50),
            percentile(&times, 0.95),
            times[times.len() - 1]
        );
        assert!(size < 300 * 1024, "{name}: {size} bytes, over the 300 KB target");
    }
}
