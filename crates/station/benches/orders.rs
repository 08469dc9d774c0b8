//! Orders at station scale, for issue 13's figures: generates a station with
//! 100,000 repair orders (once, from a seed, cached beside the build), then
//! times through `Station::dispatch` what the desk does all day: the board, the
//! order page, a check-in, and order changes with their outbox rows. Prints
//! p50/p95/max per kind and the machine's load while it ran.
//!
//! cargo bench -p station --bench orders                          # 100,000 orders
//! cargo bench -p station --bench orders -- --orders 10000        # quicker
//! cargo bench -p station --bench orders -- --generate-only       # only the data, for tests/desktop/figures.mjs
//! RUST_LOG=sqlx=debug cargo bench -p station --bench orders -- --rounds 3   # each statement with its time
//!
//! The station is the demo station (its staff and PINs, master data and 14 open
//! orders, written by `load_demo_data` through the real operations), more open
//! orders checked in through `dispatch`, and four years of history (delivered,
//! closed and cancelled orders with concerns, jobs, lines, status events,
//! authorizations, payments and one outbox row each) written in bulk with
//! bound values, shaped like what the operations write. Customers and vehicles
//! are indexed by the same functions the operations use, so search finds them.
//! Timings run on a fresh copy of the generated files, so every run starts
//! from the same data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use station::Station;

/// History ends here (so the same seed gives the same history on any day).
const HISTORY_END: &str = "2026-12-01T00:00:00.000Z";
const HISTORY_DAYS: i64 = 4 * 365;
const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐"];
const GIVEN: &[&str] = &[
    "芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建华", "志强", "晓燕", "海燕", "国庆",
];
const PROVINCES: &[&str] = &["沪", "苏", "浙", "京", "粤"];
const ALNUM: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
const MAKES: &[(&str, &str)] =
    &[("大众", "帕萨特"), ("丰田", "凯美瑞"), ("本田", "雅阁"), ("别克", "君越"), ("日产", "轩逸"), ("比亚迪", "秦PLUS"), ("宝马", "3系")];
const CONCERNS: &[&str] = &["定期保养", "发动机异响", "空调不制冷", "刹车有异响", "更换轮胎", "仪表故障灯亮", "底盘异响", "电瓶亏电"];
/// (type column, the number's letter).
const TYPES: &[(&str, char)] = &[("maintenance", 'M'), ("maintenance", 'M'), ("repair", 'R'), ("warranty", 'W'), ("accident", 'A'), ("inspection", 'I')];
const FLOW: &[&str] = &["checked_in", "diagnosing", "estimate_ready", "approved", "in_repair", "quality_check", "ready_for_pickup", "delivered", "closed"];

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn t(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn minutes(rng: &mut StdRng, lo: i64, hi: i64) -> Duration {
    Duration::minutes(rng.random_range(lo..hi))
}

fn pick<'a>(rng: &mut StdRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

/// Ids as the station makes them (UUIDv7), but drawn from the seed so a
/// generation is the same every time; the time part follows the record's time.
fn id_at(rng: &mut StdRng, at: DateTime<Utc>) -> String {
    let ms = at.timestamp_millis().max(0) as u64;
    let random: u128 = rng.random();
    let bits = (u128::from(ms) << 80) | (0x7u128 << 76) | (random & ((1u128 << 76) - 1));
    let bits = (bits & !(0b11u128 << 62)) | (0b10u128 << 62);
    uuid::Uuid::from_u128(bits).to_string()
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_else(|_| "n/a".into())
}

/// The generated station's files (the database and what sits beside it), for a run to change.
fn copy_station(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for file in std::fs::read_dir(from).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()) {
        std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
    }
}

