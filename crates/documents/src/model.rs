//! The plain document model: everything a printed document shows, and nothing else.
//!
//! The station fills a [`Document`] from a signed authorization's canonical content
//! (plus the station header and the signature images) and hands it to [`crate::render`].
//! The crate never computes business values: amounts, totals and the hash are printed
//! exactly as given, so the paper shows what was signed.
//!
//! Conventions:
//! - money is an integer number of minor units (fen): `123456` prints as `¥1,234.56`;
//! - quantities are thousandths (`1500` = 1.5), so hours and litres stay exact;
//! - times are strings: an RFC 3339 time (`2026-11-23T14:05:00+08:00`) prints as
//!   `2026-11-23 14:05` (the station's local time, as given); anything else prints as is.

use serde::{Deserialize, Serialize};

/// Which document to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 接车单 / 维修委托书: the intake work order the customer signs at check-in.
    #[default]
    IntakeOrder,
    /// 追加维修授权书: added or changed work, signed separately.
    SupplementalAuthorization,
    /// 交车单 / 结算单: work done, payments, the acceptance signature.
    DeliveryNote,
}

/// The language the document is printed in (the customer's language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Language {
    /// Simplified Chinese.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// Traditional Chinese, Taiwan phrasing.
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Language {
    /// Every language a document can be printed in, by its code.
    pub const ALL: [Language; 3] = [Language::ZhCn, Language::ZhTw, Language::En];

    /// The BCP 47 code the app stores: `zh-CN`, `zh-TW`, `en`.
    pub fn code(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::ZhTw => "zh-TW",
            Language::En => "en",
        }
    }

    /// The language of a stored code; `None` for any other text.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Either Chinese: the layout (label widths, the list separator 、) is the same for both.
    pub fn is_chinese(self) -> bool {
        self != Language::En
    }

    /// The text of the three given in this language's place.
    pub fn pick<'a>(self, zh_cn: &'a str, zh_tw: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::ZhCn => zh_cn,
            Language::ZhTw => zh_tw,
            Language::En => en,
        }
    }
}

/// Paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in (215.9 × 279.4 mm).
    Letter,
}

impl Paper {
    /// Width and height in millimetres.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        }
    }
}

/// The station printed at the top of every document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StationHeader {
    pub name: String,
    /// The station's code in the network, e.g. `SH-021`.
    pub code: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Customer {
    pub name: String,
    #[serde(default)]
    pub phones: Vec<String>,
    /// 客户编号.
    #[serde(default)]
    pub customer_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Vehicle {
    /// 车牌, e.g. `沪A·12345`.
    pub plate: String,
    /// 车架号.
    #[serde(default)]
    pub vin: Option<String>,
    #[serde(default)]
    pub make: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub year: Option<u16>,
    #[serde(default)]
    pub color: Option<String>,
}

/// What a damage mark on the walk-around diagram records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DamageKind {
    Scratch,
    Dent,
    Crack,
    Chip,
    Rust,
    Missing,
    Other,
}

/// One mark on the top-view vehicle outline, numbered in list order (1, 2, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamageMark {
    /// Across the outline from its left edge (the vehicle's left side), 0–1000.
    pub x_permille: u16,
    /// Down the outline from its top edge (the vehicle's front), 0–1000.
    pub y_permille: u16,
    pub kind: DamageKind,
    #[serde(default)]
    pub note: String,
}

/// A customer concern (故障现象 / 客户描述), with any fault codes read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Concern {
    pub text: String,
    #[serde(default)]
    pub fault_codes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Labor,
    Part,
    Sublet,
}

/// The customer's decision on a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    #[default]
    Approved,
    Declined,
}

/// One priced line of a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLine {
    pub kind: LineKind,
    /// Labor operation code or part number, if any.
    #[serde(default)]
    pub code: Option<String>,
    pub description: String,
    /// Thousandths: `1500` is 1.5 (hours, litres, pieces).
    pub quantity_milli: i64,
    /// Unit shown after the quantity (`h`, `L`, `件`), if any.
    #[serde(default)]
    pub unit: Option<String>,
    /// Fen.
    pub unit_price: i64,
    /// Fen, as signed (normally quantity × unit price).
    pub amount: i64,
}

