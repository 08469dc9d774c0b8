//! Renders the documents and reads them back with poppler (`pdftotext`, `pdftoppm`,
//! `pdfinfo`), as a customer's viewer or a printer would.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{complaint, kpi_day, kpi_report, long_order, sample, COMPLAINT, HASH, ORDER};
use documents::format::money;
use documents::*;

struct Rendered {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
}

fn render_to_file(doc: &Document) -> Rendered {
    let bytes = documents::render(doc).expect("render");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, &bytes).expect("write pdf");
    Rendered { _dir: dir, path, bytes }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (is poppler-utils installed?)"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The text of each page, as `pdftotext -layout` reads it.
fn page_texts(path: &Path) -> Vec<String> {
    let text = run(Command::new("pdftotext").arg("-layout").arg(path).arg("-"));
    let mut pages: Vec<String> = text.split('\x0c').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn page_count(path: &Path) -> usize {
    let info = run(Command::new("pdfinfo").arg(path));
    info.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).expect("pdfinfo reports the pages")
}

fn page_size(path: &Path) -> String {
    let info = run(Command::new("pdfinfo").arg(path));
    info.lines().find_map(|l| l.strip_prefix("Page size:")).expect("page size").trim().to_string()
}

/// `pdftoppm -r 50 -png` renders every page without an error.
fn assert_every_page_renders(r: &Rendered) {
    let pages = page_count(&r.path);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new("pdftoppm").args(["-r", "50", "-png"]).arg(&r.path).arg(dir.path().join("p")).output().expect("pdftoppm");
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "pdftoppm complained: {}", String::from_utf8_lossy(&out.stderr));
    let pngs = std::fs::read_dir(dir.path()).expect("read dir").filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))).count();
    assert_eq!(pngs, pages, "one PNG per page");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn page_label(lang: Language, x: usize, y: usize) -> String {
    match lang {
        Language::ZhCn => format!("第 {x} 页 / 共 {y} 页"),
        Language::ZhTw => format!("第 {x} 頁 / 共 {y} 頁"),
        Language::En => format!("Page {x} of {y}"),
    }
}

fn assert_reads_right(kind: DocumentKind, lang: Language) {
    let doc = sample(kind, lang);
    let r = render_to_file(&doc);
    assert!(r.bytes.starts_with(b"%PDF-"));
    let text = page_texts(&r.path).concat();
    for needle in ["王芳", ORDER, HASH, "沪A·D12345", &money(doc.totals.total)] {
        assert!(text.contains(needle), "{kind:?} {lang:?} lacks {needle:?}:\n{text}");
    }
    // Money is printed one way in both languages: ¥, thousands separators, two decimals.
    assert!(money(doc.totals.total).starts_with("¥") && money(doc.totals.total).contains(','));
    assert_every_page_renders(&r);
}

#[test]
fn the_intake_order_in_every_language_shows_the_customer_the_order_the_total_and_the_hash() {
    for lang in Language::ALL {
        assert_reads_right(DocumentKind::IntakeOrder, lang);
    }
}

#[test]
fn the_supplemental_authorization_in_every_language_shows_the_customer_the_order_the_new_total_and_the_hash() {
    for lang in Language::ALL {
        assert_reads_right(DocumentKind::SupplementalAuthorization, lang);
        let doc = sample(DocumentKind::SupplementalAuthorization, lang);
        let text = page_texts(&render_to_file(&doc).path).concat();
        let previous = doc.supplement.as_ref().map(|s| s.previous_total).unwrap_or_default();
        assert!(text.contains(&money(previous)), "the previously authorized total");
        assert!(text.contains(&format!("+{}", money(doc.totals.total - previous))), "the added amount");
    }
}

#[test]
fn the_delivery_note_in_every_language_shows_the_customer_the_order_the_total_the_payment_and_the_hash() {
    for lang in Language::ALL {
        assert_reads_right(DocumentKind::DeliveryNote, lang);
        let doc = sample(DocumentKind::DeliveryNote, lang);
        let text = page_texts(&render_to_file(&doc).path).concat();
        assert!(text.contains("¥0.00"), "the balance");
        assert!(text.contains("4200001234202611231234567890"), "the payment reference");
        let payment = match lang {
            Language::ZhCn | Language::ZhTw => "微信支付",
            Language::En => "WeChat Pay",
        };
        assert!(text.contains(payment));
    }
}