#[tokio::main]
async fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    }
    let orders = arg("--orders", 100_000);
    let open = arg("--open", 120);
    let seed = arg("--seed", 13) as u64;
    let rounds = arg("--rounds", 300);
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("target"));
    let dir = target.join(format!("bench-orders-{orders}-{open}-seed{seed}"));
    if !dir.join("station.sqlite").exists() {
        // Generated beside and renamed when complete, so an interrupted run leaves nothing half made.
        let partial = target.join(format!("bench-orders-{orders}-{open}-seed{seed}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        let started = Instant::now();
        let station = Station::open_with(&partial, std::sync::Arc::new(Utc::now), station::sync::WorkerOptions { enabled: false, ..Default::default() })
            .await
            .expect("open bench station");
        generate(&station, orders, open, seed).await;
        station.pool().close().await;
        drop(station);
        std::fs::rename(&partial, &dir).unwrap();
        println!("generated {orders} orders ({open} open) with seed {seed} in {:.0} s", started.elapsed().as_secs_f64());
    }
    if flag("--generate-only") {
        println!("{}", dir.display());
        return;
    }

    let run_dir = target.join(format!("bench-orders-{orders}-{open}-seed{seed}.run"));
    let _ = std::fs::remove_dir_all(&run_dir);
    copy_station(&dir, &run_dir);
    let station = Station::open_with(&run_dir, std::sync::Arc::new(Utc::now), station::sync::WorkerOptions { enabled: false, ..Default::default() })
        .await
        .expect("open the copy");
    let pool = station.pool();
    let status = station.dispatch("setup_status", None, json!({})).await.unwrap();
    let login = |name: &str, pin: &str| {
        let staff_id = status["staff"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["id"].clone();
        let station = station.clone();
        let pin = pin.to_string();
        async move { station.dispatch("login", None, json!({"staff_id": staff_id, "pin": pin})).await.unwrap()["token"].as_str().unwrap().to_string() }
    };
    let advisor = login("李顾问", "2222").await;
    let manager = login("王经理", "1111").await;
    let advisor_id: String = sqlx::query_scalar("SELECT id FROM staff WHERE name = '李顾问'").fetch_one(pool).await.unwrap();

    let mut rng = StdRng::seed_from_u64(seed ^ 0xbe_4c);
    let open_ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM repair_orders WHERE status NOT IN ('delivered', 'closed', 'cancelled')").fetch_all(pool).await.unwrap();
    let closed_ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM repair_orders WHERE status = 'closed' ORDER BY random() LIMIT ?").bind(rounds as i64).fetch_all(pool).await.unwrap();
    // Returning vehicles with no open order, for the check-ins.
    let returning: Vec<(String, String)> = sqlx::query_as(
        "SELECT v.customer_id, v.id FROM vehicles v WHERE NOT EXISTS (SELECT 1 FROM repair_orders r WHERE r.vehicle_id = v.id AND r.status NOT IN ('delivered', 'closed', 'cancelled'))
         ORDER BY random() LIMIT ?",
    )
    .bind(rounds as i64)
    .fetch_all(pool)
    .await
    .unwrap();
    let counts: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM repair_orders), (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM ro_lines), (SELECT COUNT(*) FROM outbox)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    println!(
        "\n{} orders ({} open), {} customers, {} lines, {} outbox rows; {rounds} calls per kind through Station::dispatch; load average {}\n",
        counts.0,
        open_ids.len(),
        counts.1,
        counts.2,
        counts.3,
        load()
    );
    println!("| operation | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|");
    let report = |label: &str, mut times: Vec<f64>| {
        times.sort_by(f64::total_cmp);
        println!("| {label} | {:.2} | {:.2} | {:.2} |", percentile(&times, 0.5), percentile(&times, 0.95), times[times.len() - 1]);
    };
    let timed = |op: &'static str, token: String, input: Value| {
        let station = station.clone();
        async move {
            let started = Instant::now();
            let out = station.dispatch(op, Some(&token), input).await.unwrap_or_else(|e| panic!("{op}: {e:?}"));
            (started.elapsed().as_secs_f64() * 1000.0, out)
        }
    };

    // Reads first, on the generated data.
    let mut times = Vec::new();
    let mut cards = 0;
    for _ in 0..rounds {
        let (ms, out) = timed("board", advisor.clone(), json!({})).await;
        cards = out["cards"].as_array().unwrap().len();
        times.push(ms);
    }
    report(&format!("board, everyone ({cards} cards)"), times);
    let mut times = Vec::new();
    for _ in 0..rounds {
        times.push(timed("board", advisor.clone(), json!({"advisor_id": advisor_id})).await.0);
    }
    report("board, one advisor", times);
    let mut times = Vec::new();
    for i in 0..rounds {
        times.push(timed("get_order_detail", advisor.clone(), json!({"id": open_ids[i % open_ids.len()]})).await.0);
    }
    report("order page, open order", times);
    let mut times = Vec::new();
    for i in 0..rounds {
        times.push(timed("get_order_detail", advisor.clone(), json!({"id": closed_ids[i % closed_ids.len()]})).await.0);
    }
    report("order page, closed order", times);
    // The order page's other reads, made as it opens (ui/src/lib/order.svelte.ts).
    let alongside: [(&str, &'static str, fn(&str) -> Value); 4] = [
        ("order page's audit trail (get_order_audit)", "get_order_audit", |id| json!({"id": id})),
        ("order page's documents (list_order_documents)", "list_order_documents", |id| json!({"ro_id": id})),
        ("order page's parts (list_parts)", "list_parts", |_| json!({"q": "", "low_only": false})),
        ("order page's labour operations (list_labor_operations)", "list_labor_operations", |_| json!({})),
    ];
    for (label, op, input) in alongside {
        let mut times = Vec::new();
        for i in 0..rounds {
            times.push(timed(op, advisor.clone(), input(&open_ids[i % open_ids.len()])).await.0);
        }
        report(label, times);
    }

    // Writes: each commits its rows and its outbox rows in one transaction.
    let outbox_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(pool).await.unwrap();
    let mut times = Vec::new();
    let mut new_orders = Vec::new();
    for (customer_id, vehicle_id) in &returning {
        let input = json!({
            "customer_id": customer_id, "vehicle_id": vehicle_id, "service_type": "maintenance",
            "odometer_km": 400_000, "fuel_eighths": rng.random_range(1..=8), "energy": "fuel",
            "concerns": [{"text": pick(&mut rng, CONCERNS)}], "priority": "normal",
            "promised_at": t(Utc::now() + Duration::hours(4)),
        });
        let (ms, out) = timed("check_in", advisor.clone(), input).await;
        times.push(ms);
        new_orders.push((out["id"].as_str().unwrap().to_string(), out["version"].as_i64().unwrap()));
    }
    report("check_in (order, concern, job, event, outbox)", times);
    let mut times = Vec::new();
    let mut details = Vec::new();
    for (ro_id, version) in &new_orders {
        let (ms, out) = timed("move_order", manager.clone(), json!({"ro_id": ro_id, "expected_version": version, "to": "diagnosing"})).await;
        times.push(ms);
        details.push(out);
    }
    report("move_order checked_in → diagnosing", times);
    let mut times = Vec::new();
    for d in &details {
        let job = &d["jobs"][0];
        let input = json!({"job_id": job["id"], "expected_version": d["order"]["version"], "concern": job["concern"],
                           "cause": "机油滤清器堵塞", "correction": "更换机油及机滤"});
        times.push(timed("update_job", manager.clone(), input).await.0);
    }
    report("update_job (the 3 Cs)", times);
    let outbox_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(pool).await.unwrap();
    println!("\n{} outbox rows written by the {} writes; load average {}", outbox_after - outbox_before, rounds * 3, load());
    assert!(outbox_after - outbox_before >= (rounds * 3) as i64, "every write appends to the outbox");
    station.pool().close().await;
    let _ = std::fs::remove_dir_all(&run_dir);
}

/// The demo station, `open` open orders, and history up to `orders` in all.
async fn generate(station: &Station, orders: usize, open: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    station.dispatch("load_demo_data", None, json!({})).await.expect("demo data");
    let pool = station.pool();
    let staff: Vec<(String, String, String)> = sqlx::query_as("SELECT id, name, role FROM staff ORDER BY name").fetch_all(pool).await.unwrap();
    let of_role = |role: &str| staff.iter().filter(|s| s.2 == role).map(|s| s.0.clone()).collect::<Vec<_>>();
    let (advisors, technicians) = (of_role("advisor"), of_role("technician"));
    let station_id: String = sqlx::query_scalar("SELECT id FROM station").fetch_one(pool).await.unwrap();
    let code: String = sqlx::query_scalar("SELECT code FROM station").fetch_one(pool).await.unwrap();
    let labor: Vec<(String, String, i64, i64)> =
        sqlx::query_as("SELECT code, description, standard_hours_milli, rate_minor FROM labor_operations").fetch_all(pool).await.unwrap();
    let parts: Vec<(String, String, i64)> = sqlx::query_as("SELECT id, name, unit_price_minor FROM parts").fetch_all(pool).await.unwrap();
    let demo_orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repair_orders").fetch_one(pool).await.unwrap();
    let end = DateTime::parse_from_rfc3339(HISTORY_END).unwrap().with_timezone(&Utc);
    let start = end - Duration::days(HISTORY_DAYS);
    const BATCH: usize = 10_000;
    let phase = Instant::now();

    // Customers (one phone each), a vehicle each and a second for one in ten.
    let customers = (orders / 3).max(100);
    let mut vehicles: Vec<(String, String, String)> = Vec::new(); // customer id, customer no, vehicle id
    for chunk in (0..customers).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = pool.begin().await.unwrap();
        for &i in chunk {
            let created = start + minutes(&mut rng, 0, 24 * 60 * HISTORY_DAYS / 2);
            let cid = id_at(&mut rng, created);
            let name = format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN));
            let no = format!("{code}-H{:06}", i + 1);
            sqlx::query("INSERT INTO customers (id, station_id, customer_no, name, language, consent_data, created_at, updated_at) VALUES (?, ?, ?, ?, 'zh-CN', 1, ?, ?)")
                .bind(&cid)
                .bind(&station_id)
                .bind(&no)
                .bind(&name)
                .bind(t(created))
                .bind(t(created))
                .execute(&mut *tx)
                .await
                .unwrap();
            let phone = format!("1{}{:09}", rng.random_range(3..10), rng.random_range(0..1_000_000_000u64));
            sqlx::query("INSERT INTO customer_phones (id, station_id, customer_id, position, phone, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)")
                .bind(id_at(&mut rng, created))
                .bind(&station_id)
                .bind(&cid)
                .bind(phone)
                .bind(t(created))
                .bind(t(created))
                .execute(&mut *tx)
                .await
                .unwrap();
            station::search::index_customer(&mut *tx, &cid).await.unwrap();
            for _ in 0..if rng.random_bool(0.1) { 2 } else { 1 } {
                let vid = id_at(&mut rng, created);
                let plate = format!("{}{}{}", pick(&mut rng, PROVINCES), ALNUM[rng.random_range(0..23)] as char, {
                    let s: String = (0..5).map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char).collect();
                    s
                });
                let vin: String = format!("LH{}", (0..15).map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char).collect::<String>());
                let (make, model) = MAKES[rng.random_range(0..MAKES.len())];
                sqlx::query(
                    "INSERT INTO vehicles (id, station_id, customer_id, vin, plate, make, model, model_year, energy, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'fuel', ?, ?)",
                )
                .bind(&vid)
                .bind(&station_id)
                .bind(&cid)
                .bind(vin)
                .bind(&plate)
                .bind(make)
                .bind(model)
                .bind(rng.random_range(2012..2026i64))
                .bind(t(created))
                .bind(t(created))
                .execute(&mut *tx)
                .await
                .unwrap();
                sqlx::query("INSERT INTO vehicle_plates (id, station_id, vehicle_id, plate, valid_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .bind(id_at(&mut rng, created))
                    .bind(&station_id)
                    .bind(&vid)
                    .bind(&plate)
                    .bind(t(created))
                    .bind(t(created))
                    .bind(t(created))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                station::search::index_vehicle(&mut *tx, &vid).await.unwrap();
                vehicles.push((cid.clone(), no.clone(), vid));
            }
        }
        tx.commit().await.unwrap();
    }

    eprintln!("customers and vehicles: {:.1} s", phase.elapsed().as_secs_f64());
    // More open orders, checked in through the operation as the desk would.
    let status = station.dispatch("setup_status", None, json!({})).await.unwrap();
    let advisor_staff = status["staff"].as_array().unwrap().iter().find(|s| s["name"] == "李顾问").unwrap()["id"].clone();
    let session = station.dispatch("login", None, json!({"staff_id": advisor_staff, "pin": "2222"})).await.unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let manager_staff = status["staff"].as_array().unwrap().iter().find(|s| s["name"] == "王经理").unwrap()["id"].clone();
    let manager = station.dispatch("login", None, json!({"staff_id": manager_staff, "pin": "1111"})).await.unwrap()["token"].as_str().unwrap().to_string();
    let extra_open = open.saturating_sub(demo_orders as usize);
    for n in 0..extra_open {
        let (customer_id, _, vehicle_id) = &vehicles[vehicles.len() - 1 - n];
        let ty = TYPES[rng.random_range(0..TYPES.len())].0;
        let promised = Utc::now() + Duration::minutes(rng.random_range(30..8 * 60));
        let order = station
            .dispatch(
                "check_in",
                Some(&token),
                json!({"customer_id": customer_id, "vehicle_id": vehicle_id, "service_type": ty, "odometer_km": rng.random_range(5_000..150_000),
                       "fuel_eighths": rng.random_range(1..=8), "energy": "fuel", "concerns": [{"text": pick(&mut rng, CONCERNS)}],
                       "priority": "normal", "promised_at": t(promised)}),
            )
            .await
            .expect("check in an open order");
        if n % 2 == 1 {
            station
                .dispatch("move_order", Some(&manager), json!({"ro_id": order["id"], "expected_version": order["version"], "to": "diagnosing"}))
                .await
                .expect("move an open order");
        }
    }

    eprintln!("open orders: {:.1} s", phase.elapsed().as_secs_f64());
    // History: delivered (the last weeks), closed and cancelled orders, oldest first.
    let history = orders.saturating_sub(open.max(demo_orders as usize));
    let mut times: Vec<DateTime<Utc>> = (0..history).map(|_| start + minutes(&mut rng, 0, 24 * 60 * HISTORY_DAYS)).collect();
    times.sort();
    let mut day_seq: HashMap<String, u32> = HashMap::new();
    let mut archive_seq: HashMap<(usize, String), u32> = HashMap::new();
    let recent = end - Duration::days(21);
    let mut hlc_counter = 0u64;
    for chunk in times.chunks(BATCH) {
        let mut tx = pool.begin().await.unwrap();
        for &checked_in in chunk {
            let v = rng.random_range(0..vehicles.len() - extra_open);
            let (customer_id, customer_no, vehicle_id) = &vehicles[v];
            let (service_type, letter) = TYPES[rng.random_range(0..TYPES.len())];
            let day = checked_in.format("%Y%m%d").to_string();
            let seq = *day_seq.entry(day.clone()).and_modify(|s| *s += 1).or_insert(1);
            let nth = *archive_seq.entry((v, day.clone())).and_modify(|s| *s += 1).or_insert(1);
            let advisor = &advisors[rng.random_range(0..advisors.len())];
            let technician = &technicians[rng.random_range(0..technicians.len())];
            let cancelled = rng.random_bool(0.02);
            let delivered = checked_in + minutes(&mut rng, 120, 3 * 24 * 60);
            let status = if cancelled {
                "cancelled"
            } else if delivered > recent {
                "delivered"
            } else {
                "closed"
            };
            let flow: Vec<&str> =
                if cancelled { vec!["checked_in", "diagnosing", "cancelled"] } else { FLOW[..if status == "closed" { 9 } else { 8 }].to_vec() };
            let step = (delivered - checked_in) / (flow.len() as i32);
            let updated = checked_in + step * (flow.len() as i32 - 1);
            let odometer = rng.random_range(5_000..250_000i64);
            let ro_id = id_at(&mut rng, checked_in);
            let version = flow.len() as i64 + 4;
            sqlx::query(
                "INSERT INTO repair_orders (id, station_id, number, archive_no, service_type, status, priority, customer_id, vehicle_id, advisor_id,
                                            checked_in_at, odometer_in_km, fuel_eighths, promised_at, version, created_at, updated_at,
                                            odometer_out_km, delivered_at, cancel_reason)
                 VALUES (?, ?, ?, ?, ?, ?, 'normal', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&ro_id)
            .bind(&station_id)
            .bind(format!("{code}-{letter}-{day}-{seq:04}"))
            .bind(format!("{customer_no}-{letter}-{day}-{nth:02}"))
            .bind(service_type)
            .bind(status)
            .bind(customer_id)
            .bind(vehicle_id)
            .bind(advisor)
            .bind(t(checked_in))
            .bind(odometer)
            .bind(rng.random_range(1..=8i64))
            .bind(t(delivered - Duration::hours(1)))
            .bind(version)
            .bind(t(checked_in))
            .bind(t(updated))
            .bind((!cancelled).then_some(odometer + 3))
            .bind((!cancelled).then(|| t(delivered)))
            .bind(cancelled.then_some("客户改期"))
            .execute(&mut *tx)
            .await
            .unwrap();
            for (seq, pair) in flow.iter().enumerate() {
                let at = checked_in + step * seq as i32;
                sqlx::query(
                    "INSERT INTO ro_status_events (id, station_id, ro_id, seq, from_status, to_status, staff_id, note, at, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)",
                )
                .bind(id_at(&mut rng, at))
                .bind(&station_id)
                .bind(&ro_id)
                .bind(seq as i64 + 1)
                .bind(if seq == 0 { None } else { Some(flow[seq - 1]) })
                .bind(*pair)
                .bind(advisor)
                .bind(t(at))
                .bind(t(at))
                .bind(t(at))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            let approved_at = checked_in + step * 3;
            let auth_id = (!cancelled).then(|| id_at(&mut rng, approved_at));
            let mut total = 0i64;
            let mut lines = Vec::new();
            let jobs = rng.random_range(1..=3usize);
            let mut jobs_rows = Vec::new();
            for position in 0..jobs {
                let concern = pick(&mut rng, CONCERNS);
                let concern_id = id_at(&mut rng, checked_in);
                sqlx::query("INSERT INTO ro_concerns (id, station_id, ro_id, position, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .bind(&concern_id)
                    .bind(&station_id)
                    .bind(&ro_id)
                    .bind(position as i64)
                    .bind(concern)
                    .bind(t(checked_in))
                    .bind(t(checked_in))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                let job_id = id_at(&mut rng, checked_in);
                let done = (!cancelled).then(|| t(checked_in + step * 5));
                jobs_rows.push((job_id.clone(), position, concern_id.clone(), concern, done));
                for _ in 0..rng.random_range(1..=3usize) {
                    let roll = rng.random_range(0..10);
                    let (kind, code, part, description, qty, price) = if roll < 4 && !labor.is_empty() {
                        let l = &labor[rng.random_range(0..labor.len())];
                        ("labor", Some(l.0.clone()), None, l.1.clone(), l.2, l.3)
                    } else if roll < 9 && !parts.is_empty() {
                        let p = &parts[rng.random_range(0..parts.len())];
                        ("part", None, Some(p.0.clone()), p.1.clone(), 1000 * rng.random_range(1..5i64), p.2)
                    } else {
                        ("sublet", None, None, "四轮定位".to_string(), 1000, 12_000)
                    };
                    let amount = qty * price / 1000;
                    total += amount;
                    lines.push((job_id.clone(), kind, code, part, description, qty, price, amount));
                }
            }
            if let Some(auth_id) = &auth_id {
                let with_tax = total + total * 13 / 100;
                sqlx::query(
                    "INSERT INTO ro_authorizations (id, station_id, ro_id, method, approver_name, approved_at, amount_minor, recorded_by, created_at, updated_at)
                     VALUES (?, ?, ?, 'in_person', '车主', ?, ?, ?, ?, ?)",
                )
                .bind(auth_id)
                .bind(&station_id)
                .bind(&ro_id)
                .bind(t(approved_at))
                .bind(with_tax)
                .bind(advisor)
                .bind(t(approved_at))
                .bind(t(approved_at))
                .execute(&mut *tx)
                .await
                .unwrap();
                if with_tax > 0 {
                    sqlx::query(
                        "INSERT INTO ro_payments (id, station_id, ro_id, method, amount_minor, received_by, at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(id_at(&mut rng, delivered))
                    .bind(&station_id)
                    .bind(&ro_id)
                    .bind(["wechat", "alipay", "card", "cash"][rng.random_range(0..4)])
                    .bind(with_tax)
                    .bind(advisor)
                    .bind(t(delivered))
                    .bind(t(delivered))
                    .bind(t(delivered))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                }
            }
            // Jobs after the authorization they name, so no foreign key waits (a deferred one made
            // every later insert search ro_jobs, whose authorization_id has no index: quadratic).
            for (job_id, position, concern_id, concern, done) in jobs_rows {
                sqlx::query(
                    "INSERT INTO ro_jobs (id, station_id, ro_id, position, concern_id, concern, cause, correction, technician_id, approval, authorization_id,
                                          decided_by_name, decided_recorded_by, decided_at, done_at, done_by, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&job_id)
                .bind(&station_id)
                .bind(&ro_id)
                .bind(position as i64)
                .bind(concern_id)
                .bind(concern)
                .bind(if cancelled { "" } else { "检查确认" })
                .bind(if cancelled { "" } else { "按标准作业完成" })
                .bind(technician)
                .bind(if cancelled { "pending" } else { "approved" })
                .bind(&auth_id)
                .bind((!cancelled).then_some("车主"))
                .bind((!cancelled).then_some(advisor))
                .bind((!cancelled).then(|| t(approved_at)))
                .bind(&done)
                .bind(done.as_ref().map(|_| technician))
                .bind(t(checked_in))
                .bind(t(updated))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            for (job_id, kind, code, part, description, qty, price, amount) in lines {
                sqlx::query(
                    "INSERT INTO ro_lines (id, station_id, ro_id, job_id, kind, labor_op_code, part_id, description, quantity_milli, unit_price_minor,
                                           amount_minor, issued_milli, created_by, created_at, updated_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id_at(&mut rng, checked_in))
                .bind(&station_id)
                .bind(&ro_id)
                .bind(job_id)
                .bind(kind)
                .bind(code)
                .bind(&part)
                .bind(description)
                .bind(qty)
                .bind(price)
                .bind(amount)
                .bind(if kind == "part" && !cancelled { qty } else { 0 })
                .bind(advisor)
                .bind(t(checked_in))
                .bind(t(checked_in))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            sqlx::query(
                "INSERT INTO odometer_readings (id, station_id, vehicle_id, ro_id, km, recorded_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id_at(&mut rng, checked_in))
            .bind(&station_id)
            .bind(vehicle_id)
            .bind(&ro_id)
            .bind(odometer)
            .bind(t(checked_in))
            .bind(t(checked_in))
            .bind(t(checked_in))
            .execute(&mut *tx)
            .await
            .unwrap();
            // The order's last state as the outbox carries it (one row per order; the operations write one per change).
            let payload = json!({"id": ro_id, "status": status, "version": version, "updated_at": t(updated)}).to_string();
            sqlx::query(
                "INSERT INTO outbox (id, station_id, entity, entity_id, op, payload, created_at, hlc) VALUES (?, ?, 'repair_order', ?, 'upsert', ?, ?, ?)",
            )
            .bind(id_at(&mut rng, updated))
            .bind(&station_id)
            .bind(&ro_id)
            .bind(payload)
            .bind(t(updated))
            .bind({
                hlc_counter += 1;
                format!("{:015}-{hlc_counter:010}-{station_id}", updated.timestamp_millis())
            })
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        eprintln!("history batch: {:.1} s", phase.elapsed().as_secs_f64());
    }
    let mut tx = pool.begin().await.unwrap();
    for (day, seq) in &day_seq {
        let iso = format!("{}-{}-{}", &day[0..4], &day[4..6], &day[6..8]);
        sqlx::query("INSERT INTO ro_sequences (station_id, day, last_seq) VALUES (?, ?, ?)")
            .bind(&station_id)
            .bind(iso)
            .bind(*seq)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    // Each vehicle's last reading, as check-in keeps it.
    sqlx::query(
        "UPDATE vehicles SET last_odometer_km = (SELECT MAX(km) FROM odometer_readings o WHERE o.vehicle_id = vehicles.id) WHERE last_odometer_km IS NULL",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    eprintln!("sequences and odometers: {:.1} s", phase.elapsed().as_secs_f64());
    sqlx::query("PRAGMA optimize").execute(pool).await.unwrap();
}
