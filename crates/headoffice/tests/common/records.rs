//! A station's records as tests and benchmarks mean them: each kind knows how
//! the station sends it (its payload, as `crates/station` serialises it) and
//! how the `kpi` crate reads it (its record), so what the head office sums from
//! the pushed payloads can be checked against `kpi::Book` on the same records.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kpi::{
    complaint_contributions, deadline_contributions, order_contributions, Book, ClockEntry, ComplaintRecord, DeadlineRecord, FollowUpRecord, JobRecord,
    LineRecord, OrderRecord, Rules,
};
use serde_json::{json, Value};
use sync_protocol::Change;

use super::StationSim;

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
/// As the station writes times (`ts()`: milliseconds, `Z`).
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
pub fn ts_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| Value::String(ts(t)))
}

#[derive(Clone)]
pub struct Job {
    pub id: String,
    pub technician: Option<String>,
    pub approval: &'static str,
}

#[derive(Clone)]
pub struct Line {
    pub id: String,
    pub job: String,
    pub kind: &'static str,
    pub quantity_milli: i64,
    pub unit_price: i64,
    pub issued_milli: i64,
}

#[derive(Clone)]
pub struct Stretch {
    pub id: String,
    pub job: String,
    pub technician: String,
    pub seconds: Option<i64>,
}

/// An order as the test means it; `changes` is how a station sends it, `record` how `kpi` reads it.
#[derive(Clone)]
pub struct Order {
    pub id: String,
    pub advisor: String,
    pub status: &'static str,
    pub checked_in_at: DateTime<Utc>,
    pub promised_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub repeat_of_delivered_at: Option<DateTime<Utc>>,
    pub discount: i64,
    pub jobs: Vec<Job>,
    pub lines: Vec<Line>,
    pub stretches: Vec<Stretch>,
    pub waited_for_parts: bool,
    pub follow_up: Option<(&'static str, Option<DateTime<Utc>>)>,
    pub survey: Option<i64>,
}

pub fn order(id: &str, advisor: &str, checked_in: &str) -> Order {
    Order {
        id: id.into(),
        advisor: advisor.into(),
        status: "in_repair",
        checked_in_at: at(checked_in),
        promised_at: None,
        delivered_at: None,
        repeat_of_delivered_at: None,
        discount: 0,
        jobs: Vec::new(),
        lines: Vec::new(),
        stretches: Vec::new(),
        waited_for_parts: false,
        follow_up: None,
        survey: None,
    }
}

impl Order {
    pub fn delivered(mut self, promised: Option<&str>, delivered: &str) -> Order {
        self.status = "delivered";
        self.promised_at = promised.map(at);
        self.delivered_at = Some(at(delivered));
        self
    }

    /// A job for `technician` with one labor line (`hours_milli` at 100.00/h) and one part line, clocked `seconds`.
    pub fn job(mut self, technician: &str, approval: &'static str, hours_milli: i64, seconds: i64) -> Order {
        let n = self.jobs.len();
        let job = format!("{}-j{n}", self.id);
        self.jobs.push(Job { id: job.clone(), technician: Some(technician.into()), approval });
        self.lines.push(Line { id: format!("{job}-l"), job: job.clone(), kind: "labor", quantity_milli: hours_milli, unit_price: 10_000, issued_milli: 0 });
        self.lines.push(Line { id: format!("{job}-p"), job: job.clone(), kind: "part", quantity_milli: 2000, unit_price: 4_550, issued_milli: 2000 });
        self.stretches.push(Stretch { id: format!("{job}-c"), job, technician: technician.into(), seconds: Some(seconds) });
        self
    }

    pub fn amount(l: &Line) -> i64 {
        l.quantity_milli * l.unit_price / 1000
    }