#[test]
fn an_electric_cars_intake_order_prints_its_battery_level_and_no_fuel_gauge() {
    for (lang, label) in [(Language::ZhCn, "电量"), (Language::En, "Battery")] {
        let mut doc = sample(DocumentKind::IntakeOrder, lang);
        doc.fuel_eighths = None;
        doc.battery_percent = Some(72);
        let text = page_texts(&render_to_file(&doc).path).concat();
        let row = text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("no {label} row:\n{text}"));
        assert!(row.contains("72%"), "{row}");
        assert!(!text.contains("5/8") && !text.contains("0/8"), "an electric car has no fuel gauge");
    }
}

#[test]
fn a_hybrids_intake_order_prints_both_the_battery_and_the_fuel() {
    let mut doc = sample(DocumentKind::IntakeOrder, Language::ZhCn);
    doc.battery_percent = Some(35);
    let text = page_texts(&render_to_file(&doc).path).concat();
    assert!(text.contains("35%") && text.contains("5/8") && text.contains("燃油"), "{text}");
}

#[test]
fn the_intake_order_lists_the_damage_marks_personal_items_concerns_and_fault_codes() {
    let r = render_to_file(&sample(DocumentKind::IntakeOrder, Language::ZhCn));
    let text = page_texts(&r.path).concat();
    for needle in ["划痕", "左前门下部划痕约 10 厘米", "凹陷", "掉漆", "行车记录仪", "P0301", "45,678", "5/8", "客户拒绝"] {
        assert!(text.contains(needle), "lacks {needle:?}");
    }
}

#[test]
fn the_signature_image_is_embedded_as_an_image_xobject() {
    let r = render_to_file(&sample(DocumentKind::IntakeOrder, Language::ZhCn));
    let has_image = |b: &[u8]| contains(b, b"/Subtype/Image") || contains(b, b"/Subtype /Image");
    assert!(has_image(&r.bytes));

    let mut unsigned = sample(DocumentKind::IntakeOrder, Language::ZhCn);
    unsigned.signatures.clear();
    let r = render_to_file(&unsigned);
    assert!(!has_image(&r.bytes), "no signature, no image");
    assert!(page_texts(&r.path).concat().contains("（未签字）"), "an empty box says it is not signed");
}

#[test]
fn a_signature_by_phone_without_an_image_prints_who_approved() {
    let mut doc = sample(DocumentKind::SupplementalAuthorization, Language::En);
    doc.signatures = vec![Signature {
        role: SignerRole::Customer,
        name: "王芳".into(),
        signed_at: "2026-11-23T13:47:10+08:00".into(),
        method: SignatureMethod::ByPhone,
        image_png: None,
        note: Some("Approved by phone on 138 0013 8000, call taken by Li Ming".into()),
    }];
    let text = page_texts(&render_to_file(&doc).path).concat();
    assert!(text.contains("Approved by phone on 138 0013 8000"), "{text}");
}

#[test]
fn a_long_order_breaks_across_pages_with_the_header_and_page_x_of_y_on_every_page() {
    for lang in [Language::ZhCn, Language::En] {
        let doc = long_order(lang, 60);
        let r = render_to_file(&doc);
        let pages = page_texts(&r.path);
        assert_eq!(pages.len(), page_count(&r.path));
        assert!(pages.len() > 1, "60 lines need more than one page");
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(ORDER), "page {} has the order number", i + 1);
            // pdftotext drops the narrow spaces between Chinese and digits: compare without spaces.
            let label = page_label(lang, i + 1, pages.len());
            assert!(squeeze(page).contains(&squeeze(&label)), "page {} has {label:?}", i + 1);
        }
        let total = money(doc.totals.total);
        let totals_page = pages.iter().find(|p| p.contains(&total)).expect("the total is printed");
        let line_text = match lang {
            Language::ZhCn | Language::ZhTw => "项维修工作",
            Language::En => "Repair item",
        };
        assert!(totals_page.contains(line_text), "the totals share their page with at least one line");
        assert_every_page_renders(&r);
    }
}

#[test]
fn the_totals_never_sit_alone_on_a_page_whatever_the_number_of_lines() {
    for n in (8..=44).step_by(3) {
        let doc = long_order(Language::ZhCn, n);
        let r = render_to_file(&doc);
        let pages = page_texts(&r.path);
        let total = money(doc.totals.total);
        let page = pages.iter().find(|p| p.contains(&total)).expect("the total is printed");
        assert!(page.contains("项维修工作"), "{n} lines: the totals page has no line");
    }
}

