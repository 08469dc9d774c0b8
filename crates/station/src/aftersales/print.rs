//! The printable complaint record (投诉处理记录): one complaint with its whole
//! timeline, in Chinese or English, laid out by `documents`. It is not a signed
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
    /// `zh-CN` or `en`.
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
    let en = input.language == "en";
    let record = record(&info, &d, en, input.paper.unwrap_or_default(), now);
    let bytes = documents::render_complaint_record(&record).map_err(|e| ApiError::internal(format!("cannot render the complaint record: {e}")))?;
    Ok(PrintedDocument {
        document_id: d.complaint.id.clone(),
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        size: bytes.len() as i64,
        data_url: data_url(&bytes),
    })
}

fn tr(en: bool, zh: &str, english: &str) -> String {
    if en { english } else { zh }.to_string()
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

fn clock_line(info: &StationRow, c: &ClockView, en: bool) -> documents::ClockLine {
    let label = match c.clock {
        ClockName::FirstResponse => tr(en, "首次响应", "First response"),
        ClockName::Resolution => tr(en, "处理完毕并告知客户", "Resolved and customer told"),
        ClockName::Callback => tr(en, "结案回访", "Callback"),
        _ => c.clock.as_str().to_string(),
    };
    let r = &c.reading;
    let working = r.policy.basis == time_limits::Basis::Working;
    let limit = format!("{}{}", hours(r.budget_secs), if working { tr(en, "（工作时间）", " (working hours)") } else { String::new() });
    let state = match (r.met_at, r.breached_at, r.state) {
        (_, _, time_limits::ClockState::NotStarted) => tr(en, "未开始", "not started"),
        (Some(m), None, _) => format!("{} {}", tr(en, "按时完成", "met"), local(info, &crate::station::ts(m))),
        (_, Some(b), time_limits::ClockState::Stopped) => {
            format!("{} {}", tr(en, "超时完成，超时起于", "late; overdue since"), local(info, &crate::station::ts(b)))
        }
        (_, Some(_), _) => format!("{} {}", tr(en, "已超时", "overdue by"), hours(r.remaining_secs)),
        (None, None, time_limits::ClockState::Paused) => format!("{} {}", tr(en, "暂停，剩余", "paused, left"), hours(r.remaining_secs)),
        (None, None, _) => format!("{} {}", tr(en, "剩余", "left"), hours(r.remaining_secs)),
    };
    documents::ClockLine { label, limit, state, breached: r.breached_at.is_some() }
}

fn record(info: &StationRow, d: &ComplaintDetail, en: bool, paper: PaperSize, now: DateTime<Utc>) -> documents::ComplaintRecord {
    let c = &d.complaint;
    let status = serde_json::to_value(c.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let status = match status.as_str() {
        "open" => tr(en, "待响应", "Open"),
        "in_progress" => tr(en, "处理中", "In progress"),
        "waiting_customer" => tr(en, "等待客户", "Waiting for the customer"),
        "waiting_parts" => tr(en, "等待配件", "Waiting for parts"),
        "escalated" => tr(en, "已升级至站长", "Escalated to the manager"),
        "resolved" => tr(en, "已解决，待回访", "Resolved, callback due"),
        _ => tr(en, "已结案", "Closed"),
    };
    let severity = match c.severity {
        complaints::ComplaintSeverity::Urgent => tr(en, "紧急", "Urgent"),
        complaints::ComplaintSeverity::Normal => tr(en, "一般", "Normal"),
    };
    let channel = match c.channel {
        complaints::ComplaintChannel::Phone => tr(en, "电话", "Phone"),
        complaints::ComplaintChannel::WalkIn => tr(en, "到店", "Walk-in"),
        complaints::ComplaintChannel::Online => tr(en, "网络", "Online"),
        complaints::ComplaintChannel::Email => tr(en, "电子邮件", "E-mail"),
        complaints::ComplaintChannel::HeadOffice => tr(en, "总部转来", "Head office"),
        complaints::ComplaintChannel::ConsumerAssociation => tr(en, "消费者协会 12315", "Consumer association 12315"),
    };
    let kind = |k: &str| match k {
        "received" => tr(en, "受理", "Received"),
        "contact_call" => tr(en, "电话联系", "Call"),
        "contact_visit" => tr(en, "面谈", "Visit"),
        "contact_message" => tr(en, "发送消息", "Message"),
        "note" => tr(en, "内部备注", "Internal note"),
        "findings" => tr(en, "原因与措施", "Findings"),
        "reclassified" => tr(en, "重新分类", "Reclassified"),
        "handed_over" => tr(en, "移交", "Handed over"),
        "waiting" => tr(en, "暂停计时", "Waiting"),
        "resumed" => tr(en, "恢复处理", "Resumed"),
        "compensation" => tr(en, "补偿", "Compensation"),
        "escalated" => tr(en, "客户不接受，升级", "Not accepted, escalated"),
        "resolved" => tr(en, "客户接受，已解决", "Accepted, resolved"),
        "callback" => tr(en, "回访完成", "Callback done"),
        "callback_missed" => tr(en, "回访未接通", "Callback not reached"),
        "reopened" => tr(en, "重新打开", "Reopened"),
        other => other.to_string(),
    };
    let compensation = |k: complaints::CompensationKind| match k {
        complaints::CompensationKind::CourtesyCar => tr(en, "代步车", "Courtesy car"),
        complaints::CompensationKind::Voucher => tr(en, "服务券", "Service voucher"),
        complaints::CompensationKind::Refund => tr(en, "退款", "Refund"),
        complaints::CompensationKind::FreeRepair => tr(en, "免费维修", "Free repair"),
        complaints::CompensationKind::GoodwillParts => tr(en, "善意赠送配件", "Goodwill parts"),
    };
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    documents::ComplaintRecord {
        language: if en { documents::Language::En } else { documents::Language::ZhCn },
        paper: paper.to_documents(),
        station_name: info.name.clone(),
        station_code: info.code.clone(),
        number: c.number.clone(),
        status,
        severity,
        channel,
        category: d.category.iter().map(|k| if en { k.name_en.clone() } else { k.name_zh.clone() }).collect(),
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
            complaints::CustomerAnswer::Accepted => tr(en, "接受", "Accepted"),
            complaints::CustomerAnswer::NotAccepted => tr(en, "不接受", "Not accepted"),
        }),
        clocks: d.clocks.iter().map(|k| clock_line(info, k, en)).collect(),
        compensations: d
            .compensations
            .iter()
            .map(|x| documents::CompensationLine {
                kind: compensation(x.kind),
                description: x.description.clone(),
                value: match x.days {
                    Some(days) => format!("{} ({days} {})", x.value, tr(en, "天", "days")),
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