    pub fn record(&self) -> OrderRecord {
        OrderRecord {
            id: self.id.clone(),
            advisor_id: self.advisor.clone(),
            status: self.status.into(),
            checked_in_at: self.checked_in_at,
            promised_at: self.promised_at,
            delivered_at: self.delivered_at,
            repeat_of_delivered_at: self.repeat_of_delivered_at,
            discount_minor: self.discount,
            jobs: self.jobs.iter().map(|j| JobRecord { id: j.id.clone(), technician_id: j.technician.clone(), approval: j.approval.into() }).collect(),
            lines: self
                .lines
                .iter()
                .map(|l| LineRecord {
                    job_id: l.job.clone(),
                    kind: l.kind.into(),
                    quantity_milli: l.quantity_milli,
                    unit_price_minor: l.unit_price,
                    amount_minor: Self::amount(l),
                    issued_milli: l.issued_milli,
                })
                .collect(),
            clock_entries: self
                .stretches
                .iter()
                .filter_map(|s| Some(ClockEntry { job_id: s.job.clone(), technician_id: s.technician.clone(), seconds: s.seconds? }))
                .collect(),
            waited_for_parts: self.waited_for_parts,
            follow_up: self.follow_up.map(|(status, ended_at)| FollowUpRecord { status: status.into(), ended_at }),
            survey_overall: self.survey,
        }
    }

    /// The order's head as the station's `RepairOrder` serialises it (customer, vehicle, advisor nested).
    pub fn head(&self) -> Value {
        json!({
            "id": self.id, "number": format!("SH01-{}", self.id), "archive_no": "A", "service_type": "repair", "status": self.status, "priority": "normal",
            "customer": {"id": "c1", "name": "王芳", "phone": "13900000000"},
            "vehicle": {"id": format!("v-{}", self.id), "customer_id": "c1", "vin": "LSVAM4187C2184851", "plate": "沪A12345"},
            "advisor": {"id": self.advisor, "name": "顾问"},
            "checked_in_at": ts(self.checked_in_at), "odometer_in_km": 42000, "fuel_eighths": 4, "personal_items": "",
            "promised_at": ts_opt(self.promised_at), "concerns": [], "damage_marks": [], "photos": [], "rework_count": 0, "cancel_reason": null,
            "discount": self.discount, "odometer_out_km": null, "completion_notice_at": null, "delivered_at": ts_opt(self.delivered_at),
            "repeat_of": self.repeat_of_delivered_at.map(|d| json!({"id": "earlier", "number": "SH01-earlier", "delivered_at": ts(d)})),
            "balance_override_by": null, "version": 3, "updated_at": ts(self.checked_in_at),
        })
    }