/// A job (维修项目) with its lines and the customer's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub title: String,
    #[serde(default)]
    pub decision: Decision,
    pub lines: Vec<WorkLine>,
}

/// Totals in fen, printed as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Totals {
    pub subtotal: i64,
    /// A positive number: the amount taken off.
    #[serde(default)]
    pub discount: i64,
    /// Basis points: `1300` is 13 %.
    #[serde(default)]
    pub tax_rate_bp: u32,
    #[serde(default)]
    pub tax: i64,
    pub total: i64,
    #[serde(default)]
    pub paid: i64,
    #[serde(default)]
    pub balance: i64,
}

/// For a supplemental authorization: where it sits in the order's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Supplement {
    /// 1 for the first supplemental authorization of the order.
    pub sequence: u32,
    /// The total authorized before this document, in fen.
    pub previous_total: i64,
    /// Why the work was added (e.g. what the technician found).
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Wechat,
    Alipay,
    BankCard,
    Transfer,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub method: PaymentMethod,
    /// Fen.
    pub amount: i64,
    pub paid_at: String,
    #[serde(default)]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Terms {
    pub version: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerRole {
    Customer,
    Advisor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMethod {
    #[default]
    OnScreen,
    OnPaper,
    ByPhone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub role: SignerRole,
    pub name: String,
    pub signed_at: String,
    pub method: SignatureMethod,
    /// The rendered signature (PNG, transparency kept), or a scan for `on_paper`.
    #[serde(default)]
    pub image_png: Option<Vec<u8>>,
    /// E.g. for `by_phone`: who approved, on which number, taken by whom.
    #[serde(default)]
    pub note: Option<String>,
}

/// Everything one printed document shows. Fields a kind does not print are ignored
/// (an intake order prints no payments; a delivery note no walk-around diagram).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Document {
    pub kind: DocumentKind,
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub paper: Paper,
    pub station: StationHeader,
    /// 工单号.
    pub order_number: String,
    /// 档案号 (customer no. + service type + date + sequence).
    #[serde(default)]
    pub archive_number: Option<String>,
    /// The text inside the QR code: the order number and the hash.
    pub qr_payload: String,
    /// When the document was issued (printed in the header).
    pub issued_at: String,
    #[serde(default)]
    pub advisor: Option<String>,
    /// 预计交车 (intake order).
    #[serde(default)]
    pub promised_at: Option<String>,
    pub customer: Customer,
    pub vehicle: Vehicle,
    #[serde(default)]
    pub odometer_in_km: Option<u32>,
    #[serde(default)]
    pub odometer_out_km: Option<u32>,
    /// Fuel level at intake in eighths of a tank, 0–8; none for an electric car.
    #[serde(default)]
    pub fuel_eighths: Option<u8>,
    /// Battery charge at intake in %, for electric and hybrid cars.
    #[serde(default)]
    pub battery_percent: Option<u8>,
    #[serde(default)]
    pub damage_marks: Vec<DamageMark>,
    #[serde(default)]
    pub personal_items: Vec<String>,
    #[serde(default)]
    pub concerns: Vec<Concern>,
    #[serde(default)]
    pub jobs: Vec<Job>,
    #[serde(default)]
    pub totals: Totals,
    /// Supplemental authorization only.
    #[serde(default)]
    pub supplement: Option<Supplement>,
    /// Delivery note only.
    #[serde(default)]
    pub payments: Vec<Payment>,
    #[serde(default)]
    pub terms: Terms,
    #[serde(default)]
    pub signatures: Vec<Signature>,
    /// SHA-256 of the signed canonical content, lowercase hex.
    pub hash_hex: String,
}

// ---------------------------------------------------------------------------------------
// The complaint record

