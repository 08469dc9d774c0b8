//! After-sales at station scale: generates 100,000 complaints and 500,000
//! follow-ups (two years of a busy station, with their orders, events, surveys
//! and item clocks; once, cached beside the build), then times the lists and
//! pages people open all day through `Station::dispatch` with real sessions,
//! and prints p50/p95/max per kind.
//!
//! cargo bench -p station --bench aftersales                                    # full scale
//! cargo bench -p station --bench aftersales -- --complaints 10000 --follow-ups 50000  # quicker
//!
//! The station's clock is fixed (2026-12-05 10:00 at +08:00), so the open
//! items are as overdue on every run as on the day the data was generated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::SqliteConnection;
use station::Station;

const NOW: &str = "2026-12-05T02:00:00.000Z";
const OFFSET_MINUTES: i64 = 480;
const ADVISORS: usize = 8;
const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN: &[&str] = &["芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"];
const LEVEL1: &[&str] = &["svc", "qual", "price", "consult"];
const LEAVES: &[&str] = &[
    "svc.attitude.slow",
    "svc.attitude.rude",
    "svc.communication.progress",
    "svc.communication.estimate",
    "svc.time.late",
    "svc.time.parts",
    "qual.repair.repeat",
    "qual.repair.damage",
    "qual.parts.faulty",
    "price.charge.high",
    "price.charge.unclear",
    "consult.warranty.refused",
];
const CHANNELS: &[&str] = &["phone", "phone", "phone", "walk_in", "walk_in", "online", "email", "head_office", "consumer_association"];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().with_timezone(&Utc)
}

/// As the station stores instants (`station::ts`).
fn t(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn local_day(at: DateTime<Utc>) -> String {
    (at + Duration::minutes(OFFSET_MINUTES)).format("%Y%m%d").to_string()
}

fn minutes(rng: &mut StdRng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.random_range(lo..hi))
}

fn policy(budget_minutes: i64) -> String {
    json!({"budget_minutes": budget_minutes, "basis": "wall"}).to_string()
}

