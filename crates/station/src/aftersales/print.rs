//! The printable complaint record (投诉处理记录): one complaint with its whole
//! timeline, in Simplified or Traditional Chinese or English, laid out by `documents`. It is not a signed
//! document, so it is rendered afresh each time and not archived.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::clocks::{ClockName, ClockView};
use super::complaints::{self, ComplaintDetail};
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Result};
use crate::printing::{data_url, PaperSize, PrintedDocument};
use crate::station::{Station, StationRow};

#[derive(Debug, Clone, Deserialize, TS)]
pub struct PrintComplaint {
    pub complaint_id: String,
    /// `zh-CN`, `zh-TW` or `en`.
    pub language: String,
    #[serde(default)]
    #[ts(optional)]
    pub paper: Option<PaperSize>,
}

pub async fn print_complaint(station: &Station, caller: &Caller, input: PrintComplaint) -> Result<PrintedDocument> {
    let me = caller.require(Permission::Read)?;
    let info = station.require_info().await?;
    let now = station.now();
    let mut conn = station.pool().acquire().await?;
    let d = complaints::load_for_print(&mut conn, &input.complaint_id, me, now).await?;
    drop(conn);
    let lang = documents::Language::from_code(&input.language).unwrap_or_default();
    let record = record(&info, &d, lang, input.paper.unwrap_or_default(), now);
    let bytes = documents::render_complaint_record(&record).map_err(|e| ApiError::internal(format!("cannot render the complaint record: {e}")))?;
    Ok(PrintedDocument {
        document_id: d.complaint.id.clone(),
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        size: bytes.len() as i64,
        data_url: data_url(&bytes),
    })
}

fn tr(lang: documents::Language, zh_cn: &str, zh_tw: &str, en: &str) -> String {
    lang.pick(zh_cn, zh_tw, en).to_string()
}

fn local(info: &StationRow, at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map(|t| t.with_timezone(&info.offset()).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|_| at.to_string())
}

fn hours(secs: i64) -> String {
    let m = secs.abs() / 60;
    if m >= 60 {
        format!("{} h {:02} min", m / 60, m % 60)
    } else {
        format!("{m} min")
    }
}

fn clock_line(info: &StationRow, c: &ClockView, lang: documents::Language) -> documents::ClockLine {
    let label = match c.clock {
        ClockName::FirstResponse => tr(lang, "首次响应", "首次回應", "First response"),
        ClockName::Resolution => tr(lang, "处理完毕并告知客户", "處理完畢並告知客戶", "Resolved and customer told"),
        ClockName::Callback => tr(lang, "结案回访", "結案回訪", "Callback"),
        _ => c.clock.as_str().to_string(),
    };
    let r = &c.reading;
    let working = r.policy.basis == time_limits::Basis::Working;
    let limit = format!("{}{}", hours(r.budget_secs), if working { tr(lang, "（工作时间）", "（工作時間）", " (working hours)") } else { String::new() });
    let state = match (r.met_at, r.breached_at, r.state) {
        (_, _, time_limits::ClockState::NotStarted) => tr(lang, "未开始", "未開始", "not started"),
        (Some(m), None, _) => format!("{} {}", tr(lang, "按时完成", "按時完成", "met"), local(info, &crate::station::ts(m))),
        (_, Some(b), time_limits::ClockState::Stopped) => {
            format!("{} {}", tr(lang, "超时完成，超时起于", "超時完成，超時起於", "late; overdue since"), local(info, &crate::station::ts(b)))
        }
        (_, Some(_), _) => format!("{} {}", tr(lang, "已超时", "已超時", "overdue by"), hours(r.remaining_secs)),
        (None, None, time_limits::ClockState::Paused) => format!("{} {}", tr(lang, "暂停，剩余", "暫停，剩餘", "paused, left"), hours(r.remaining_secs)),
        (None, None, _) => format!("{} {}", tr(lang, "剩余", "剩餘", "left"), hours(r.remaining_secs)),
    };
    documents::ClockLine { label, limit, state, breached: r.breached_at.is_some() }
}

