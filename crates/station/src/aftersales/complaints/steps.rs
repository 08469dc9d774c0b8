//! The steps of a complaint's life (`complaint_step`): each `Step` checked
//! against who may take it now (`may_take`, the same rule `actions` lists),
//! applied with its timeline entry, clock changes and outbox row in one
//! transaction.

use super::*;

/// One change to a complaint. Its `kind` is also what `actions` lists.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A logged contact with the customer: the first one is the first response.
    Contact {
        mode: ContactMode,
        text: String,
    },
    /// An internal note: never a response.
    Note {
        text: String,
    },
    /// The cause found, the corrective action, the solution offered.
    Findings {
        cause: String,
        corrective_action: String,
        solution: String,
    },
    /// A new category or severity; elapsed time carries over to the new limit.
    Reclassify {
        category_id: String,
        severity: ComplaintSeverity,
    },
    HandOver {
        to_staff_id: String,
        reason: String,
    },
    /// Waiting for the customer or for parts: resolution time stops counting.
    Wait {
        waiting_for: WaitingFor,
        text: String,
    },
    Resume {
        text: String,
    },
    Compensate {
        compensation: CompensationKind,
        #[serde(default)]
        description: String,
        value: Money,
        /// Courtesy car only.
        #[serde(default)]
        #[ts(optional, type = "number")]
        days: Option<i64>,
        /// Above the station's threshold a manager approves with their PIN (a manager's own entry needs none).
        #[serde(default)]
        #[ts(optional)]
        manager_pin: Option<String>,
    },
    /// The customer told of the result, and their answer.
    Resolve {
        told_by: ContactMode,
        answer: CustomerAnswer,
        text: String,
    },
    /// The callback after resolution: reached closes the complaint.
    Callback {
        reached: bool,
        text: String,
    },
    Reopen {
        text: String,
    },
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ComplaintStep {
    pub complaint_id: String,
    #[ts(type = "number")]
    pub expected_version: i64,
    pub step: Step,
}

fn step_action(step: &Step) -> ComplaintAction {
    match step {
        Step::Contact { .. } => ComplaintAction::Contact,
        Step::Note { .. } => ComplaintAction::Note,
        Step::Findings { .. } => ComplaintAction::Findings,
        Step::Reclassify { .. } => ComplaintAction::Reclassify,
        Step::HandOver { .. } => ComplaintAction::HandOver,
        Step::Wait { .. } => ComplaintAction::Wait,
        Step::Resume { .. } => ComplaintAction::Resume,
        Step::Compensate { .. } => ComplaintAction::Compensate,
        Step::Resolve { .. } => ComplaintAction::Resolve,
        Step::Callback { .. } => ComplaintAction::Callback,
        Step::Reopen { .. } => ComplaintAction::Reopen,
    }
}

/// Refused unless the step is among the complaint's `actions` for `me`: not the owner, or not now.
fn may_take(c: &Complaint, me: &StaffRef, step: &Step) -> Result<()> {
    let action = step_action(step);
    if !actions_for(c, me).contains(&action) {
        let why = if c.owner_id != me.id && me.role != Role::Manager {
            ApiError::forbidden("complaint.not_owner", "only the complaint's owner or a manager can do this")
        } else {
            ApiError::conflict("complaint.not_now", format!("a {} complaint cannot do that now", c.status.as_str().replace('_', " ")))
        };
        return Err(why);
    }
    Ok(())
}

