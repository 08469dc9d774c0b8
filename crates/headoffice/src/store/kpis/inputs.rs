//! Reading the `kpi` crate's records from what stations pushed: which sources a
//! batch touched, and the orders, complaints and deadlines rebuilt from the
//! `records` table with one statement per kind for a whole batch. Payloads are
//! read leniently (a missing or odd field is a missing value, never a failed
//! push); the field names are the station's (`crates/station/src/sync/restore`
//! reads the same payloads back).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kpi::{ClockEntry, ComplaintRecord, DeadlineRecord, FollowUpRecord, JobRecord, LineRecord, OrderRecord, Rules};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::PgConnection;
use sync_protocol::Change;
use uuid::Uuid;

/// The sources of contributions, by the entity they are read from.
pub const ORDER: &str = "repair_order";
pub const COMPLAINT: &str = "complaint";
pub const DEADLINE: &str = "item_clock";

/// Records that belong to an order through their `ro_id`.
const ORDER_PARTS: [&str; 6] = ["ro_job", "ro_line", "time_clock", "ro_status_event", "follow_up", "survey"];

pub const DEFAULT_TZ: Tz = chrono_tz::Asia::Shanghai;
pub const DEFAULT_REPEAT_WINDOW_DAYS: i64 = 30;

/// What a batch changed, as far as the KPIs are concerned.
#[derive(Debug, Default)]
pub struct Touched {
    pub orders: BTreeSet<String>,
    pub complaints: BTreeSet<String>,
    pub deadlines: BTreeSet<String>,
    /// A calendar or the station's settings: the rules may have changed.
    pub rules: bool,
    /// Parts or staff: the station's context (stock, technicians) may have changed.
    pub context: bool,
    /// Deletes whose payload does not say which order they belong to: looked up in `records`.
    unresolved: Vec<(String, String)>,
}

impl Touched {
    pub fn of(changes: &[&Change]) -> Touched {
        let mut t = Touched::default();
        for c in changes {
            if !t.classify(&c.entity, &c.entity_id, &c.payload) {
                t.unresolved.push((c.entity.clone(), c.entity_id.clone()));
            }
        }
        t
    }

    /// The changes whose payload did not name their order: (entity, id), for the queue.
    pub fn lookups(&self) -> &[(String, String)] {
        &self.unresolved
    }

    /// Adds what one queued push touched (`kpi_queue`: sources, lookups, flags).
    pub fn add_queued(&mut self, sources: Vec<String>, ids: Vec<String>, lookups: Vec<String>, lookup_ids: Vec<String>, rules: bool, context: bool) {
        for (source, id) in sources.into_iter().zip(ids) {
            let set = match source.as_str() {
                ORDER => &mut self.orders,
                COMPLAINT => &mut self.complaints,
                DEADLINE => &mut self.deadlines,
                _ => continue,
            };
            set.insert(id);
        }
        self.unresolved.extend(lookups.into_iter().zip(lookup_ids));
        self.rules |= rules;
        self.context |= context;
    }

    /// The sources touched, as keys.
    pub fn keys(&self) -> Vec<Key> {
        let tag = |kind: &str, ids: &BTreeSet<String>| ids.iter().map(|id| (kind.to_string(), id.clone())).collect::<Vec<_>>();
        [tag(ORDER, &self.orders), tag(COMPLAINT, &self.complaints), tag(DEADLINE, &self.deadlines)].concat()
    }

    /// Notes what this record touches; false when the payload lacks the link.
    fn classify(&mut self, entity: &str, id: &str, payload: &Value) -> bool {
        let s = |k: &str| payload.get(k).and_then(Value::as_str);
        match entity {
            ORDER => {
                self.orders.insert(id.to_string());
            }
            COMPLAINT => {
                self.complaints.insert(id.to_string());
            }
            DEADLINE => {
                self.deadlines.insert(id.to_string());
                let Some(kind) = s("item_kind") else { return false };
                if kind == "complaint" && s("clock") == Some("resolution") {
                    if let Some(item) = s("item_id") {
                        self.complaints.insert(item.to_string());
                    }
                }
            }
            e if ORDER_PARTS.contains(&e) => match s("ro_id") {
                Some(ro) => {
                    self.orders.insert(ro.to_string());
                }
                None => return false,
            },
            "calendar" | "station_settings" => self.rules = true,
            "part" | "staff" => self.context = true,
            _ => {}
        }
        true
    }