#[test]
fn a_two_page_intake_order_with_ten_lines_and_a_signature_is_under_300_kb() {
    let doc = sample(DocumentKind::IntakeOrder, Language::ZhCn);
    assert_eq!(doc.jobs.iter().map(|j| j.lines.len()).sum::<usize>(), 10);
    let r = render_to_file(&doc);
    assert_eq!(page_count(&r.path), 2);
    assert!(r.bytes.len() < 300_000, "{} bytes", r.bytes.len());
    // The font is embedded as a subset (a tag like ABCDEF+ before its name).
    assert!(contains(&r.bytes, b"+NotoSansSC-Regular"), "a subset font");
}

#[test]
fn a4_is_the_default_and_letter_paper_gives_the_letter_media_box() {
    let doc = sample(DocumentKind::IntakeOrder, Language::En);
    assert_eq!(doc.paper, Paper::A4);
    assert!(page_size(&render_to_file(&doc).path).contains("(A4)"));
    let mut letter = doc.clone();
    letter.paper = Paper::Letter;
    let r = render_to_file(&letter);
    assert!(page_size(&r.path).starts_with("612 x 792 pts"), "{}", page_size(&r.path));
    assert_every_page_renders(&r);
}

#[test]
fn a_work_order_in_traditional_chinese_prints_traditional_labels_and_no_simplified_ones() {
    let mut doc = sample(DocumentKind::IntakeOrder, Language::ZhTw);
    // The station prints the zh-TW terms (migration 0019) for a zh-TW customer.
    doc.terms.text = "1. 客戶授權本站按本單所列項目及金額進行檢查和維修。\n2. 本站對所修項目提供品質保證，保證期限及里程以交車單為準。".into();
    let bytes = documents::render(&doc).expect("render");
    let r = written(bytes, "intake-order-zh-TW.pdf");
    let pages = page_texts(&r.path);
    let text = squeeze(&pages.concat());
    for needle in ["維修委託書", "接車單", "工單號", "車架號", "進廠里程", "維修項目及估價", "委託條款", "客戶簽字", "文件校驗碼"]
    {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    for simplified in ["维修委托书", "工单号", "车架号", "委托条款", "客户签字"] {
        assert!(!text.contains(simplified), "prints the Simplified {simplified:?}");
    }
    assert!(squeeze(&pages[0]).contains(&squeeze(&page_label(Language::ZhTw, 1, pages.len()))));
    // The one embedded font has the Traditional glyphs: no character falls back to a blank box (pdftoppm would warn).
    assert_every_page_renders(&r);
}

#[test]
fn one_font_prints_simplified_traditional_and_latin_text() {
    let mut doc = sample(DocumentKind::IntakeOrder, Language::ZhCn);
    doc.customer.name = "陳國榮".into();
    doc.concerns[0].text = "車輛啟動困難，儀表顯示電瓶警告燈 (battery warning light)".into();
    let text = page_texts(&render_to_file(&doc).path).concat();
    assert!(text.contains("陳國榮"));
    assert!(text.contains("儀表顯示電瓶警告燈"));
    assert!(text.contains("battery warning light"));
}

#[test]
fn a_long_concern_wraps_instead_of_running_off_the_page() {
    let mut doc = sample(DocumentKind::IntakeOrder, Language::En);
    let long = "The vehicle pulls to the left under braking and the steering wheel shakes above eighty kilometres per hour, \
                the customer also hears a knocking noise from the front suspension over speed bumps and potholes in the car park";
    doc.concerns[0].text = long.into();
    let text = page_texts(&render_to_file(&doc).path).concat();
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    assert!(joined.contains(&long.split_whitespace().collect::<Vec<_>>().join(" ")), "every word is printed, in order");
    assert!(!text.lines().any(|l| l.contains("speed bumps") && l.contains("pulls to the left")), "the concern is wrapped");
}

#[test]
fn the_model_reads_from_json_with_the_documented_names() {
    let json = serde_json::json!({
        "kind": "supplemental_authorization",
        "language": "zh-CN",
        "paper": "letter",
        "station": { "name": "安驰汽车服务站", "code": "SH-021" },
        "order_number": "RO-1",
        "qr_payload": "stationdesk:RO-1:abc",
        "issued_at": "2026-11-23T09:12:00+08:00",
        "customer": { "name": "王芳", "phones": ["13800138000"] },
        "vehicle": { "plate": "沪A·D12345" },
        "damage_marks": [{ "x_permille": 100, "y_permille": 500, "kind": "dent" }],
        "jobs": [{ "title": "更换刹车盘", "decision": "approved", "lines": [
            { "kind": "part", "description": "前刹车盘", "quantity_milli": 2000, "unit_price": 56000, "amount": 112000 }
        ]}],
        "totals": { "subtotal": 112000, "total": 112000 },
        "signatures": [{ "role": "customer", "name": "王芳", "signed_at": "2026-11-23T13:47:10+08:00", "method": "on_paper" }],
        "hash_hex": "abc"
    });
    let doc: Document = serde_json::from_value(json).expect("the model reads from JSON");
    assert_eq!(doc.kind, DocumentKind::SupplementalAuthorization);
    assert_eq!(doc.language, Language::ZhCn);
    assert_eq!(doc.paper, Paper::Letter);
    assert!(documents::render(&doc).is_ok());
}

fn render_complaint_to_file(record: &ComplaintRecord, keep_as: &str) -> Rendered {
    written(documents::render_complaint_record(record).expect("render the complaint record"), keep_as)
}

/// PDF bytes in a file of their own, a copy kept as `keep_as`.
fn written(bytes: Vec<u8>, keep_as: &str) -> Rendered {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(keep_as);
    std::fs::write(&path, &bytes).expect("write pdf");
    keep(&path, keep_as);
    Rendered { _dir: dir, path, bytes }
}

/// Keeps a copy for people to look at when `STATIONDESK_ARTIFACTS` names a directory
/// (scripts/test.sh sets it).
fn keep(pdf: &Path, name: &str) {
    if let Some(dir) = std::env::var_os("STATIONDESK_ARTIFACTS") {
        let dir = PathBuf::from(dir).join("documents");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::copy(pdf, dir.join(name));
    }
}

#[test]
fn a_complaint_record_in_chinese_prints_the_facts_the_category_levels_and_its_whole_timeline_over_several_pages() {
    let record = complaint(Language::ZhCn, 40);
    assert_eq!(record.timeline.len(), 40);
    assert_eq!(record.clocks.iter().filter(|c| c.breached).count(), 1, "two clocks, one breached");
    assert_eq!(record.compensations.len(), 2);
    let r = render_complaint_to_file(&record, "complaint-zh.pdf");
    assert!(r.bytes.starts_with(b"%PDF-"));
    let pages = page_texts(&r.path);
    let text = squeeze(&pages.concat());
    let last = &record.timeline.last().expect("a timeline").text;
    for needle in [COMPLAINT, "王芳", "投诉处理记录", "服务", "服务态度", "接待不及时", "超时", "已结案", last.as_str()] {
        assert!(text.contains(&squeeze(needle)), "the complaint record lacks {needle:?}:\n{text}");
    }
    assert!(pages.len() > 1, "a 40-entry timeline runs over more than one page");
    assert_eq!(pages.len(), page_count(&r.path));
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(COMPLAINT), "page {} has the complaint number", i + 1);
        let label = page_label(Language::ZhCn, i + 1, pages.len());
        assert!(squeeze(page).contains(&squeeze(&label)), "page {} has {label:?}", i + 1);
    }
    assert_every_page_renders(&r);
}