/// Takes one step on a complaint (see [`Step`]); the caller must be offered it in `actions`.
pub async fn complaint_step(station: &Station, caller: &Caller, input: ComplaintStep) -> Result<ComplaintDetail> {
    let me = caller.require(Permission::Read)?;
    let now = station.now();
    // Who may take the step is checked before a manager's PIN, so a refused step costs no PIN attempt;
    // the PIN before the write lock, since argon2 is slow and a wrong PIN writes nothing.
    {
        let mut conn = station.pool().acquire().await?;
        may_take(&load(&mut conn, &input.complaint_id).await?, me, &input.step)?;
        if crate::retention::destroyed_at(&mut conn, "complaint", &input.complaint_id).await?.is_some() {
            return Err(ApiError::conflict("complaint.destroyed", "this complaint's words were destroyed past its retention period").with_field("complaint_id"));
        }
    }
    let approver = match &input.step {
        Step::Compensate { value, manager_pin, .. } if me.role != Role::Manager => {
            let threshold: i64 = sqlx::query_scalar("SELECT compensation_approval_minor FROM station LIMIT 1").fetch_one(station.pool()).await?;
            match manager_pin.as_deref().filter(|p| !p.is_empty()) {
                _ if value.minor() <= threshold => None,
                Some(pin) => Some(crate::auth::lockout::manager_by_pin(station, me, pin, "step.manager_pin").await?),
                None => {
                    return Err(ApiError::field(
                        "step.manager_pin",
                        Invalid::new("complaint.needs_approval", format!("compensation above {} needs a manager's PIN", Money::from_minor(threshold))),
                    ))
                }
            }
        }
        Step::Compensate { .. } => Some(me.id.clone()),
        _ => None,
    };
    let mut tx = db::write_tx(station.pool()).await?;
    let c = load(&mut tx, &input.complaint_id).await?;
    if c.version != input.expected_version {
        return Err(ApiError::conflict("complaint.version_conflict", "someone else changed this complaint; reload"));
    }
    may_take(&c, me, &input.step)?;
    let id = c.id.clone();
    match input.step {
        Step::Contact { mode, text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &id, mode.event_kind(), &t, json!({}), now).await?;
            if c.first_response_at.is_none() {
                sqlx::query("UPDATE complaints SET first_response_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
            }
            if c.status == ComplaintStatus::Open {
                set_status(&mut tx, &id, ComplaintStatus::InProgress, now).await?;
            }
        }
        Step::Note { text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &id, "note", &t, json!({}), now).await?;
        }
        Step::Findings { cause, corrective_action, solution } => {
            let cause = text("step.cause", &cause, false)?;
            let corrective = text("step.corrective_action", &corrective_action, false)?;
            let solution = text("step.solution", &solution, false)?;
            if cause.is_empty() && corrective.is_empty() && solution.is_empty() {
                return Err(ApiError::field("step.cause", Invalid::new("text.required", "write the cause, the corrective action or the solution")));
            }
            sqlx::query("UPDATE complaints SET cause = ?, corrective_action = ?, solution = ? WHERE id = ?")
                .bind(&cause)
                .bind(&corrective)
                .bind(&solution)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let summary = [cause.as_str(), corrective.as_str(), solution.as_str()].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" / ");
            event(&mut tx, me, &id, "findings", &summary, json!({"cause": cause, "corrective_action": corrective, "solution": solution}), now).await?;
        }
        Step::Reclassify { category_id, severity } => {
            categories::path_of(&mut tx, &category_id, "step.category_id").await?;
            if category_id == c.category_id && severity == c.severity {
                return Err(ApiError::field("step.category_id", Invalid::new("complaint.unchanged", "choose a different category or severity")));
            }
            let kind = severity.first_response_policy();
            let policy = clocks::policy_for(&mut tx, kind).await?;
            sqlx::query("UPDATE complaints SET category_id = ?, severity = ? WHERE id = ?")
                .bind(&category_id)
                .bind(severity.as_str())
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            let data = json!({"from_category_id": c.category_id, "category_id": category_id, "from_severity": c.severity.as_str(), "severity": severity.as_str(),
                              "first_response_policy": policy, "first_response_policy_kind": kind.as_str()});
            event(&mut tx, me, &id, "reclassified", "", data, now).await?;
        }
        Step::HandOver { to_staff_id, reason } => {
            let reason = text("step.reason", &reason, true)?;
            crate::auth::staff::require_desk_staff(&mut tx, &to_staff_id, "step.to_staff_id").await?;
            if to_staff_id == c.owner_id {
                return Err(ApiError::field("step.to_staff_id", Invalid::new("complaint.same_owner", "they already own it")));
            }
            sqlx::query("UPDATE complaints SET owner_id = ? WHERE id = ?").bind(&to_staff_id).bind(&id).execute(&mut *tx).await?;
            clocks::set_owner(&mut tx, ItemKind::Complaint, &id, &to_staff_id, now).await?;
            event(&mut tx, me, &id, "handed_over", &reason, json!({"from_staff_id": c.owner_id, "to_staff_id": to_staff_id}), now).await?;
        }
        Step::Wait { waiting_for, text: t } => {
            let t = text("step.text", &t, false)?;
            let status = match waiting_for {
                WaitingFor::Customer => ComplaintStatus::WaitingCustomer,
                WaitingFor::Parts => ComplaintStatus::WaitingParts,
            };
            if status == c.status {
                return Err(ApiError::field("step.waiting_for", Invalid::new("complaint.already_waiting", "it is already waiting for that")));
            }
            event(&mut tx, me, &id, "waiting", &t, json!({"waiting_for": status.as_str()}), now).await?;
            set_status(&mut tx, &id, status, now).await?;
        }
        Step::Resume { text: t } => {
            let t = text("step.text", &t, false)?;
            event(&mut tx, me, &id, "resumed", &t, json!({}), now).await?;
            let back = if c.first_response_at.is_some() { ComplaintStatus::InProgress } else { ComplaintStatus::Open };
            set_status(&mut tx, &id, back, now).await?;
        }
        Step::Compensate { compensation, description, value, days, .. } => {
            let description = text("step.description", &description, false)?;
            if value.is_negative() {
                return Err(ApiError::field("step.value", Invalid::new("complaint.compensation_value", "a compensation is worth zero or more")));
            }
            if value > Money::MAX_LINE {
                return Err(crate::workflow::lines::amount_too_large("step.value", "complaint.compensation_too_large", Money::MAX_LINE));
            }
            let days = match (compensation, days) {
                (CompensationKind::CourtesyCar, Some(d)) if (1..=365).contains(&d) => Some(d),
                (CompensationKind::CourtesyCar, _) => {
                    return Err(ApiError::field("step.days", Invalid::new("complaint.courtesy_days", "how many days of courtesy car (1–365)?")))
                }
                _ => None,
            };
            let cid = new_id();
            sqlx::query(
                "INSERT INTO complaint_compensations (id, station_id, complaint_id, kind, description, value_minor, days, approved_by, staff_id, at, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&cid)
            .bind(&me.station_id)
            .bind(&id)
            .bind(compensation.as_str())
            .bind(&description)
            .bind(value.minor())
            .bind(days)
            .bind(&approver)
            .bind(&me.id)
            .bind(ts(now))
            .bind(ts(now))
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
            let record = json!({"id": cid, "complaint_id": id, "kind": compensation.as_str(), "description": description, "value_minor": value.minor(),
                                "days": days, "approved_by": approver, "staff_id": me.id, "at": ts(now)});
            outbox::append(&mut tx, &me.station_id, "complaint_compensation", &cid, outbox::Op::Upsert, &record, now).await?;
            event(
                &mut tx,
                me,
                &id,
                "compensation",
                &description,
                json!({"compensation_id": cid, "kind": compensation.as_str(), "value_minor": value.minor(), "days": days}),
                now,
            )
            .await?;
        }
        Step::Resolve { told_by, answer, text: t } => {
            let t = text("step.text", &t, true)?;
            if c.solution.trim().is_empty() {
                return Err(ApiError::field(
                    "step.text",
                    Invalid::new("complaint.no_solution", "record the solution offered (findings) before telling the customer"),
                ));
            }
            // Telling the customer is a contact, and may be the first response.
            event(&mut tx, me, &id, told_by.event_kind(), &t, json!({"told_result": true}), now).await?;
            if c.first_response_at.is_none() {
                sqlx::query("UPDATE complaints SET first_response_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
            }
            let answer_str = match answer {
                CustomerAnswer::Accepted => "accepted",
                CustomerAnswer::NotAccepted => "not_accepted",
            };
            sqlx::query("UPDATE complaints SET customer_answer = ? WHERE id = ?").bind(answer_str).bind(&id).execute(&mut *tx).await?;
            match answer {
                CustomerAnswer::Accepted => {
                    // The callback's clock starts now, under the limit in force now (a reopened
                    // complaint resolved again keeps the clock it had).
                    clocks::start(
                        &mut tx,
                        &me.station_id,
                        ItemKind::Complaint,
                        &id,
                        ClockName::Callback,
                        PolicyKind::ComplaintCallback,
                        Some(&c.owner_id),
                        now,
                    )
                    .await?;
                    event(&mut tx, me, &id, "resolved", "", json!({"answer": answer_str}), now).await?;
                    sqlx::query("UPDATE complaints SET resolved_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
                    set_status(&mut tx, &id, ComplaintStatus::Resolved, now).await?;
                }
                CustomerAnswer::NotAccepted => {
                    // The manager takes it over: the complaint is on their list from now on.
                    let manager: Option<String> = sqlx::query_scalar("SELECT id FROM staff WHERE role = 'manager' AND active = 1 ORDER BY created_at LIMIT 1")
                        .fetch_optional(&mut *tx)
                        .await?;
                    let to = if me.role == Role::Manager { Some(me.id.clone()) } else { manager };
                    if let Some(m) = &to {
                        if *m != c.owner_id {
                            sqlx::query("UPDATE complaints SET owner_id = ? WHERE id = ?").bind(m).bind(&id).execute(&mut *tx).await?;
                            clocks::set_owner(&mut tx, ItemKind::Complaint, &id, m, now).await?;
                        }
                    }
                    event(&mut tx, me, &id, "escalated", "", json!({"answer": answer_str, "to_staff_id": to}), now).await?;
                    set_status(&mut tx, &id, ComplaintStatus::Escalated, now).await?;
                }
            }
        }
        Step::Callback { reached, text: t } => {
            let t = text("step.text", &t, true)?;
            if reached {
                event(&mut tx, me, &id, "callback", &t, json!({}), now).await?;
                sqlx::query("UPDATE complaints SET closed_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
                set_status(&mut tx, &id, ComplaintStatus::Closed, now).await?;
            } else {
                event(&mut tx, me, &id, "callback_missed", &t, json!({}), now).await?;
            }
        }
        Step::Reopen { text: t } => {
            let t = text("step.text", &t, true)?;
            event(&mut tx, me, &id, "reopened", &t, json!({}), now).await?;
            sqlx::query("UPDATE complaints SET closed_at = NULL, resolved_at = NULL, customer_answer = NULL WHERE id = ?").bind(&id).execute(&mut *tx).await?;
            set_status(&mut tx, &id, ComplaintStatus::InProgress, now).await?;
        }
    }
    sqlx::query("UPDATE complaints SET version = version + 1, updated_at = ? WHERE id = ?").bind(ts(now)).bind(&id).execute(&mut *tx).await?;
    send(&mut tx, &me.station_id, &id, now).await?;
    let out = detail(&mut tx, &id, me, now).await?;
    tx.commit().await?;
    Ok(out)
}