    /// A deleted line's change carries only its id; the stored record (its last state) names the order.
    pub async fn resolve(&mut self, conn: &mut PgConnection, station: Uuid) -> sqlx::Result<()> {
        if self.unresolved.is_empty() {
            return Ok(());
        }
        let (es, is): (Vec<String>, Vec<String>) = std::mem::take(&mut self.unresolved).into_iter().unzip();
        let rows: Vec<(String, String, Json<Value>)> = sqlx::query_as(
            "SELECT r.entity, r.entity_id, r.payload FROM records r JOIN UNNEST($2::text[], $3::text[]) AS u(e, i) ON r.entity = u.e AND r.entity_id = u.i
             WHERE r.station_id = $1",
        )
        .bind(station)
        .bind(&es)
        .bind(&is)
        .fetch_all(conn)
        .await?;
        for (e, i, p) in rows {
            self.classify(&e, &i, &p.0);
        }
        Ok(())
    }

    /// Whether the batch changed anything the KPIs read.
    pub fn matters(&self) -> bool {
        !(self.orders.is_empty() && self.complaints.is_empty() && self.deadlines.is_empty() && self.unresolved.is_empty()) || self.rules || self.context
    }
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}
fn i(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}
fn t(v: &Value, k: &str) -> Option<DateTime<Utc>> {
    s(v, k).and_then(|x| DateTime::parse_from_rfc3339(x).ok()).map(|d| d.with_timezone(&Utc))
}

/// The station's rules and context as its records say now.
#[derive(Debug, Clone, PartialEq)]
pub struct StationFacts {
    pub tz: Tz,
    pub repeat_window_days: i64,
    pub calendar: Option<Value>,
}

impl StationFacts {
    pub fn rules(&self) -> Rules {
        Rules { tz: self.tz, repeat_window_days: self.repeat_window_days }
    }
}

/// The latest calendar's zone and body, and the repeat window of the station's settings.
pub async fn read_facts(conn: &mut PgConnection, station: Uuid) -> sqlx::Result<StationFacts> {
    let (calendar, settings): (Option<Json<Value>>, Option<Json<Value>>) = sqlx::query_as(
        "SELECT (SELECT payload->'calendar' FROM records WHERE station_id = $1 AND entity = 'calendar' AND NOT deleted
                 ORDER BY payload->>'created_at' DESC, entity_id DESC LIMIT 1),
                (SELECT payload FROM records WHERE station_id = $1 AND entity = 'station_settings' AND NOT deleted
                 ORDER BY updated_at DESC LIMIT 1)",
    )
    .bind(station)
    .fetch_one(conn)
    .await?;
    let calendar = calendar.map(|c| c.0).filter(Value::is_object);
    let tz = calendar.as_ref().and_then(|c| s(c, "time_zone")).and_then(|z| z.parse::<Tz>().ok()).unwrap_or(DEFAULT_TZ);
    let repeat_window_days = settings.and_then(|p| i(&p.0, "repeat_repair_days")).filter(|d| *d >= 0).unwrap_or(DEFAULT_REPEAT_WINDOW_DAYS);
    Ok(StationFacts { tz, repeat_window_days, calendar })
}