/// An instant strictly between `from` and `to`.
fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds().max(2);
    from + Duration::seconds(rng.random_range(1..span))
}

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::main]
async fn main() {
    let complaints = arg("--complaints", 100_000);
    let follow_ups = arg("--follow-ups", 500_000);
    let rounds = arg("--rounds", 200);
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("target"));
    let dir = target.join(format!("bench-aftersales-{complaints}-{follow_ups}"));
    let fresh = !dir.join("station.sqlite").exists();
    let clock: station::Clock = Arc::new(now);
    let worker = station::sync::WorkerOptions { enabled: false, ..Default::default() };
    let station = Station::open_with(&dir, clock, worker).await.expect("open bench station");
    if fresh {
        let started = Instant::now();
        let session = station
            .dispatch(
                "first_run_setup",
                None,
                json!({"station_code": "BN01", "station_name": "bench", "manager_name": "经理", "manager_pin": "1111", "utc_offset_minutes": OFFSET_MINUTES}),
            )
            .await
            .expect("setup");
        let token = session["token"].as_str().unwrap();
        for n in 0..ADVISORS {
            station
                .dispatch("create_staff", Some(token), json!({"name": format!("顾问{n}"), "role": "advisor", "pin": format!("{}", 2000 + n)}))
                .await
                .expect("create advisor");
        }
        generate(&station, complaints, follow_ups).await;
        println!("generated {complaints} complaints and {follow_ups} follow-ups in {:.0} s", started.elapsed().as_secs_f64());
    }

    let pool = station.pool();
    let manager_id: String = sqlx::query_scalar("SELECT id FROM staff WHERE role = 'manager' ORDER BY created_at LIMIT 1").fetch_one(pool).await.unwrap();
    let advisors: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM staff WHERE role = 'advisor' ORDER BY name").fetch_all(pool).await.unwrap();
    let login = |staff_id: String, pin: String| {
        let station = station.clone();
        async move {
            let s = station.dispatch("login", None, json!({"staff_id": staff_id, "pin": pin})).await.expect("login");
            s["token"].as_str().unwrap().to_string()
        }
    };
    let manager = login(manager_id.clone(), "1111".into()).await;
    let mut advisor_tokens = Vec::new();
    for (sid, name) in &advisors {
        let n: usize = name.trim_start_matches("顾问").parse().unwrap();
        advisor_tokens.push(login(sid.clone(), format!("{}", 2000 + n)).await);
    }
    let advisor_ids: Vec<String> = advisors.iter().map(|a| a.0.clone()).collect();

    let sample_ids: Vec<String> = sqlx::query_scalar("SELECT id FROM complaints ORDER BY random() LIMIT ?").bind(rounds as i64).fetch_all(pool).await.unwrap();
    let everyone = station.dispatch("call_list", Some(&manager), json!({"everyone": true})).await.unwrap();
    let call_total = everyone["total"].as_i64().unwrap();
    let last_call_page = ((call_total - 1) / 50).max(0);
    let all = station.dispatch("list_complaints", Some(&manager), json!({"include_closed": true})).await.unwrap();
    let ledger_total = all["total"].as_i64().unwrap();
    let deep_ledger_page = (ledger_total * 3 / 4) / 50;

    type Make = Box<dyn Fn(usize) -> (&'static str, String, Value)>;
    let m = manager.clone();
    let adv = advisor_tokens.clone();
    let ids = advisor_ids.clone();
    let samples = sample_ids.clone();
    let kinds: Vec<(String, Make)> = vec![
        ("call_list, mine (advisor), page 0".into(), {
            let adv = adv.clone();
            Box::new(move |i| ("call_list", adv[i % adv.len()].clone(), json!({})))
        }),
        ("call_list, everyone (manager), page 0".into(), {
            let m = m.clone();
            Box::new(move |_| ("call_list", m.clone(), json!({"everyone": true})))
        }),
        (format!("call_list, everyone, last page ({last_call_page})"), {
            let m = m.clone();
            Box::new(move |_| ("call_list", m.clone(), json!({"everyone": true, "page": last_call_page})))
        }),
        ("list_complaints, no filter, page 0".into(), {
            let m = m.clone();
            Box::new(move |_| ("list_complaints", m.clone(), json!({})))
        }),
        ("list_complaints, all incl. closed, page 0".into(), {
            let m = m.clone();
            Box::new(move |_| ("list_complaints", m.clone(), json!({"include_closed": true})))
        }),
        ("list_complaints, status = in_progress".into(), {
            let m = m.clone();
            Box::new(move |_| ("list_complaints", m.clone(), json!({"status": "in_progress"})))
        }),
        ("list_complaints, status = closed".into(), {
            let m = m.clone();
            Box::new(move |_| ("list_complaints", m.clone(), json!({"status": "closed"})))
        }),
        ("list_complaints, level-1 category".into(), {
            let m = m.clone();
            Box::new(move |i| ("list_complaints", m.clone(), json!({"category_id": LEVEL1[i % LEVEL1.len()]})))
        }),
        ("list_complaints, level-1 category incl. closed".into(), {
            let m = m.clone();
            Box::new(move |i| ("list_complaints", m.clone(), json!({"category_id": LEVEL1[i % LEVEL1.len()], "include_closed": true})))
        }),
        ("list_complaints, owner".into(), {
            let m = m.clone();
            let ids = ids.clone();
            Box::new(move |i| ("list_complaints", m.clone(), json!({"owner_id": ids[i % ids.len()]})))
        }),
        ("list_complaints, overdue only".into(), {
            let m = m.clone();
            Box::new(move |_| ("list_complaints", m.clone(), json!({"overdue_only": true})))
        }),
        (format!("list_complaints, incl. closed, page {deep_ledger_page}"), {
            let m = m.clone();
            Box::new(move |_| ("list_complaints", m.clone(), json!({"include_closed": true, "page": deep_ledger_page})))
        }),
        ("get_complaint".into(), {
            let m = m.clone();
            let samples = samples.clone();
            Box::new(move |i| ("get_complaint", m.clone(), json!({"id": samples[i % samples.len()]})))
        }),
        ("my_deadlines (advisor)".into(), {
            let adv = adv.clone();
            Box::new(move |i| ("my_deadlines", adv[i % adv.len()].clone(), json!({})))
        }),
        ("my_deadlines (manager)".into(), {
            let m = m.clone();
            Box::new(move |_| ("my_deadlines", m.clone(), json!({})))
        }),
    ];

    let counts: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM complaints), (SELECT COUNT(*) FROM follow_ups), (SELECT COUNT(*) FROM item_clocks),
                (SELECT COUNT(*) FROM complaints WHERE status <> 'closed')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    println!(
        "\n{} complaints ({} not closed), {} follow-ups ({call_total} to call today), {} item clocks; {rounds} calls per kind through Station::dispatch\n",
        counts.0, counts.3, counts.1, counts.2
    );
    println!("| query kind | rows | total | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|");
    let mut everything = Vec::new();
    for (label, make) in &kinds {
        let mut times = Vec::with_capacity(rounds);
        let (mut rows, mut total) = (0usize, 0i64);
        for i in 0..rounds {
            let (op, token, input) = make(i);
            let started = Instant::now();
            let out = station.dispatch(op, Some(&token), input).await.unwrap_or_else(|e| panic!("{label}: {e:?}"));
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = out.get("calls").or(out.get("complaints")).and_then(Value::as_array).map(Vec::len).unwrap_or(1);
            total = out.get("total").and_then(Value::as_i64).or(out.get("overdue").and_then(Value::as_i64)).unwrap_or(0);
        }
        assert!(rows > 0, "{label} returned nothing");
        times.sort_by(f64::total_cmp);
        println!("| {label} | {rows} | {total} | {:.2} | {:.2} | {:.2} |", percentile(&times, 0.5), percentile(&times, 0.95), times[times.len() - 1]);
        everything.extend(times);
    }
    everything.sort_by(f64::total_cmp);
    println!("| **all** | | | **{:.2}** | **{:.2}** | {:.2} |", percentile(&everything, 0.5), percentile(&everything, 0.95), everything[everything.len() - 1]);
}