    pub fn changes(&self, st: &mut StationSim) -> Vec<Change> {
        let ro = &self.id;
        let mut out = vec![st.change("repair_order", ro, self.head())];
        for (n, j) in self.jobs.iter().enumerate() {
            out.push(st.change(
                "ro_job",
                &j.id,
                json!({"id": j.id, "ro_id": ro, "position": n, "concern": "异响", "cause": "", "correction": "", "technician_id": j.technician,
                       "approval": j.approval, "added_after_approval": false, "updated_at": ts(self.checked_in_at)}),
            ));
        }
        for l in &self.lines {
            out.push(st.change(
                "ro_line",
                &l.id,
                json!({"id": l.id, "ro_id": ro, "job_id": l.job, "kind": l.kind, "description": "x", "quantity_milli": l.quantity_milli,
                       "unit_price": l.unit_price, "amount": Self::amount(l), "reserved_milli": 0, "issued_milli": l.issued_milli,
                       "returned_milli": 0, "created_by": self.advisor, "updated_at": ts(self.checked_in_at)}),
            ));
        }
        for s in &self.stretches {
            let stopped = s.seconds.map(|secs| self.checked_in_at + Duration::seconds(3600 + secs));
            out.push(st.change(
                "time_clock",
                &s.id,
                json!({"id": s.id, "ro_id": ro, "job_id": s.job, "technician_id": s.technician,
                       "started_at": ts(self.checked_in_at + Duration::seconds(3600)), "stopped_at": ts_opt(stopped), "seconds": s.seconds}),
            ));
        }
        if self.waited_for_parts {
            let id = format!("{ro}-wait");
            out.push(st.change(
                "ro_status_event",
                &id,
                json!({"id": id, "ro_id": ro, "seq": 2, "from_status": "in_repair", "to_status": "waiting_parts", "note": "", "at": ts(self.checked_in_at)}),
            ));
        }
        if let (Some((status, ended)), Some(delivered)) = (self.follow_up, self.delivered_at) {
            let id = format!("{ro}-fu");
            out.push(st.change(
                "follow_up",
                &id,
                json!({"id": id, "ro_id": ro, "customer_id": "c1", "owner_id": self.advisor, "status": status, "attempts": 1,
                       "next_call_at": ts(delivered), "give_up_at": ts(delivered + Duration::days(7)), "delivered_at": ts(delivered),
                       "ended_at": ts_opt(ended), "version": 2}),
            ));
            if let Some(score) = self.survey {
                let sid = format!("{ro}-sv");
                out.push(st.change(
                    "survey",
                    &sid,
                    json!({"id": sid, "follow_up_id": id, "ro_id": ro, "customer_id": "c1", "overall": score, "quality": score, "timeliness": score,
                           "attitude": score, "price": score, "comment": "", "staff_id": self.advisor, "at": ts_opt(ended)}),
                ));
            }
        }
        out
    }
}

/// A deadline as the station's `item_clock` row carries it.
#[derive(Clone)]
pub struct Deadline {
    pub id: String,
    pub item_kind: &'static str,
    pub item_id: String,
    pub clock: &'static str,
    pub policy_kind: &'static str,
    pub state: &'static str,
    pub late_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
    pub breached_at: Option<DateTime<Utc>>,
}

impl Deadline {
    pub fn record(&self) -> DeadlineRecord {
        DeadlineRecord {
            id: self.id.clone(),
            policy_kind: self.policy_kind.into(),
            state: self.state.into(),
            late_at: self.late_at,
            met_at: self.met_at,
            breached_at: self.breached_at,
        }
    }

    pub fn change(&self, st: &mut StationSim) -> Change {
        st.change(
            "item_clock",
            &self.id,
            json!({"id": self.id, "item_kind": self.item_kind, "item_id": self.item_id, "clock": self.clock, "policy_kind": self.policy_kind,
                   "policy": {"budget_minutes": 4320, "basis": "wall"}, "calendar_id": null, "owner_id": "a1",
                   "started_at": ts(at("2026-03-02T01:00:00Z")), "state": self.state, "late_at": ts_opt(self.late_at),
                   "met_at": ts_opt(self.met_at), "breached_at": ts_opt(self.breached_at), "stopped_at": null}),
        )
    }
}

pub fn met(id: &str, item_kind: &'static str, item: &str, clock: &'static str, policy: &'static str, when: &str) -> Deadline {
    Deadline {
        id: id.into(),
        item_kind,
        item_id: item.into(),
        clock,
        policy_kind: policy,
        state: "stopped",
        late_at: None,
        met_at: Some(at(when)),
        breached_at: None,
    }
}

pub fn running(id: &str, item_kind: &'static str, item: &str, clock: &'static str, policy: &'static str, late: &str) -> Deadline {
    Deadline { state: "running", met_at: None, late_at: Some(at(late)), ..met(id, item_kind, item, clock, policy, late) }
}

#[derive(Clone)]
pub struct Complaint {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub repeat_of: Option<String>,
    pub resolution: Deadline,
}

impl Complaint {
    pub fn new(id: &str, received: &str, resolution: Deadline) -> Complaint {
        Complaint { id: id.into(), received_at: at(received), repeat_of: None, resolution }
    }

    pub fn record(&self) -> ComplaintRecord {
        ComplaintRecord { id: self.id.clone(), received_at: self.received_at, repeat: self.repeat_of.is_some(), resolution: Some(self.resolution.record()) }
    }