/// Stock value, parts at or below their reorder point, active technicians: from the station's part and staff records.
pub async fn read_context(conn: &mut PgConnection, station: Uuid) -> sqlx::Result<(i64, i64, i64)> {
    let parts: Vec<(Json<Value>,)> = sqlx::query_as(
        "SELECT jsonb_build_object('on_hand_milli', payload->'on_hand_milli', 'reserved_milli', payload->'reserved_milli',
                                   'reorder_point_milli', payload->'reorder_point_milli', 'unit_price', payload->'unit_price', 'low', payload->'low')
         FROM records WHERE station_id = $1 AND entity = 'part' AND NOT deleted AND payload->'active' = 'true'::jsonb",
    )
    .bind(station)
    .fetch_all(&mut *conn)
    .await?;
    let (mut value, mut short) = (0i64, 0i64);
    for (p,) in &parts {
        let p = &p.0;
        let on_hand = i(p, "on_hand_milli").unwrap_or(0);
        let price = i(p, "unit_price").unwrap_or(0);
        value = value.saturating_add(i64::try_from(i128::from(on_hand.max(0)) * i128::from(price) / 1000).unwrap_or(i64::MAX));
        // The station's own reading when it wrote the part (it knows what open orders still need); else on hand less reserved.
        let low =
            p.get("low").and_then(Value::as_bool).unwrap_or_else(|| on_hand - i(p, "reserved_milli").unwrap_or(0) <= i(p, "reorder_point_milli").unwrap_or(0));
        short += i64::from(low);
    }
    let technicians: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM records WHERE station_id = $1 AND entity = 'staff' AND NOT deleted
           AND payload->>'role' = 'technician' AND payload->'active' = 'true'::jsonb",
    )
    .bind(station)
    .fetch_one(conn)
    .await?;
    Ok((value, short, technicians))
}

/// A source: its entity and id.
pub type Key = (String, String);

/// Source ids by kind.
#[derive(Debug, Default)]
pub struct Sources {
    pub orders: Vec<String>,
    pub complaints: Vec<String>,
    pub deadlines: Vec<String>,
}

impl Sources {
    pub fn of(pairs: &[Key]) -> Sources {
        let mut s = Sources::default();
        for (source, id) in pairs {
            match source.as_str() {
                ORDER => s.orders.push(id.clone()),
                COMPLAINT => s.complaints.push(id.clone()),
                DEADLINE => s.deadlines.push(id.clone()),
                _ => {}
            }
        }
        s
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty() && self.complaints.is_empty() && self.deadlines.is_empty()
    }

    pub fn keys(&self) -> impl Iterator<Item = Key> + '_ {
        self.orders
            .iter()
            .map(|id| (ORDER.to_string(), id.clone()))
            .chain(self.complaints.iter().map(|id| (COMPLAINT.to_string(), id.clone())))
            .chain(self.deadlines.iter().map(|id| (DEADLINE.to_string(), id.clone())))
    }
}

/// What the upkeep reads for a set of sources: the records as `kpi` reads
/// them, and the contributions stored for them (with their recheck times).
#[derive(Debug, Default)]
pub struct Read {
    pub orders: Vec<OrderRecord>,
    pub complaints: Vec<ComplaintRecord>,
    pub deadlines: Vec<DeadlineRecord>,
    pub stored: HashMap<Key, (Value, Option<DateTime<Utc>>)>,
}