fn record(info: &StationRow, d: &ComplaintDetail, lang: documents::Language, paper: PaperSize, now: DateTime<Utc>) -> documents::ComplaintRecord {
    let c = &d.complaint;
    let status = serde_json::to_value(c.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let status = match status.as_str() {
        "open" => tr(lang, "待响应", "待回應", "Open"),
        "in_progress" => tr(lang, "处理中", "處理中", "In progress"),
        "waiting_customer" => tr(lang, "等待客户", "等待客戶", "Waiting for the customer"),
        "waiting_parts" => tr(lang, "等待配件", "等待配件", "Waiting for parts"),
        "escalated" => tr(lang, "已升级至站长", "已升級至站長", "Escalated to the manager"),
        "resolved" => tr(lang, "已解决，待回访", "已解決，待回訪", "Resolved, callback due"),
        _ => tr(lang, "已结案", "已結案", "Closed"),
    };
    let severity = match c.severity {
        complaints::ComplaintSeverity::Urgent => tr(lang, "紧急", "緊急", "Urgent"),
        complaints::ComplaintSeverity::Normal => tr(lang, "一般", "一般", "Normal"),
    };
    let channel = match c.channel {
        complaints::ComplaintChannel::Phone => tr(lang, "电话", "電話", "Phone"),
        complaints::ComplaintChannel::WalkIn => tr(lang, "到店", "到店", "Walk-in"),
        complaints::ComplaintChannel::Online => tr(lang, "网络", "網路", "Online"),
        complaints::ComplaintChannel::Email => tr(lang, "电子邮件", "電子郵件", "E-mail"),
        complaints::ComplaintChannel::HeadOffice => tr(lang, "总部转来", "總部轉來", "Head office"),
        complaints::ComplaintChannel::ConsumerAssociation => tr(lang, "消费者协会 12315", "消費者協會 12315", "Consumer association 12315"),
    };
    let kind = |k: &str| match k {
        "received" => tr(lang, "受理", "受理", "Received"),
        "contact_call" => tr(lang, "电话联系", "電話聯絡", "Call"),
        "contact_visit" => tr(lang, "面谈", "面談", "Visit"),
        "contact_message" => tr(lang, "发送消息", "傳送訊息", "Message"),
        "note" => tr(lang, "内部备注", "內部備註", "Internal note"),
        "findings" => tr(lang, "原因与措施", "原因與措施", "Findings"),
        "reclassified" => tr(lang, "重新分类", "重新分類", "Reclassified"),
        "handed_over" => tr(lang, "移交", "移交", "Handed over"),
        "waiting" => tr(lang, "暂停计时", "暫停計時", "Waiting"),
        "resumed" => tr(lang, "恢复处理", "恢復處理", "Resumed"),
        "compensation" => tr(lang, "补偿", "補償", "Compensation"),
        "escalated" => tr(lang, "客户不接受，升级", "客戶不接受，升級", "Not accepted, escalated"),
        "resolved" => tr(lang, "客户接受，已解决", "客戶接受，已解決", "Accepted, resolved"),
        "callback" => tr(lang, "回访完成", "回訪完成", "Callback done"),
        "callback_missed" => tr(lang, "回访未接通", "回訪未接通", "Callback not reached"),
        "reopened" => tr(lang, "重新打开", "重新開啟", "Reopened"),
        other => other.to_string(),
    };
    let compensation = |k: complaints::CompensationKind| match k {
        complaints::CompensationKind::CourtesyCar => tr(lang, "代步车", "代步車", "Courtesy car"),
        complaints::CompensationKind::Voucher => tr(lang, "服务券", "服務券", "Service voucher"),
        complaints::CompensationKind::Refund => tr(lang, "退款", "退款", "Refund"),
        complaints::CompensationKind::FreeRepair => tr(lang, "免费维修", "免費維修", "Free repair"),
        complaints::CompensationKind::GoodwillParts => tr(lang, "善意赠送配件", "善意贈送配件", "Goodwill parts"),
    };
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    documents::ComplaintRecord {
        language: lang,
        paper: paper.to_documents(),
        station_name: info.name.clone(),
        station_code: info.code.clone(),
        number: c.number.clone(),
        status,
        severity,
        channel,
        category: d.category.iter().map(|k| if lang.is_chinese() { k.name_zh.clone() } else { k.name_en.clone() }).collect(),
        received_at: local(info, &c.received_at),
        received_by: d.received_by_name.clone(),
        owner: d.owner_name.clone(),
        customer_name: d.customer_name.clone().unwrap_or_else(|| c.contact_name.clone()),
        customer_phone: c.contact_phone.clone(),
        plate: d.plate.clone(),
        vin: None,
        order_number: d.ro_number.clone(),
        repeat_of: d.repeat_of_number.clone(),
        description: c.description.clone(),
        cause: nonempty(&c.cause),
        corrective_action: nonempty(&c.corrective_action),
        solution: nonempty(&c.solution),
        customer_answer: c.customer_answer.map(|a| match a {
            complaints::CustomerAnswer::Accepted => tr(lang, "接受", "接受", "Accepted"),
            complaints::CustomerAnswer::NotAccepted => tr(lang, "不接受", "不接受", "Not accepted"),
        }),
        clocks: d.clocks.iter().map(|k| clock_line(info, k, lang)).collect(),
        compensations: d
            .compensations
            .iter()
            .map(|x| documents::CompensationLine {
                kind: compensation(x.kind),
                description: x.description.clone(),
                value: match x.days {
                    Some(days) => format!("{} ({days} {})", x.value, tr(lang, "天", "天", "days")),
                    None => x.value.to_string(),
                },
                approved_by: x.approved_by_name.clone(),
            })
            .collect(),
        timeline: d
            .timeline
            .iter()
            .map(|e| documents::TimelineLine {
                at: local(info, &e.at),
                who: e.staff_name.clone().unwrap_or_default(),
                kind: kind(&e.kind),
                text: e.text.clone(),
            })
            .collect(),
        printed_at: local(info, &crate::station::ts(now)),
    }
}