#[test]
fn a_complaint_record_in_english_on_letter_paper_has_the_english_title_and_headings() {
    let mut record = complaint(Language::En, 12);
    record.paper = Paper::Letter;
    let r = render_complaint_to_file(&record, "complaint-en-letter.pdf");
    assert!(page_size(&r.path).starts_with("612 x 792 pts"), "{}", page_size(&r.path));
    let text = page_texts(&r.path).concat();
    for needle in [
        "Complaint record",
        "In the customer's words",
        "Response clocks",
        "Overdue",
        "Cause and resolution",
        "Compensation",
        "Timeline",
        "Printed 2026-12-09 10:00",
    ] {
        assert!(text.contains(needle), "the English complaint record lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("投诉"), "no Chinese heading in the English record");
    assert_every_page_renders(&r);
}

#[test]
fn a_complaint_record_with_nothing_recorded_yet_says_so_instead_of_leaving_blanks() {
    let mut record = complaint(Language::En, 1);
    record.cause = None;
    record.compensations.clear();
    record.timeline.clear();
    record.clocks.clear();
    let r = render_complaint_to_file(&record, "complaint-en-new.pdf");
    let text = page_texts(&r.path).concat();
    for needle in ["(not recorded)", "No compensation", "No entries yet"] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    assert_eq!(page_count(&r.path), 1);
}

#[test]
fn a_timeline_entry_longer_than_a_page_breaks_across_pages_and_every_word_is_printed() {
    let mut record = complaint(Language::En, 3);
    let long: Vec<String> = (1..=400).map(|i| format!("word{i}")).collect();
    record.timeline[0].text = long.join(" ");
    let r = render_complaint_to_file(&record, "complaint-en-long-entry.pdf");
    let text = page_texts(&r.path).concat();
    assert!(page_count(&r.path) > 1);
    for w in ["word1 ", "word200 ", "word400"] {
        assert!(text.contains(w), "lacks {w:?}");
    }
    assert_every_page_renders(&r);
}

/// Where the rendered pages are kept for people to open: `STATIONDESK_ARTIFACTS`
/// (scripts/test.sh sets it), else the checkout's `tests/artifacts`.
fn artifacts() -> PathBuf {
    let root = std::env::var_os("STATIONDESK_ARTIFACTS").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/artifacts"), PathBuf::from);
    let dir = root.join("documents");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

/// Every page as a PNG at `dpi`, kept as `<name>-<page>.png` in the artifacts.
fn page_images(r: &Rendered, name: &str, dpi: u32) -> Vec<image::RgbImage> {
    let dir = tempfile::tempdir().expect("tempdir");
    run(Command::new("pdftoppm").args(["-r", &dpi.to_string(), "-png"]).arg(&r.path).arg(dir.path().join("p")));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path()).expect("read dir").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            std::fs::copy(file, artifacts().join(format!("{name}-{}.png", i + 1))).expect("keep the page");
            image::open(file).expect("a PNG").to_rgb8()
        })
        .collect()
}