/// Reads `ids` in one statement. An id with no record (or an order without a
/// check-in time, a complaint without its receipt) is left out, so it makes no contribution.
pub async fn read(conn: &mut PgConnection, station: Uuid, ids: &Sources) -> sqlx::Result<Read> {
    let (ss, is): (Vec<String>, Vec<String>) = ids.keys().unzip();
    type Row = (String, String, Option<Json<Value>>, Option<String>, Option<Json<Value>>, Option<DateTime<Utc>>);
    // Only the fields that are read leave the database (an order's payload
    // carries customer, vehicle, concerns and photos; a job its texts), and only
    // a delivered order's jobs, lines, clocks and follow-up: the others are
    // counted without them (`kpi::order_contributions`). Of the status events,
    // only waiting for parts. Each lookup is a lateral join on its index.
    let rows: Vec<Row> = sqlx::query_as(
        "WITH o AS MATERIALIZED (
             SELECT entity_id, payload FROM records WHERE station_id = $1 AND entity = 'repair_order' AND entity_id = ANY($2) AND NOT deleted
         )
         SELECT 'head', entity_id,
                jsonb_build_object('advisor', payload->'advisor', 'advisor_id', payload->'advisor_id', 'status', payload->'status',
                    'checked_in_at', payload->'checked_in_at', 'promised_at', payload->'promised_at', 'delivered_at', payload->'delivered_at',
                    'repeat_of', payload->'repeat_of', 'discount', payload->'discount'),
                NULL::text, NULL::jsonb, NULL::timestamptz
         FROM o
         UNION ALL
         SELECT r.entity, r.entity_id,
                jsonb_build_object('ro_id', r.payload->'ro_id', 'technician_id', r.payload->'technician_id', 'approval', r.payload->'approval',
                    'job_id', r.payload->'job_id', 'kind', r.payload->'kind', 'quantity_milli', r.payload->'quantity_milli',
                    'unit_price', r.payload->'unit_price', 'amount', r.payload->'amount', 'issued_milli', r.payload->'issued_milli',
                    'stopped_at', r.payload->'stopped_at', 'seconds', r.payload->'seconds', 'status', r.payload->'status',
                    'ended_at', r.payload->'ended_at', 'overall', r.payload->'overall', 'at', r.payload->'at'),
                NULL, NULL, NULL
         FROM o CROSS JOIN LATERAL (
             SELECT entity, entity_id, payload FROM records r
             WHERE r.station_id = $1 AND r.entity IN ('ro_job', 'ro_line', 'time_clock', 'ro_status_event', 'follow_up', 'survey')
               AND r.payload->>'ro_id' = o.entity_id AND NOT r.deleted
               AND (r.entity <> 'ro_status_event' OR r.payload->>'to_status' = 'waiting_parts')
         ) r
         WHERE o.payload->>'delivered_at' IS NOT NULL AND o.payload->>'status' IS DISTINCT FROM 'cancelled'
         UNION ALL
         SELECT 'complaint', c.entity_id, c.payload, k.entity_id, k.payload, NULL FROM records c
         LEFT JOIN LATERAL (
             SELECT entity_id, payload FROM records k
             WHERE k.station_id = $1 AND k.entity = 'item_clock' AND k.payload->>'item_id' = c.entity_id
               AND k.payload->>'item_kind' = 'complaint' AND k.payload->>'clock' = 'resolution' AND NOT k.deleted
         ) k ON true
         WHERE c.station_id = $1 AND c.entity = 'complaint' AND c.entity_id = ANY($3) AND NOT c.deleted
         UNION ALL
         SELECT 'deadline', entity_id, payload, NULL, NULL, NULL FROM records
         WHERE station_id = $1 AND entity = 'item_clock' AND entity_id = ANY($4) AND NOT deleted
         UNION ALL
         SELECT 'stored', c.source_id, c.contributions, c.source, NULL, c.recheck_at
         FROM UNNEST($5::text[], $6::text[]) AS u(s, i) CROSS JOIN LATERAL (
             SELECT source, source_id, contributions, recheck_at FROM kpi_contributions c
             WHERE c.station_id = $1 AND c.source = u.s AND c.source_id = u.i
         ) c",
    )
    .bind(station)
    .bind(&ids.orders)
    .bind(&ids.complaints)
    .bind(&ids.deadlines)
    .bind(&ss)
    .bind(&is)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Read::default();
    let mut orders: BTreeMap<String, OrderRecord> = BTreeMap::new();
    let mut parts: Vec<(String, String, Value)> = Vec::new();
    let mut complaints: BTreeMap<String, ComplaintRecord> = BTreeMap::new();
    for (kind, id, a, b_id, b, at) in rows {
        let a = a.map(|j| j.0).unwrap_or(Value::Null);
        match kind.as_str() {
            "head" => {
                if let Some(o) = order_head(&id, &a) {
                    orders.insert(id, o);
                }
            }
            "complaint" => {
                let Some(received_at) = t(&a, "received_at") else { continue };
                let repeat = s(&a, "repeat_of_id").is_some_and(|r| !r.is_empty());
                let resolution = b_id.zip(b).map(|(cid, c)| deadline(&cid, &c.0));
                // Should a complaint have two resolution clocks, the first by id counts.
                let keep = complaints.get(&id).is_none_or(|c| match (&c.resolution, &resolution) {
                    (Some(have), Some(new)) => new.id < have.id,
                    (None, Some(_)) => true,
                    _ => false,
                });
                if keep {
                    complaints.insert(id.clone(), ComplaintRecord { id, received_at, repeat, resolution });
                }
            }
            "deadline" => out.deadlines.push(deadline(&id, &a)),
            "stored" => {
                if let Some(source) = b_id {
                    out.stored.insert((source, id), (a, at));
                }
            }
            _ => parts.push((kind, id, a)),
        }
    }
    // Surveys by time, so the latest answer wins when there is more than one.
    let mut survey_at: BTreeMap<String, Option<DateTime<Utc>>> = BTreeMap::new();
    parts.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
    for (entity, id, p) in parts {
        let Some(o) = s(&p, "ro_id").and_then(|ro| orders.get_mut(ro)) else { continue };
        add_part(o, &entity, &id, &p, &mut survey_at);
    }
    out.orders = orders.into_values().collect();
    out.complaints = complaints.into_values().collect();
    Ok(out)
}

