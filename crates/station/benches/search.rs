//! Search at station scale: generates 500,000 customers and 1,000,000 vehicles
//! (once, cached beside the build), then times searches of every kind a front
//! desk types through `Station::dispatch`, and prints p50/p95 per kind.
//!
//! cargo bench -p station --bench search                      # full scale
//! cargo bench -p station --bench search -- --customers 50000  # quicker

use std::path::PathBuf;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use station::Station;

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐"];
const GIVEN: &[&str] = &[
    "芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建华", "志强", "晓燕", "海燕", "国庆",
    "桂英", "玉兰", "子涵", "浩然", "梓轩", "欣怡",
];
const PROVINCES: &[&str] = &["沪", "苏", "浙", "京", "粤", "川", "鲁"];
const ALNUM: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pick<'a>(rng: &mut StdRng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char).collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let customers = arg("--customers", 500_000);
    let vehicles = arg("--vehicles", customers * 2);
    let rounds = arg("--rounds", 300);
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("target"));
    let dir = target.join(format!("bench-search-{customers}-{vehicles}"));
    let fresh = !dir.join("station.sqlite").exists();
    let station = Station::open(&dir).await.expect("open bench station");
    let token = if fresh {
        let session = station
            .dispatch(
                "first_run_setup",
                None,
                json!({"station_code": "BN01", "station_name": "bench", "manager_name": "bench", "manager_pin": "1111", "utc_offset_minutes": 480}),
            )
            .await
            .expect("setup");
        let started = Instant::now();
        generate(&station, customers, vehicles).await;
        println!("generated {customers} customers and {vehicles} vehicles in {:.0} s", started.elapsed().as_secs_f64());
        session["token"].as_str().unwrap().to_string()
    } else {
        let status = station.dispatch("setup_status", None, json!({})).await.unwrap();
        let session = station.dispatch("login", None, json!({"staff_id": status["staff"][0]["id"], "pin": "1111"})).await.unwrap();
        session["token"].as_str().unwrap().to_string()
    };

    // Real values to search for, sampled from the data.
    let pool = station.pool();
    let samples: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT v.plate, v.vin, c.name, p.phone FROM vehicles v JOIN customers c ON c.id = v.customer_id
         JOIN customer_phones p ON p.customer_id = c.id ORDER BY random() LIMIT ?",
    )
    .bind(rounds as i64)
    .fetch_all(pool)
    .await
    .unwrap();

    type Maker = fn(&(String, String, String, String)) -> String;
    let kinds: &[(&str, Maker)] = &[
        ("exact plate", |s| s.0.clone()),
        ("exact VIN", |s| s.1.clone()),
        ("plate fragment (4 chars)", |s| s.0.chars().skip(2).take(4).collect()),
        ("VIN fragment (last 6)", |s| s.1.chars().skip(11).collect()),
        ("phone, last 4 digits", |s| s.3.chars().skip(7).collect()),
        ("full phone", |s| s.3.clone()),
        ("one-character name (王)", |s| s.2.chars().take(1).collect()),
        ("two-character name", |s| s.2.chars().take(2).collect()),
        ("full name", |s| s.2.clone()),
    ];
    println!("\n{} customers, {} vehicles, {} searches per kind, through Station::dispatch(\"search\")\n", customers, vehicles, samples.len());
    println!("| query kind | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|");
    let mut all = Vec::new();
    for (label, make) in kinds {
        let mut times = Vec::new();
        for s in &samples {
            let q = make(s);
            let started = Instant::now();
            let hits = station.dispatch("search", Some(&token), json!({"q": q})).await.expect("search");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert!(!hits["hits"].as_array().unwrap().is_empty(), "{label} {q:?} found nothing");
        }
        times.sort_by(f64::total_cmp);
        println!("| {label} | {:.2} | {:.2} | {:.2} |", percentile(&times, 0.5), percentile(&times, 0.95), times[times.len() - 1]);
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!("| **all** | **{:.2}** | **{:.2}** | {:.2} |", percentile(&all, 0.5), percentile(&all, 0.95), all[all.len() - 1]);
}

/// Bulk rows through the same indexing functions the operations use, in large transactions.
async fn generate(station: &Station, customers: usize, vehicles: usize) {
    let mut rng = StdRng::seed_from_u64(7);
    let station_id: String = sqlx::query_scalar("SELECT id FROM station").fetch_one(station.pool()).await.unwrap();
    let now = "2026-11-22T08:00:00.000Z";
    let mut ids = Vec::with_capacity(customers);
    const BATCH: usize = 20_000;
    for chunk in (0..customers).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = station.pool().begin().await.unwrap();
        for &i in chunk {
            let id = uuid::Uuid::now_v7().to_string();
            let name = format!("{}{}", pick(&mut rng, SURNAMES), pick(&mut rng, GIVEN));
            let phone = format!("1{}{:09}", rng.random_range(3..10), rng.random_range(0..1_000_000_000u64));
            sqlx::query("INSERT INTO customers (id, station_id, customer_no, name, language, created_at, updated_at) VALUES (?, ?, ?, ?, 'zh-CN', ?, ?)")
                .bind(&id)
                .bind(&station_id)
                .bind(format!("BN01-{:06}", i + 1))
                .bind(&name)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("INSERT INTO customer_phones (id, station_id, customer_id, position, phone, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&station_id)
                .bind(&id)
                .bind(&phone)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await
                .unwrap();
            station::search::index_customer(&mut tx, &id).await.unwrap();
            ids.push(id);
        }
        tx.commit().await.unwrap();
    }
    for chunk in (0..vehicles).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = station.pool().begin().await.unwrap();
        for &i in chunk {
            let id = uuid::Uuid::now_v7().to_string();
            let owner = &ids[i % ids.len()];
            let plate = format!("{}{}{}", pick(&mut rng, PROVINCES), (b'A' + rng.random_range(0..6u8)) as char, alnum(&mut rng, 5));
            let vin = format!("L{}", alnum(&mut rng, 16));
            let inserted =
                sqlx::query("INSERT OR IGNORE INTO vehicles (id, station_id, customer_id, vin, plate, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .bind(&id)
                    .bind(&station_id)
                    .bind(owner)
                    .bind(&vin)
                    .bind(&plate)
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            if inserted.rows_affected() == 1 {
                station::search::index_vehicle(&mut tx, &id).await.unwrap();
            }
        }
        tx.commit().await.unwrap();
    }
}