/// How many pixels are `rgb`, give or take a little smoothing.
fn pixels_like(img: &image::RgbImage, rgb: [u8; 3]) -> usize {
    img.pixels().filter(|p| p.0.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 16)).count()
}

/// The day labels and values printed under the charts, in order: each row of
/// labels in `pdftotext -layout` is followed by the row of their values.
fn chart_numbers(page_text: &str) -> Vec<(String, String)> {
    let cells = |line: &str| -> Vec<String> { line.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect() };
    let is_day = |c: &String| c.len() == 5 && c.as_bytes()[2] == b'-' && c.chars().filter(char::is_ascii_digit).count() == 4;
    let lines: Vec<&str> = page_text.lines().collect();
    let mut out = Vec::new();
    for pair in lines.windows(2) {
        let labels = cells(pair[0]);
        if !labels.is_empty() && labels.iter().all(is_day) {
            let values = cells(pair[1]);
            assert_eq!(labels.len(), values.len(), "a value under every day: {labels:?} / {values:?}");
            out.extend(labels.into_iter().zip(values));
        }
    }
    out
}

/// The series line of the desk's trend chart (ui/src/lib/kpis.ts) and its dashed target line.
const SERIES_BLUE: [u8; 3] = [0x1f, 0x5f, 0xbf];
const TARGET_ORANGE: [u8; 3] = [0xa4, 0x5a, 0x00];

fn render_kpi_report_to_file(report: &MonthlyKpiReport, keep_as: &str) -> Rendered {
    written(documents::render_kpi_report(report).expect("render the KPI report"), keep_as)
}

