//! Today's board: every open order by status, with its promised time and
//! whether it is overdue, optionally for one advisor or one technician (an
//! order is a technician's when any of its jobs is assigned to them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::{Caller, Permission};
use crate::error::Result;
use crate::repair_orders::{Priority, RoStatus};
use crate::station::Station;

#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct BoardInput {
    #[ts(optional)]
    pub advisor_id: Option<String>,
    #[ts(optional)]
    pub technician_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Board {
    /// The station's clock when the board was read; countdowns start from it.
    #[ts(type = "string")]
    pub now: DateTime<Utc>,
    pub statuses: Vec<RoStatus>,
    pub cards: Vec<BoardCard>,
}

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct BoardCard {
    pub id: String,
    pub number: String,
    pub status: RoStatus,
    /// The version the board saw: a move made from the card sends it, so a change since is caught.
    #[ts(type = "number")]
    pub version: i64,
    pub service_type: String,
    pub priority: Priority,
    pub plate: Option<String>,
    pub vin: Option<String>,
    pub make: String,
    pub model: String,
    pub customer_name: String,
    /// The customer was destroyed past retention: the name is a placeholder, so screens word it in the reader's language.
    pub customer_destroyed: bool,
    pub advisor_id: String,
    pub advisor_name: String,
    #[ts(type = "string")]
    pub checked_in_at: DateTime<Utc>,
    #[ts(type = "string | null")]
    pub promised_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub overdue: bool,
    /// Who works on the order's (not declined) jobs.
    #[sqlx(skip)]
    pub technicians: Vec<String>,
    /// For `waiting_parts`: the approved parts stock cannot cover yet, as "part no. name".
    #[sqlx(skip)]
    pub waiting_for: Vec<String>,
    /// Once the work is done (passed QC): the completion-notice limit, until the customer is told.
    #[sqlx(skip)]
    pub completion_notice: Option<crate::aftersales::clocks::ClockView>,
    /// What the caller may do from the card.
    #[sqlx(skip)]
    pub may: crate::workflow::actions::CardActions,
}

pub async fn board(station: &Station, caller: &Caller, input: BoardInput) -> Result<Board> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    let mut cards = sqlx::query_as::<_, BoardCard>(
        "SELECT r.id, r.number, r.status, r.version, r.service_type, r.priority, v.plate, v.vin, v.make, v.model,
                c.name AS customer_name, c.destroyed_at IS NOT NULL AS customer_destroyed, r.advisor_id, s.name AS advisor_name, r.checked_in_at, r.promised_at
         FROM repair_orders r
         JOIN vehicles v ON v.id = r.vehicle_id
         JOIN customers c ON c.id = r.customer_id
         JOIN staff s ON s.id = r.advisor_id
         WHERE r.status NOT IN ('delivered', 'closed', 'cancelled') AND (?1 IS NULL OR r.advisor_id = ?1)
           AND (?2 IS NULL OR EXISTS (SELECT 1 FROM ro_jobs j WHERE j.ro_id = r.id AND j.technician_id = ?2 AND j.approval <> 'declined'))
         ORDER BY r.promised_at IS NULL, r.promised_at, r.checked_in_at",
    )
    .bind(input.advisor_id.filter(|a| !a.is_empty()))
    .bind(input.technician_id.filter(|t| !t.is_empty()))
    .fetch_all(station.pool())
    .await?;
    let mut conn = station.pool().acquire().await?;
    let ids: Vec<String> = cards.iter().map(|c| c.id.clone()).collect();
    let mut clocks = crate::aftersales::clocks::read_many(&mut conn, crate::aftersales::clocks::ItemKind::RepairOrder, &ids, now).await?;
    for card in &mut cards {
        card.completion_notice = clocks
            .remove(&card.id)
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.clock == crate::aftersales::clocks::ClockName::CompletionNotice && c.reading.state != time_limits::ClockState::Stopped);
        card.overdue = card.promised_at.is_some_and(|p| p < now);
        card.may = crate::workflow::actions::card_actions(card.status, me.role);
        card.technicians = sqlx::query_scalar(
            "SELECT DISTINCT s.name FROM ro_jobs j JOIN staff s ON s.id = j.technician_id WHERE j.ro_id = ? AND j.approval <> 'declined' ORDER BY s.name",
        )
        .bind(&card.id)
        .fetch_all(&mut *conn)
        .await?;
        if card.status == RoStatus::WaitingParts {
            let short = crate::workflow::inventory::short_parts(&mut conn, &card.id).await?;
            card.waiting_for = short.into_iter().map(|p| format!("{} {}", p.part_no, p.name)).collect();
        }
    }
    let statuses = RoStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
    Ok(Board { now, statuses, cards })
}