/// One complaint from the station's complaint ledger with its whole timeline, for
/// [`crate::render_complaint_record`]. It is not a signed document: no hash, no QR code.
///
/// Every string arrives ready to print: statuses, severities, kinds and the customer's
/// answer translated by the caller, times formatted in the station's zone, money and
/// quantities as the caller wants them read. The crate only translates its own headings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ComplaintRecord {
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub paper: Paper,
    pub station_name: String,
    pub station_code: String,
    /// E.g. `TS-SH01-20261204-003`.
    pub number: String,
    /// E.g. `已结案` / `Closed`.
    pub status: String,
    /// E.g. `紧急` / `Urgent`.
    pub severity: String,
    pub channel: String,
    /// The levels of the category, broadest first: `["服务", "服务态度", "接待不及时"]`.
    #[serde(default)]
    pub category: Vec<String>,
    pub received_at: String,
    pub received_by: String,
    pub owner: String,
    pub customer_name: String,
    pub customer_phone: String,
    #[serde(default)]
    pub plate: Option<String>,
    #[serde(default)]
    pub vin: Option<String>,
    /// The repair order the complaint is about, if any.
    #[serde(default)]
    pub order_number: Option<String>,
    /// The number of the earlier complaint when this one is a repeat.
    #[serde(default)]
    pub repeat_of: Option<String>,
    /// The customer's words; wrapped, and may run across pages.
    pub description: String,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub corrective_action: Option<String>,
    #[serde(default)]
    pub solution: Option<String>,
    /// Whether the customer accepted the solution, translated.
    #[serde(default)]
    pub customer_answer: Option<String>,
    /// The response clocks (first response, resolution…).
    #[serde(default)]
    pub clocks: Vec<ClockLine>,
    #[serde(default)]
    pub compensations: Vec<CompensationLine>,
    /// Oldest first.
    #[serde(default)]
    pub timeline: Vec<TimelineLine>,
    pub printed_at: String,
}

/// A response clock: `首次响应`, `24 h`, `met 2026-12-04 10:32` or `overdue by 3 h`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClockLine {
    pub label: String,
    pub limit: String,
    pub state: String,
    /// Printed with an "overdue" mark.
    #[serde(default)]
    pub breached: bool,
}

/// Compensation given: kind (translated), what, its value (`¥200.00`, `3 days`), who approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CompensationLine {
    pub kind: String,
    pub description: String,
    pub value: String,
    #[serde(default)]
    pub approved_by: Option<String>,
}

/// One entry of the complaint's timeline: when, who, what kind (call, visit, note,
/// hand-over, status change…, translated) and the text (wrapped; may be long).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TimelineLine {
    pub at: String,
    pub who: String,
    pub kind: String,
    pub text: String,
}

/// The station manager's monthly KPI report (月度 KPI 报告): the month's figures
/// with their targets, each advisor's and technician's, and trend charts each
/// printed above its day-by-day numbers. The figures are the station's own
/// (`kpi::figures`); the charts are SVG drawn by the desk from the same numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MonthlyKpiReport {
    #[serde(default)]
    pub language: Language,
    #[serde(default)]
    pub paper: Paper,
    pub station_name: String,
    pub station_code: String,
    /// `2026-11`.
    pub month: String,
    /// The days covered, both included: `2026-11-01` to `2026-11-30` (to today in the month in progress).
    pub from: String,
    pub to: String,
    /// The zone the days are local to, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Local time, printed as given.
    pub generated_at: String,
    /// Each figure's name in the report's language, by code (a code without one prints as itself).
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
    /// The whole station's figures for the month.
    pub figures: Vec<kpi::Figure>,
    /// The codes whose numerator counts records among those its denominator
    /// counts: printed as `n / d` beside the value (not, say, seconds over seconds).
    #[serde(default)]
    pub count_codes: Vec<String>,
    #[serde(default)]
    pub advisors: KpiBreakdown,
    #[serde(default)]
    pub technicians: KpiBreakdown,
    #[serde(default)]
    pub charts: Vec<KpiChart>,
}

/// Figures per person: `codes` say which, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KpiBreakdown {
    pub codes: Vec<String>,
    pub rows: Vec<KpiPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KpiPerson {
    pub name: String,
    pub figures: Vec<kpi::Figure>,
}

/// One KPI's trend: the chart as SVG and the numbers it plots, printed beneath it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KpiChart {
    pub code: String,
    pub svg: String,
    pub points: Vec<KpiPoint>,
}

/// A point of a trend: its label (`11-23`) and the figure then, if anything was counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct KpiPoint {
    pub label: String,
    pub figure: Option<kpi::Figure>,
}