#[test]
fn the_monthly_kpi_report_prints_every_figure_with_its_target_and_verdict_and_each_chart_above_its_numbers_in_every_language() {
    for (lang, needles) in [
        (
            Language::ZhCn,
            vec![
                "月度 KPI 报告",
                "2026-11",
                "2026-11-01 – 2026-11-30",
                "上海浦东安驰汽车服务站",
                "准时交车率",
                "66.7%",
                "≥ 90.0%",
                "−23.3个百分点",
                "20 / 30",
                "未达标",
                "维修周期（中位数）",
                "18.0小时",
                "≤ 24.0小时",
                "+6.0小时",
                "达标",
                "客户满意度（平均分）",
                "4.6",
                "平均单车产值",
                "¥1,234.56",
                "取消工单",
                "服务顾问",
                "李娜",
                "陈刚",
                "75.0%",
                "技师",
                "张伟",
                "每日趋势",
            ],
        ),
        (
            Language::En,
            vec![
                "Monthly KPI Report",
                "2026-11",
                "Anchi Auto Service, Shanghai Pudong",
                "On-time delivery",
                "66.7%",
                "≥ 90.0%",
                "−23.3 pp",
                "Not met",
                "Repair cycle (median)",
                "18.0 h",
                "≤ 24.0 h",
                "Met",
                "Satisfaction (average)",
                "Average order value",
                "¥1,234.56",
                "Cancelled orders",
                "Service advisors",
                "Li Na",
                "Chen Gang",
                "Technicians",
                "Zhang Wei",
                "Daily trends",
            ],
        ),
        (Language::ZhTw, vec!["月度 KPI 報告", "指標彙總", "66.7%", "−23.3個百分點", "未達標", "18.0小時", "≤ 24.0小時", "服務顧問", "技師", "每日趨勢"]),
    ] {
        let report = kpi_report(lang);
        let tag = lang.code();
        let r = render_kpi_report_to_file(&report, &format!("kpi-report-{tag}.pdf"));
        assert!(r.bytes.starts_with(b"%PDF-"));
        let pages = page_texts(&r.path);
        let text = squeeze(&pages.concat());
        for needle in needles {
            assert!(text.contains(&squeeze(needle)), "{tag}: the report lacks {needle:?}:\n{}", pages.concat());
        }
        // Under each chart, every day it plots with its value ("—" on a day with nothing delivered).
        let numbers = chart_numbers(&pages.concat());
        assert_eq!(numbers.len(), 60, "{tag}: two charts of 30 days");
        for (chart, code) in ["on_time", "cycle_median_hours"].into_iter().enumerate() {
            for (d, (label, value)) in (1..=30).zip(&numbers[chart * 30..(chart + 1) * 30]) {
                let expected = match (kpi_day(code, d), code, lang) {
                    (None, ..) => "—".to_string(),
                    (Some(v), "on_time", _) => format!("{:.1}%", v * 100.0),
                    (Some(v), _, Language::ZhCn) => format!("{v:.1}小时"),
                    (Some(v), _, Language::ZhTw) => format!("{v:.1}小時"),
                    (Some(v), _, Language::En) => format!("{v:.1} h"),
                };
                assert_eq!((label.as_str(), value.as_str()), (format!("11-{d:02}").as_str(), expected.as_str()), "{tag}: {code}");
            }
        }
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains("2026-11"), "{tag}: page {} carries the month", i + 1);
        }
        assert_every_page_renders(&r);

        // The charts are drawn: the series line and the dashed target line, in the chart's colours.
        let images = page_images(&r, &format!("kpi-report-{tag}"), 100);
        let blue: usize = images.iter().map(|img| pixels_like(img, SERIES_BLUE)).sum();
        let orange: usize = images.iter().map(|img| pixels_like(img, TARGET_ORANGE)).sum();
        // One chart's line makes about 1,800 such pixels at 100 dpi and its target about 240.
        assert!(blue > 2 * 1200, "{tag}: the two series lines are drawn ({blue} blue pixels)");
        assert!(orange > 2 * 180, "{tag}: the two target lines are drawn ({orange} orange pixels)");
    }
}

#[test]
fn a_kpi_report_without_charts_is_only_its_tables_and_a_chart_that_is_not_one_names_its_place() {
    let mut report = kpi_report(Language::En);
    report.charts.clear();
    let r = render_kpi_report_to_file(&report, "kpi-report-en-no-charts.pdf");
    let text = page_texts(&r.path).concat();
    assert!(text.contains("On-time delivery") && !text.contains("Daily trends"), "{text}");
    let blue: usize = page_images(&r, "kpi-report-en-no-charts", 50).iter().map(|img| pixels_like(img, SERIES_BLUE)).sum();
    assert_eq!(blue, 0, "no chart, no series line");

    let mut report = kpi_report(Language::En);
    report.charts[1].svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/hosts"/></svg>"#.into();
    match documents::render_kpi_report(&report) {
        Err(RenderError::Chart { index, reason }) => assert_eq!((index, reason.contains("<image>")), (1, true), "{reason}"),
        other => panic!("expected the second chart refused, got {other:?}"),
    }
}