    pub fn changes(&self, st: &mut StationSim) -> Vec<Change> {
        let head = json!({"id": self.id, "number": format!("SH01-TS-20260302-{}", self.id), "channel": "phone", "severity": "normal",
                          "category_id": "cat", "status": "open", "description": "噪音", "customer_id": "c1", "vehicle_id": null, "ro_id": null,
                          "contact_name": "王芳", "contact_phone": "", "received_by": "a1", "owner_id": "a1", "received_at": ts(self.received_at),
                          "repeat_of_id": self.repeat_of, "version": 1});
        vec![st.change("complaint", &self.id, head), self.resolution.change(st)]
    }
}

/// What the station is: its records, as pushed, and the rules `kpi` counts them under.
#[derive(Clone)]
pub struct Station {
    pub orders: Vec<Order>,
    pub complaints: Vec<Complaint>,
    /// Deadlines other than the complaints' resolution clocks.
    pub deadlines: Vec<Deadline>,
    pub rules: Rules,
}

impl Station {
    pub fn book(&self, now: DateTime<Utc>) -> Book {
        let mut b = Book::default();
        for o in &self.orders {
            b.add(order_contributions(&o.record(), &self.rules));
        }
        for c in &self.complaints {
            b.add(complaint_contributions(&c.record(), &self.rules, now));
            b.add(deadline_contributions(&c.resolution.record(), &self.rules, now));
        }
        for d in &self.deadlines {
            b.add(deadline_contributions(&d.record(), &self.rules, now));
        }
        b
    }

    pub fn changes(&self, st: &mut StationSim) -> Vec<Change> {
        let mut out = Vec::new();
        for o in &self.orders {
            out.extend(o.changes(st));
        }
        for c in &self.complaints {
            out.extend(c.changes(st));
        }
        for d in &self.deadlines {
            out.push(d.change(st));
        }
        out
    }
}

/// The station's settings, a calendar version made at `made` (the standard week in zone `tz`, the 6th a holiday),
/// two active technicians and a retired one, an advisor and two parts.
pub fn setup(st: &mut StationSim, tz: &str, repeat_days: i64, made: &str) -> Vec<Change> {
    let week = json!([[{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "18:00"}], [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "18:00"}],
                      [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "18:00"}], [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "18:00"}],
                      [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "18:00"}], [{"start": "09:00", "end": "17:00"}], []]);
    let cal_id = format!("cal-{tz}");
    vec![
        st.change("station_settings", "local", json!({"tax_rate_bp": 1300, "repeat_repair_days": repeat_days, "follow_up_give_up_days": 7})),
        st.change(
            "calendar",
            &cal_id,
            json!({"id": cal_id, "calendar": {"time_zone": tz, "weekly": week, "holidays": ["2026-03-06"], "makeup_days": []},
                   "created_by": "m1", "created_at": made}),
        ),
        st.change("staff", "t1", json!({"id": "t1", "station_id": "local", "name": "李师傅", "role": "technician", "active": true})),
        st.change("staff", "t2", json!({"id": "t2", "station_id": "local", "name": "张师傅", "role": "technician", "active": true})),
        st.change("staff", "t3", json!({"id": "t3", "station_id": "local", "name": "退休", "role": "technician", "active": false})),
        st.change("staff", "a1", json!({"id": "a1", "station_id": "local", "name": "顾问", "role": "advisor", "active": true})),
        st.change(
            "part",
            "p1",
            json!({"id": "p1", "part_no": "P1", "name": "机油", "bin": "", "unit_price": 4550, "on_hand_milli": 10_000, "reserved_milli": 0,
                   "available_milli": 10_000, "reorder_point_milli": 2000, "short_for_orders_milli": 0, "active": true, "low": false}),
        ),
        st.change(
            "part",
            "p2",
            json!({"id": "p2", "part_no": "P2", "name": "滤芯", "bin": "", "unit_price": 1999, "on_hand_milli": 1500, "reserved_milli": 0,
                   "available_milli": 1500, "reorder_point_milli": 2000, "short_for_orders_milli": 0, "active": true, "low": true}),
        ),
    ]
}

pub fn shanghai(repeat_days: i64) -> Rules {
    Rules { tz: chrono_tz::Asia::Shanghai, repeat_window_days: repeat_days }
}