fn order_head(id: &str, p: &Value) -> Option<OrderRecord> {
    Some(OrderRecord {
        id: id.to_string(),
        advisor_id: p.get("advisor").and_then(|a| s(a, "id")).or_else(|| s(p, "advisor_id")).unwrap_or_default().to_string(),
        status: s(p, "status").unwrap_or_default().to_string(),
        checked_in_at: t(p, "checked_in_at")?,
        promised_at: t(p, "promised_at"),
        delivered_at: t(p, "delivered_at"),
        repeat_of_delivered_at: p.get("repeat_of").and_then(|r| t(r, "delivered_at")),
        discount_minor: i(p, "discount").unwrap_or(0),
        jobs: Vec::new(),
        lines: Vec::new(),
        clock_entries: Vec::new(),
        waited_for_parts: false,
        follow_up: None,
        survey_overall: None,
    })
}

fn add_part(o: &mut OrderRecord, entity: &str, id: &str, p: &Value, survey_at: &mut BTreeMap<String, Option<DateTime<Utc>>>) {
    match entity {
        "ro_job" => o.jobs.push(JobRecord {
            id: id.to_string(),
            technician_id: s(p, "technician_id").map(str::to_string),
            approval: s(p, "approval").unwrap_or("pending").to_string(),
        }),
        "ro_line" => o.lines.push(LineRecord {
            job_id: s(p, "job_id").unwrap_or_default().to_string(),
            kind: s(p, "kind").unwrap_or_default().to_string(),
            quantity_milli: i(p, "quantity_milli").unwrap_or(0),
            unit_price_minor: i(p, "unit_price").unwrap_or(0),
            amount_minor: i(p, "amount").unwrap_or(0),
            issued_milli: i(p, "issued_milli").unwrap_or(0),
        }),
        // A stretch still running has no seconds yet: it counts once stopped.
        "time_clock" => {
            if let (Some(_), Some(seconds), Some(tech)) = (s(p, "stopped_at"), i(p, "seconds"), s(p, "technician_id")) {
                o.clock_entries.push(ClockEntry { job_id: s(p, "job_id").unwrap_or_default().to_string(), technician_id: tech.to_string(), seconds });
            }
        }
        "ro_status_event" => o.waited_for_parts = true,
        "follow_up" => o.follow_up = Some(FollowUpRecord { status: s(p, "status").unwrap_or_default().to_string(), ended_at: t(p, "ended_at") }),
        "survey" => {
            let at = t(p, "at");
            let later = survey_at.get(&o.id).is_none_or(|prev| at >= *prev);
            if let (true, Some(score)) = (later, i(p, "overall")) {
                o.survey_overall = Some(score);
                survey_at.insert(o.id.clone(), at);
            }
        }
        _ => {}
    }
}

/// A deadline from an `item_clock` payload.
fn deadline(id: &str, p: &Value) -> DeadlineRecord {
    DeadlineRecord {
        id: id.to_string(),
        policy_kind: s(p, "policy_kind").unwrap_or_default().to_string(),
        state: s(p, "state").unwrap_or_default().to_string(),
        late_at: t(p, "late_at"),
        met_at: t(p, "met_at"),
        breached_at: t(p, "breached_at"),
    }
}

/// Every source id of a station, for a rebuild.
pub async fn all_sources(conn: &mut PgConnection, station: Uuid) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT entity, entity_id FROM records WHERE station_id = $1 AND entity IN ('repair_order', 'complaint', 'item_clock') AND NOT deleted
         ORDER BY entity, entity_id",
    )
    .bind(station)
    .fetch_all(conn)
    .await
}