/// One row of `item_clocks`, as `clocks::start` inserts it and `clocks::refresh` updates it.
struct Clock<'a> {
    item_kind: &'a str,
    item_id: &'a str,
    clock: &'a str,
    policy_kind: &'a str,
    budget_minutes: i64,
    owner_id: &'a str,
    started_at: DateTime<Utc>,
    /// Since when it counts (the callback counts from the resolution; its row starts with the complaint).
    counts_from: DateTime<Utc>,
    /// When it stopped (None: still counting or paused, see `paused`).
    stopped_at: Option<DateTime<Utc>>,
    paused: bool,
    not_started: bool,
    /// The last write to the item.
    updated_at: DateTime<Utc>,
}

async fn insert_clock(conn: &mut SqliteConnection, station_id: &str, c: &Clock<'_>) {
    let due = c.counts_from + Duration::minutes(c.budget_minutes);
    let (state, late, met, breached, stopped) = if c.not_started {
        ("not_started", None, None, None, None)
    } else if let Some(s) = c.stopped_at {
        if s <= due {
            ("stopped", None, Some(t(s)), None, Some(t(s)))
        } else {
            ("stopped", Some(t(due)), None, Some(t(due)), Some(t(s)))
        }
    } else if c.paused {
        ("paused", None, None, None, None)
    } else {
        // Running: breached only if it was already over at the item's last write.
        let breached = (due <= c.updated_at).then(|| t(due));
        ("running", Some(t(due)), None, breached, None)
    };
    sqlx::query(
        "INSERT INTO item_clocks (id, station_id, item_kind, item_id, clock, policy_kind, policy, calendar_id, owner_id, started_at, state,
                                  late_at, met_at, breached_at, stopped_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id())
    .bind(station_id)
    .bind(c.item_kind)
    .bind(c.item_id)
    .bind(c.clock)
    .bind(c.policy_kind)
    .bind(policy(c.budget_minutes))
    .bind(c.owner_id)
    .bind(t(c.started_at))
    .bind(state)
    .bind(late)
    .bind(met)
    .bind(breached)
    .bind(stopped)
    .bind(t(c.started_at))
    .bind(t(c.updated_at))
    .execute(conn)
    .await
    .unwrap();
}

/// A follow-up event: kind, outcome, call-back time, when.
type CallEvent = (&'static str, Option<&'static str>, Option<DateTime<Utc>>, DateTime<Utc>);

struct Ro {
    id: String,
    customer: usize,
    follow_up_id: String,
}

/// Bulk rows with bound values in large transactions, shaped like what the operations write.
async fn generate(station: &Station, complaints: usize, follow_ups: usize) {
    let mut rng = StdRng::seed_from_u64(9);
    let pool = station.pool();
    let station_id: String = sqlx::query_scalar("SELECT id FROM station").fetch_one(pool).await.unwrap();
    let manager: String = sqlx::query_scalar("SELECT id FROM staff WHERE role = 'manager'").fetch_one(pool).await.unwrap();
    let advisors: Vec<String> = sqlx::query_scalar("SELECT id FROM staff WHERE role = 'advisor' ORDER BY name").fetch_all(pool).await.unwrap();
    let now = now();
    let two_years = 730 * 24 * 60;
    const BATCH: usize = 50_000;

    // Customers (one phone each, a few without), one vehicle each.
    let customers = (follow_ups / 5).max(1000);
    let mut people: Vec<(String, String, String, Option<String>)> = Vec::with_capacity(customers); // id, name, vehicle id, phone
    for chunk in (0..customers).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = pool.begin().await.unwrap();
        for &i in chunk {
            let cid = id();
            let name = format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]);
            let created = t(now - minutes(&mut rng, two_years, two_years + 60 * 24 * 365));
            let consent = !rng.random_bool(0.02);
            sqlx::query(
                "INSERT INTO customers (id, station_id, customer_no, name, language, consent_follow_up, created_at, updated_at) VALUES (?, ?, ?, ?, 'zh-CN', ?, ?, ?)",
            )
            .bind(&cid)
            .bind(&station_id)
            .bind(format!("BN01-{:06}", i + 1))
            .bind(&name)
            .bind(consent)
            .bind(&created)
            .bind(&created)
            .execute(&mut *tx)
            .await
            .unwrap();
            let phone = (!rng.random_bool(0.01)).then(|| format!("1{}{:09}", rng.random_range(3..10), rng.random_range(0..1_000_000_000u64)));
            if let Some(p) = &phone {
                sqlx::query("INSERT INTO customer_phones (id, station_id, customer_id, position, phone, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)")
                    .bind(id())
                    .bind(&station_id)
                    .bind(&cid)
                    .bind(p)
                    .bind(&created)
                    .bind(&created)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            let vid = id();
            sqlx::query("INSERT INTO vehicles (id, station_id, customer_id, vin, plate, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(&vid)
                .bind(&station_id)
                .bind(&cid)
                .bind(format!("LBN{:014}", i))
                .bind(format!("沪B{:05}", i % 100_000))
                .bind(&created)
                .bind(&created)
                .execute(&mut *tx)
                .await
                .unwrap();
            people.push((cid, name, vid, phone));
        }
        tx.commit().await.unwrap();
    }
    let consent: Vec<bool> = {
        let rows: Vec<(String, bool)> = sqlx::query_as("SELECT id, consent_follow_up FROM customers").fetch_all(pool).await.unwrap();
        let map: HashMap<String, bool> = rows.into_iter().collect();
        people.iter().map(|p| map[&p.0]).collect()
    };

    // Delivered orders, each with its follow-up: a few thousand still to call
    // (delivered in the last six days), the rest ended over two years.
    let open = (follow_ups / 160).max(50); // 3,125 at full scale
    let mut deliveries: Vec<DateTime<Utc>> =
        (0..follow_ups).map(|i| if i < open { now - minutes(&mut rng, 30, 6 * 24 * 60) } else { now - minutes(&mut rng, 6 * 24 * 60, two_years) }).collect();
    deliveries.sort();
    let mut ro_seq: HashMap<String, u32> = HashMap::new();
    let mut ros: Vec<Ro> = Vec::with_capacity(follow_ups);
    // Newest are the open ones.
    let open_from = follow_ups - open;
    for chunk in (0..follow_ups).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = pool.begin().await.unwrap();
        for &i in chunk {
            let delivered = deliveries[i];
            let checked_in = delivered - minutes(&mut rng, 120, 3 * 24 * 60);
            let customer = rng.random_range(0..customers);
            let (cid, _, vid, _) = &people[customer];
            let advisor = &advisors[rng.random_range(0..advisors.len())];
            let day = local_day(checked_in);
            let seq = ro_seq.entry(day.clone()).and_modify(|s| *s += 1).or_insert(1);
            let ro_id = id();
            let is_open = i >= open_from && consent[customer];
            let ended_at = delivered + minutes(&mut rng, 60, 4 * 24 * 60);
            sqlx::query(
                "INSERT INTO repair_orders (id, station_id, number, archive_no, service_type, status, priority, customer_id, vehicle_id, advisor_id,
                                            checked_in_at, odometer_in_km, fuel_eighths, version, created_at, updated_at, delivered_at)
                 VALUES (?, ?, ?, ?, 'maintenance', ?, 'normal', ?, ?, ?, ?, ?, 4, 9, ?, ?, ?)",
            )
            .bind(&ro_id)
            .bind(&station_id)
            .bind(format!("BN01-M-{day}-{seq:04}"))
            .bind(format!("BN01-{:06}-M-{day}-01", customer + 1))
            .bind(if is_open { "delivered" } else { "closed" })
            .bind(cid)
            .bind(vid)
            .bind(advisor)
            .bind(t(checked_in))
            .bind(rng.random_range(1000..200_000i64))
            .bind(t(checked_in))
            .bind(t(if is_open { delivered } else { ended_at.max(delivered) }))
            .bind(t(delivered))
            .execute(&mut *tx)
            .await
            .unwrap();
            let fid = id();
            let give_up = delivered + Duration::days(15);
            // status, attempts, next_call_at, ended_at, events (outcome, at)
            let mut events: Vec<CallEvent> = Vec::new();
            let (status, next, ended): (&str, DateTime<Utc>, Option<DateTime<Utc>>) = if !consent[customer] {
                ("no_consent", delivered, Some(delivered))
            } else if is_open {
                if rng.random_bool(0.6) {
                    ("due", delivered, None)
                } else {
                    let first = between(&mut rng, delivered, now);
                    if rng.random_bool(0.25) {
                        let back = now + minutes(&mut rng, 24 * 60, 3 * 24 * 60);
                        events.push(("attempt", Some("call_back"), Some(back), first));
                        ("retry", back, None)
                    } else {
                        events.push(("attempt", Some("no_answer"), None, first));
                        ("retry", first + Duration::hours(2), None)
                    }
                }
            } else {
                let roll: f64 = rng.random();
                if roll < 0.85 {
                    if rng.random_bool(0.3) {
                        events.push(("attempt", Some("no_answer"), None, ended_at - Duration::hours(3)));
                    }
                    events.push(("attempt", Some("reached"), None, ended_at));
                    ("reached", ended_at, Some(ended_at))
                } else if roll < 0.93 && give_up < now {
                    for k in 0..3 {
                        events.push(("attempt", Some("no_answer"), None, delivered + Duration::days(k * 3 + 1)));
                    }
                    events.push(("gave_up", None, None, give_up));
                    ("unreachable", delivered + Duration::days(7) + Duration::hours(2), Some(give_up))
                } else if roll < 0.95 {
                    events.push(("attempt", Some("wrong_number"), None, ended_at));
                    ("unreachable", ended_at, Some(ended_at))
                } else {
                    events.push(("attempt", Some("declined"), None, ended_at));
                    ("declined", ended_at, Some(ended_at))
                }
            };
            let attempts = events.iter().filter(|e| e.0 == "attempt").count() as i64;
            let updated = ended.or(events.last().map(|e| e.3)).unwrap_or(delivered);
            sqlx::query(
                "INSERT INTO follow_ups (id, station_id, ro_id, customer_id, owner_id, status, attempts, next_call_at, give_up_at, delivered_at, ended_at,
                                         version, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&fid)
            .bind(&station_id)
            .bind(&ro_id)
            .bind(cid)
            .bind(advisor)
            .bind(status)
            .bind(attempts)
            .bind(t(next))
            .bind(t(give_up))
            .bind(t(delivered))
            .bind(ended.map(t))
            .bind(1 + events.len() as i64)
            .bind(t(delivered))
            .bind(t(updated))
            .execute(&mut *tx)
            .await
            .unwrap();
            for (kind, outcome, call_back, at) in &events {
                sqlx::query(
                    "INSERT INTO follow_up_events (id, station_id, follow_up_id, kind, outcome, call_back_at, note, staff_id, at, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id())
                .bind(&station_id)
                .bind(&fid)
                .bind(kind)
                .bind(outcome)
                .bind(call_back.map(t))
                .bind(if *kind == "gave_up" { "not reached by the give-up day" } else { "" })
                .bind(advisor)
                .bind(t(*at))
                .bind(t(*at))
                .bind(t(*at))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            if status == "reached" {
                let overall = [5, 5, 5, 5, 4, 4, 4, 3, 2, 1][rng.random_range(0..10)];
                let s = |rng: &mut StdRng| (overall + rng.random_range(-1..=1)).clamp(1, 5);
                sqlx::query(
                    "INSERT INTO surveys (id, station_id, follow_up_id, ro_id, customer_id, overall, quality, timeliness, attitude, price, comment, staff_id, at,
                                          created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id())
                .bind(&station_id)
                .bind(&fid)
                .bind(&ro_id)
                .bind(cid)
                .bind(overall)
                .bind(s(&mut rng))
                .bind(s(&mut rng))
                .bind(s(&mut rng))
                .bind(s(&mut rng))
                .bind(if overall <= 3 { "等待时间有点长" } else { "" })
                .bind(advisor)
                .bind(t(ended_at))
                .bind(t(ended_at))
                .bind(t(ended_at))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            if status != "no_consent" {
                let clock = Clock {
                    item_kind: "follow_up",
                    item_id: &fid,
                    clock: "follow_up",
                    policy_kind: "follow_up",
                    budget_minutes: 4320,
                    owner_id: advisor,
                    started_at: delivered,
                    counts_from: delivered,
                    stopped_at: ended,
                    paused: false,
                    not_started: false,
                    updated_at: updated,
                };
                insert_clock(&mut tx, &station_id, &clock).await;
            }
            ros.push(Ro { id: ro_id, customer, follow_up_id: fid });
        }
        tx.commit().await.unwrap();
    }
    let mut tx = pool.begin().await.unwrap();
    for (day, seq) in &ro_seq {
        let iso = format!("{}-{}-{}", &day[0..4], &day[4..6], &day[6..8]);
        sqlx::query("INSERT INTO ro_sequences (station_id, day, last_seq) VALUES (?, ?, ?)")
            .bind(&station_id)
            .bind(iso)
            .bind(*seq)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    // Complaints: most closed over two years; a thousand resolved awaiting the
    // callback; a few thousand being handled, mostly from the last three days.
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Closed,
        Resolved,
        Open,
        InProgress,
        WaitingCustomer,
        WaitingParts,
        Escalated,
    }
    let resolved = complaints / 100;
    let handling = complaints * 35 / 1000;
    let mut specs: Vec<(DateTime<Utc>, S)> = (0..complaints)
        .map(|i| {
            if i < handling {
                let received = if rng.random_bool(0.8) { now - minutes(&mut rng, 5, 3 * 24 * 60) } else { now - minutes(&mut rng, 3 * 24 * 60, 20 * 24 * 60) };
                let s = match rng.random_range(0..100) {
                    0..25 => S::Open,
                    25..75 => S::InProgress,
                    75..84 => S::WaitingCustomer,
                    84..92 => S::WaitingParts,
                    _ => S::Escalated,
                };
                (received, s)
            } else if i < handling + resolved {
                (now - minutes(&mut rng, 24 * 60, 30 * 24 * 60), S::Resolved)
            } else {
                (now - minutes(&mut rng, 10 * 24 * 60, two_years), S::Closed)
            }
        })
        .collect();
    specs.sort_by_key(|s| s.0);
    let mut day_seq: HashMap<String, i64> = HashMap::new();
    let mut by_customer: HashMap<usize, (String, DateTime<Utc>)> = HashMap::new();
    for chunk in specs.chunks(BATCH / 5) {
        let mut tx = pool.begin().await.unwrap();
        for &(received, status) in chunk {
            let cid_ = id();
            let day = local_day(received);
            let seq = *day_seq.entry(day.clone()).and_modify(|s| *s += 1).or_insert(1);
            let number = format!("BN01-TS-{day}-{seq:03}");
            let urgent = rng.random_bool(0.08);
            let category = LEAVES[rng.random_range(0..LEAVES.len())];
            let channel = CHANNELS[rng.random_range(0..CHANNELS.len())];
            let receiver = if rng.random_bool(0.1) { manager.clone() } else { advisors[rng.random_range(0..advisors.len())].clone() };
            let handed = rng.random_bool(0.05);
            let mut owner = if handed { advisors[rng.random_range(0..advisors.len())].clone() } else { receiver.clone() };
            if status == S::Escalated {
                owner = manager.clone();
            }
            // Linked to a delivered order (and its follow-up, when the call raised it), or just a customer, or only a name.
            let roll: f64 = rng.random();
            let (customer, ro, fu) = if roll < 0.6 {
                let r = &ros[rng.random_range(0..ros.len())];
                (Some(r.customer), Some(r.id.clone()), rng.random_bool(0.1).then(|| r.follow_up_id.clone()))
            } else if roll < 0.9 {
                (Some(rng.random_range(0..customers)), None, None)
            } else {
                (None, None, None)
            };
            let (customer_id, vehicle_id, contact_name, contact_phone) = match customer {
                Some(c) => {
                    let p = &people[c];
                    (Some(p.0.clone()), Some(p.2.clone()), p.1.clone(), p.3.clone().unwrap_or_default())
                }
                None => (None, None, "路人甲".to_string(), "13800000000".to_string()),
            };
            let repeat_of = customer.and_then(|c| by_customer.get(&c)).filter(|(_, at)| received - *at <= Duration::days(90)).map(|(id, _)| id.clone());
            if let Some(c) = customer {
                by_customer.insert(c, (cid_.clone(), received));
            }
            let first_budget = if urgent { 30 } else { 1440 };
            let answer_within = Duration::minutes(if urgent { 25 } else { 20 * 60 });
            let responded = (status != S::Open).then(|| between(&mut rng, received, (received + answer_within).min(now - Duration::minutes(2))));
            let resolved_at = match status {
                S::Closed | S::Resolved => {
                    let r = responded.unwrap() + minutes(&mut rng, 60, 4 * 24 * 60);
                    Some(if status == S::Resolved { r.min(now - Duration::hours(1)) } else { r })
                }
                _ => None,
            };
            let closed_at = (status == S::Closed).then(|| resolved_at.unwrap() + minutes(&mut rng, 60, 2 * 24 * 60));
            let wait_at = matches!(status, S::WaitingCustomer | S::WaitingParts).then(|| between(&mut rng, responded.unwrap(), now));
            let (cause, action, solution) = if resolved_at.is_some() || status == S::Escalated {
                ("未及时告知客户维修进度", "接待流程中加入进度短信", "致歉并赠送保养券")
            } else {
                ("", "", "")
            };
            let status_str = match status {
                S::Closed => "closed",
                S::Resolved => "resolved",
                S::Open => "open",
                S::InProgress => "in_progress",
                S::WaitingCustomer => "waiting_customer",
                S::WaitingParts => "waiting_parts",
                S::Escalated => "escalated",
            };
            // The timeline, in order: (kind, text, data, staff, at).
            let mut events: Vec<(&str, String, Value, String, DateTime<Utc>)> = Vec::new();
            let description = "车辆保养后发动机异响，客户要求说明原因并重新检查。".to_string();
            events.push(("received", description.clone(), json!({"channel": channel, "repeat_of_id": repeat_of}), receiver.clone(), received));
            if handed {
                events.push((
                    "handed_over",
                    "交给负责该车的顾问".into(),
                    json!({"from_staff_id": receiver, "to_staff_id": owner}),
                    receiver.clone(),
                    received + Duration::minutes(2),
                ));
            }
            if let Some(r) = responded {
                events.push(("contact_call", "已致电客户，约定回店检查".into(), json!({}), owner.clone(), r));
            }
            if let Some(w) = wait_at {
                let waiting_for = if status == S::WaitingCustomer { "waiting_customer" } else { "waiting_parts" };
                events.push(("waiting", "".into(), json!({"waiting_for": waiting_for}), owner.clone(), w));
            }
            let mut compensation = None;
            if let Some(r) = resolved_at {
                events.push((
                    "findings",
                    format!("{cause} / {action} / {solution}"),
                    json!({"cause": cause, "corrective_action": action, "solution": solution}),
                    owner.clone(),
                    r - Duration::minutes(30),
                ));
                if rng.random_bool(0.04) {
                    let cpid = id();
                    events.push((
                        "compensation",
                        "保养券".into(),
                        json!({"compensation_id": cpid, "kind": "voucher", "value_minor": 20000, "days": null}),
                        owner.clone(),
                        r - Duration::minutes(20),
                    ));
                    compensation = Some((cpid, r - Duration::minutes(20)));
                }
                events.push(("contact_call", "告知处理结果".into(), json!({"told_result": true}), owner.clone(), r));
                events.push(("resolved", "".into(), json!({"answer": "accepted"}), owner.clone(), r));
            }
            if status == S::Escalated {
                let e = between(&mut rng, responded.unwrap(), now);
                events.push(("contact_call", "告知处理方案".into(), json!({"told_result": true}), receiver.clone(), e));
                events.push(("escalated", "".into(), json!({"answer": "not_accepted", "to_staff_id": manager}), receiver.clone(), e));
            }
            if let Some(c) = closed_at {
                events.push(("callback", "客户表示满意".into(), json!({}), owner.clone(), c));
            }
            let updated = events.last().unwrap().4;
            sqlx::query(
                "INSERT INTO complaints (id, station_id, number, channel, severity, category_id, status, description, customer_id, vehicle_id, ro_id,
                                         follow_up_id, contact_name, contact_phone, received_by, owner_id, received_at, repeat_of_id, cause,
                                         corrective_action, solution, customer_answer, first_response_at, resolved_at, closed_at, version,
                                         created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&cid_)
            .bind(&station_id)
            .bind(&number)
            .bind(channel)
            .bind(if urgent { "urgent" } else { "normal" })
            .bind(category)
            .bind(status_str)
            .bind(&description)
            .bind(&customer_id)
            .bind(&vehicle_id)
            .bind(&ro)
            .bind(&fu)
            .bind(&contact_name)
            .bind(&contact_phone)
            .bind(&receiver)
            .bind(&owner)
            .bind(t(received))
            .bind(&repeat_of)
            .bind(cause)
            .bind(action)
            .bind(solution)
            .bind(match status {
                S::Closed | S::Resolved => Some("accepted"),
                S::Escalated => Some("not_accepted"),
                _ => None,
            })
            .bind(responded.map(t))
            .bind(resolved_at.map(t))
            .bind(closed_at.map(t))
            .bind(events.len() as i64)
            .bind(t(received))
            .bind(t(updated))
            .execute(&mut *tx)
            .await
            .unwrap();
            for (seq, (kind, text, data, staff, at)) in events.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO complaint_events (id, station_id, complaint_id, seq, kind, text, data, staff_id, at, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id())
                .bind(&station_id)
                .bind(&cid_)
                .bind(seq as i64 + 1)
                .bind(kind)
                .bind(text)
                .bind(data.to_string())
                .bind(staff)
                .bind(t(*at))
                .bind(t(*at))
                .bind(t(*at))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            if let Some((cpid, at)) = compensation {
                sqlx::query(
                    "INSERT INTO complaint_compensations (id, station_id, complaint_id, kind, description, value_minor, days, approved_by, staff_id, at,
                                                          created_at, updated_at)
                     VALUES (?, ?, ?, 'voucher', '保养券', 20000, NULL, NULL, ?, ?, ?, ?)",
                )
                .bind(&cpid)
                .bind(&station_id)
                .bind(&cid_)
                .bind(&owner)
                .bind(t(at))
                .bind(t(at))
                .bind(t(at))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            let base = Clock {
                item_kind: "complaint",
                item_id: &cid_,
                clock: "first_response",
                policy_kind: if urgent { "urgent_first_response" } else { "complaint_first_response" },
                budget_minutes: first_budget,
                owner_id: &owner,
                started_at: received,
                counts_from: received,
                stopped_at: responded,
                paused: false,
                not_started: false,
                updated_at: updated,
            };
            insert_clock(&mut tx, &station_id, &base).await;
            let resolution = Clock {
                clock: "resolution",
                policy_kind: "complaint_resolution",
                budget_minutes: 4320,
                stopped_at: resolved_at,
                paused: wait_at.is_some(),
                ..base
            };
            insert_clock(&mut tx, &station_id, &resolution).await;
            let callback = Clock {
                clock: "callback",
                policy_kind: "complaint_callback",
                budget_minutes: 2880,
                counts_from: resolved_at.unwrap_or(received),
                stopped_at: closed_at,
                paused: false,
                not_started: resolved_at.is_none(),
                ..base
            };
            insert_clock(&mut tx, &station_id, &callback).await;
        }
        tx.commit().await.unwrap();
    }
    let mut tx = pool.begin().await.unwrap();
    for (day, seq) in &day_seq {
        sqlx::query("INSERT INTO complaint_sequences (day, last_seq) VALUES (?, ?)").bind(day).bind(seq).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}
