//! Demo data for a fresh station: a demo station, staff with known PINs (listed
//! in the README), a few hundred customers and vehicles, and open orders. It is
//! written through the real operations, so it is searchable and in the outbox
//! like anything a user types.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Duration;
use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};
use ts_rs::TS;

use crate::auth::roles::StaffRef;
use crate::auth::{pin, setup, staff, Caller, Role};
use crate::check_in::{check_in, CheckInInput, ConcernInput, DamageMarkInput};
use crate::customers::{create_customer, CustomerFields};
use crate::domain::{Energy, ServiceType, Vin};
use crate::error::{ApiError, Result};
use crate::ops::NoInput;
use crate::repair_orders::{DamageKind, Priority};
use crate::station::Station;
use crate::store::db;
use crate::vehicles::{create_vehicle, NewVehicle, VehicleFields};

pub const DEMO_STATION_CODE: &str = "SH01";
pub const DEMO_STAFF: [(&str, Role, &str); 5] = [
    ("王经理", Role::Manager, "1111"),
    ("李顾问", Role::Advisor, "2222"),
    ("陈顾问", Role::Advisor, "2323"),
    ("张技师", Role::Technician, "3333"),
    ("赵质检", Role::QcInspector, "4444"),
];
const CUSTOMERS: usize = 300;

#[derive(Debug, Clone, Serialize, TS)]
pub struct DemoLoaded {
    pub customers: u32,
    pub vehicles: u32,
    pub orders: u32,
    pub logins: Vec<DemoLogin>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DemoLogin {
    pub name: String,
    pub role: Role,
    pub pin: String,
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
const GIVEN: &[&str] = &[
    "芳", "伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建华", "志强", "晓燕", "海燕", "国庆",
];
const FOREIGN: &[&str] = &["John Smith", "Maria Garcia", "Anna Müller", "David Brown", "Sofia Rossi"];
/// (WMI, make, models) of makers common at Chinese service stations.
const MAKES: &[(&str, &str, &[&str])] = &[
    ("LSV", "上汽大众", &["朗逸", "帕萨特", "途观L"]),
    ("LFV", "一汽-大众", &["速腾", "迈腾", "宝来"]),
    ("LSG", "上汽通用", &["别克英朗", "凯迪拉克CT5"]),
    ("LVG", "广汽丰田", &["凯美瑞", "汉兰达"]),
    ("LGB", "东风日产", &["轩逸", "天籁"]),
    ("LGX", "比亚迪", &["秦PLUS", "汉EV", "宋PLUS"]),
    ("LRW", "特斯拉（上海）", &["Model 3", "Model Y"]),
];
const PROVINCES: &[&str] = &["沪A", "沪B", "沪D", "苏E", "浙A"];
const CONCERNS: &[&str] =
    &["常规保养，更换机油机滤", "刹车时有异响", "空调不制冷", "发动机故障灯亮", "左前轮胎漏气", "仪表台异响", "Annual service and brake check"];
const YEAR_CODES: &[(char, i32)] = &[('J', 2018), ('K', 2019), ('L', 2020), ('M', 2021), ('N', 2022), ('P', 2023), ('R', 2024), ('S', 2025)];
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// A VIN with a correct check digit, so demo vehicles save without warnings.
fn demo_vin(rng: &mut StdRng, wmi: &str, year_code: char) -> Result<String> {
    let mut chars: Vec<char> = wmi.chars().collect();
    for _ in 0..5 {
        chars.push(VIN_CHARS[rng.random_range(0..VIN_CHARS.len())] as char);
    }
    chars.push('0');
    chars.push(year_code);
    chars.push('A');
    for _ in 0..6 {
        chars.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    let draft: String = chars.iter().collect();
    let vin = Vin::parse(&draft).map_err(|e| ApiError::internal(e.message))?;
    chars[8] = vin.expected_check_digit();
    Ok(chars.into_iter().collect())
}

pub async fn load_demo_data(station: &Station, _caller: &Caller, _input: NoInput) -> Result<DemoLoaded> {
    if station.info().await?.is_some() {
        return Err(ApiError::conflict("station.already_set_up", "demo data can only be loaded into a fresh station"));
    }
    let (manager_name, _, manager_pin) = DEMO_STAFF[0];
    let hash = pin::hash(manager_pin)?;
    // The desk's own offset, so order-number dates match the times the UI shows.
    let offset = chrono::Local::now().offset().local_minus_utc() / 60;
    setup::create_station(station, DEMO_STATION_CODE, "演示服务站（上海浦东）", offset, manager_name, &hash).await?;
    let info = station.require_info().await?;
    let mut advisors = Vec::new();
    {
        let mut tx = db::write_tx(station.pool()).await?;
        for (name, role, pin_code) in &DEMO_STAFF[1..] {
            let s = staff::insert_staff(&mut tx, &info.id, name, *role, &pin::hash(pin_code)?, station.now()).await?;
            if *role == Role::Advisor {
                advisors.push(Caller {
                    staff: Some(StaffRef { id: s.id, name: s.name, role: s.role, station_id: info.id.clone() }),
                    token_hash: None,
                    seat: Default::default(),
                });
            }
        }
        tx.commit().await?;
    }

    let mut rng = StdRng::seed_from_u64(20261122);
    let mut vehicles = Vec::new();
    let mut energies = std::collections::HashMap::new();
    for i in 0..CUSTOMERS {
        let advisor = &advisors[i % advisors.len()];
        let foreign = i % 37 == 5;
        let name = if foreign {
            FOREIGN[rng.random_range(0..FOREIGN.len())].to_string()
        } else {
            format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())])
        };
        let phone = format!("1{}{:09}", [3, 5, 8, 9][rng.random_range(0..4)], rng.random_range(0..1_000_000_000u64));
        let customer = create_customer(
            station,
            advisor,
            CustomerFields {
                name,
                phones: vec![phone],
                email: String::new(),
                company: if i % 11 == 0 { "上海浦东出租汽车公司".into() } else { String::new() },
                language: if foreign { "en".into() } else { "zh-CN".into() },
                consent_marketing: i % 3 == 0,
                consent_data: true,
                consent_follow_up: i % 17 != 5,
                notes: String::new(),
                // Random names and phones may look alike; the demo keeps them all.
                confirm: Some(vec![crate::duplicates::DUPLICATE_PHONE.into(), crate::duplicates::SIMILAR_NAME.into()]),
            },
        )
        .await?;
        let cars = if i % 9 == 0 { 2 } else { 1 };
        for _ in 0..cars {
            let (wmi, make, models) = MAKES[rng.random_range(0..MAKES.len())];
            let (year_code, year) = YEAR_CODES[rng.random_range(0..YEAR_CODES.len())];
            // Drawn in the order the demo always drew them, so its data stays the same.
            let province = PROVINCES[rng.random_range(0..PROVINCES.len())];
            let number = rng.random_range(0..100_000u32);
            let vin = demo_vin(&mut rng, wmi, year_code)?;
            let model = models[rng.random_range(0..models.len())];
            let color = ["白", "黑", "银", "蓝", "红"][rng.random_range(0..5)];
            // New-energy cars carry green plates: D for electric, F for plug-in hybrids (GA 36-2018).
            let green = match wmi {
                "LRW" => "D",
                "LGX" if model.contains("EV") => "D",
                "LGX" => "F",
                _ => "",
            };
            let vehicle = create_vehicle(
                station,
                advisor,
                NewVehicle {
                    customer_id: customer.id.clone(),
                    fields: VehicleFields {
                        vin,
                        plate: format!("{province}{green}{number:05}"),
                        make: make.into(),
                        model: model.into(),
                        model_year: Some(year),
                        color: color.into(),
                        energy: None,
                    },
                    confirm: vec![],
                },
            )
            .await;
            // A rare random plate can repeat; the demo simply skips that car.
            if let Ok(v) = vehicle {
                energies.insert(v.id.clone(), v.energy);
                vehicles.push((customer.id.clone(), v.id));
            }
        }
    }

    // Orders checked in over the last few hours, some already past their promised time.
    let mut orders = 0;
    let mut order_ids = Vec::new();
    let types =
        [ServiceType::Maintenance, ServiceType::Repair, ServiceType::Warranty, ServiceType::Accident, ServiceType::Inspection, ServiceType::Maintenance];
    for n in 0..14usize {
        let (customer_id, vehicle_id) = vehicles[(n * 17) % vehicles.len()].clone();
        let energy = energies.get(&vehicle_id).copied().flatten().unwrap_or(Energy::Fuel);
        let checked_in = station.now() - Duration::minutes(30 + 25 * n as i64);
        let promised = checked_in + Duration::hours(if n % 4 == 0 { 1 } else { 6 });
        let past = station.with_clock(Arc::new(move || checked_in));
        let order = CheckInInput {
            customer_id,
            vehicle_id,
            service_type: types[n % types.len()],
            odometer_km: rng.random_range(5_000..150_000),
            fuel_eighths: energy.has_fuel().then(|| rng.random_range(1..=8)),
            battery_percent: energy.has_battery().then(|| rng.random_range(10..=95)),
            energy: Some(energy),
            damage_marks: if n % 3 == 0 { vec![DamageMarkInput { x: 180, y: 250, kind: DamageKind::Scratch, note: "左前门划痕".into() }] } else { vec![] },
            photos: vec![],
            personal_items: if n % 5 == 0 { "行车记录仪、雨伞".into() } else { String::new() },
            concerns: vec![ConcernInput { text: CONCERNS[n % CONCERNS.len()].into(), fault_codes: if n % 4 == 3 { vec!["P0300".into()] } else { vec![] } }],
            promised_at: Some(crate::station::ts(promised)),
            priority: [Priority::Normal, Priority::Normal, Priority::High, Priority::Urgent][n % 4],
            confirm: vec![],
            manager_pin: None,
        };
        order_ids.push(check_in(&past, &advisors[n % advisors.len()], order).await?.id);
        orders += 1;
    }

    let tokens = demo_callers(station).await?;
    master_data(station, &tokens).await?;
    let mut moved = 0;
    for (n, id) in order_ids.iter().enumerate() {
        let target = TARGETS[n % TARGETS.len()];
        drive(station, &tokens, id, target, n).await?;
        moved += u32::from(target != "checked_in");
    }
    tracing::info!(orders, moved, "demo orders spread over the workflow");
    complaints(station, &tokens, &vehicles).await?;

    Ok(DemoLoaded {
        customers: CUSTOMERS as u32,
        vehicles: vehicles.len() as u32,
        orders,
        logins: DEMO_STAFF.iter().map(|(n, r, p)| DemoLogin { name: n.to_string(), role: *r, pin: p.to_string() }).collect(),
    })
}

/// Where each demo order is left, so the board shows every column of the flow.
const TARGETS: [&str; 14] = [
    "checked_in",
    "diagnosing",
    "estimate_ready",
    "approved",
    "in_repair",
    "waiting_parts",
    "quality_check",
    "ready_for_pickup",
    "checked_in",
    "in_repair",
    "diagnosing",
    "delivered",
    "closed",
    "checked_in",
];

const LABOR: &[(&str, &str, i64, i64)] = &[
    ("M-OIL", "更换机油机滤", 500, 18_000),
    ("M-10K", "10,000 km 常规保养", 1_200, 18_000),
    ("B-PADS-F", "更换前刹车片", 1_000, 20_000),
    ("B-DISC-F", "更换前刹车盘", 1_500, 20_000),
    ("AC-GAS", "空调系统抽真空加注冷媒", 800, 20_000),
    ("E-DIAG", "发动机故障诊断", 1_000, 22_000),
    ("T-ROT", "四轮换位及动平衡", 700, 15_000),
    ("W-ALIGN", "四轮定位", 1_000, 18_000),
];

/// (part no., name, bin, price in fen, stock in thousandths, reorder point)
const PARTS: &[(&str, &str, &str, i64, i64, i64)] = &[
    ("06L115562B", "机油滤清器", "A-01-01", 6_800, 40_000, 10_000),
    ("G052195M4", "全合成机油 5W-30 4L", "A-01-03", 42_000, 24_000, 8_000),
    ("5Q0698151B", "前刹车片（套）", "B-02-01", 58_000, 6_000, 4_000),
    ("5Q0615301F", "前刹车盘", "B-02-04", 76_000, 2_000, 2_000),
    ("1K0819653B", "空调滤芯", "A-03-02", 12_800, 15_000, 5_000),
    ("101905601F", "火花塞", "A-04-01", 9_500, 3_000, 8_000),
    ("R134A-500", "R134a 冷媒 500 g", "C-01-01", 15_000, 10_000, 4_000),
    ("3C0853651", "前格栅（缺货）", "D-05-02", 128_000, 0, 1_000),
];

type Callers = HashMap<&'static str, Caller>;

/// The first demo staff member of each role, as a caller of the operations.
async fn demo_callers(station: &Station) -> Result<Callers> {
    let info = station.require_info().await?;
    let mut callers = Callers::new();
    for s in staff::list_active_staff(station).await? {
        let caller =
            Caller { staff: Some(StaffRef { id: s.id, name: s.name, role: s.role, station_id: info.id.clone() }), token_hash: None, seat: Default::default() };
        callers.entry(s.role.as_str()).or_insert(caller);
    }
    Ok(callers)
}

/// Runs one workflow operation with JSON in and out, as `dispatch` would. Demo data cannot go
/// through `dispatch` itself: `load_demo_data` is dispatched from there, and the future would contain itself.
async fn run(station: &Station, op: &str, caller: Option<&Caller>, input: Value) -> Result<Value> {
    let caller = caller.ok_or_else(|| ApiError::internal("demo staff missing"))?;
    operation(station, op, caller, input)?.await
}

type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<Value>> + Send + 'a>>;

/// Operation `op`'s future, boxed and built in a function of its own, as in
/// `Station::dispatch`: awaited inline in one `match`, every operation's
/// future would get its own slot in the stack frame of `run` (and of `drive`,
/// which awaits `run` many times) in a debug build.
fn operation<'a>(station: &'a Station, op: &str, caller: &'a Caller, input: Value) -> Result<StepFuture<'a>> {
    fn input_of<T: serde::de::DeserializeOwned>(v: Value) -> Result<T> {
        serde_json::from_value(v).map_err(|e| ApiError::internal(format!("demo input: {e}")))
    }
    fn out<T: Serialize>(v: T) -> Result<Value> {
        serde_json::to_value(v).map_err(|e| ApiError::internal(e.to_string()))
    }
    macro_rules! boxed {
        ($handler:path) => {{
            fn run<'a>(station: &'a Station, caller: &'a Caller, input: Value) -> StepFuture<'a> {
                Box::pin(async move { out($handler(station, caller, input_of(input)?).await?) })
            }
            run(station, caller, input)
        }};
    }
    Ok(match op {
        "get_order_detail" => boxed!(crate::workflow::get_order_detail),
        "move_order" => boxed!(crate::workflow::move_order),
        "add_line" => boxed!(crate::workflow::lines::add_line),
        "record_authorization" => boxed!(crate::workflow::authorization::record_authorization),
        "complete_job" => boxed!(crate::workflow::jobs::complete_job),
        "update_job" => boxed!(crate::workflow::jobs::update_job),
        "add_job" => boxed!(crate::workflow::jobs::add_job),
        "issue_part" => boxed!(crate::workflow::inventory::issue_part),
        "start_clock" => boxed!(crate::workflow::time_clock::start_clock),
        "stop_clock" => boxed!(crate::workflow::time_clock::stop_clock),
        "list_qc_items" => boxed!(crate::workflow::quality::list_qc_items),
        "record_qc" => boxed!(crate::workflow::quality::record_qc),
        "deliver" => boxed!(crate::workflow::delivery::deliver),
        "save_labor_operation" => boxed!(crate::workflow::catalog::save_labor_operation),
        "save_part" => boxed!(crate::workflow::inventory::save_part),
        "receive_stock" => boxed!(crate::workflow::inventory::receive_stock),
        "list_parts" => boxed!(crate::workflow::inventory::list_parts),
        "get_follow_up" => boxed!(crate::aftersales::follow_ups::get_follow_up),
        "record_call" => boxed!(crate::aftersales::follow_ups::record_call),
        "open_complaint" => boxed!(crate::aftersales::complaints::open_complaint),
        "complaint_step" => boxed!(crate::aftersales::complaints::complaint_step),
        other => return Err(ApiError::internal(format!("demo data does not use {other}"))),
    })
}

/// Three complaints for the ledger: one received yesterday and still unanswered
/// (overdue), one being handled, one urgent from this morning.
async fn complaints(station: &Station, tokens: &Callers, vehicles: &[(String, String)]) -> Result<()> {
    let cases = [
        (26, "phone", "normal", "svc.attitude.slow", "上周来保养等了四十分钟才有人接待。"),
        (5, "walk_in", "normal", "svc.time.parts", "前格栅等了一个星期还没到货，没人通知我进度。"),
        (0, "phone", "urgent", "qual.repair.repeat", "刚修好的刹车又有异响，明天要出远门。"),
    ];
    for (n, (hours_ago, channel, severity, category, words)) in cases.into_iter().enumerate() {
        let (customer_id, vehicle_id) = vehicles[(n * 31 + 7) % vehicles.len()].clone();
        let at = station.now() - Duration::hours(hours_ago) - Duration::minutes(10);
        let past = station.with_clock(Arc::new(move || at));
        let input = json!({"channel": channel, "severity": severity, "category_id": category, "description": words,
                           "customer_id": customer_id, "vehicle_id": vehicle_id});
        let opened = run(&past, "open_complaint", tokens.get("advisor"), input).await?;
        if hours_ago == 5 {
            let step = json!({"complaint_id": opened["complaint"]["id"], "expected_version": opened["complaint"]["version"],
                              "step": {"kind": "contact", "mode": "call", "text": "已致电客户致歉，配件预计周五到货。"}});
            run(&past, "complaint_step", tokens.get("advisor"), step).await?;
        }
    }
    Ok(())
}

async fn master_data(station: &Station, tokens: &Callers) -> Result<()> {
    let manager = tokens.get("manager");
    for (code, description, hours, rate) in LABOR {
        run(station, "save_labor_operation", manager, json!({"code": code, "description": description, "standard_hours_milli": hours, "rate": rate})).await?;
    }
    for (part_no, name, bin, price, stock, reorder) in PARTS {
        let part =
            run(station, "save_part", manager, json!({"part_no": part_no, "name": name, "bin": bin, "unit_price": price, "reorder_point_milli": reorder}))
                .await?;
        if *stock > 0 {
            run(station, "receive_stock", manager, json!({"part_id": part["id"], "quantity_milli": stock, "note": "期初库存"})).await?;
        }
    }
    Ok(())
}

/// Moves one demo order along the happy path until it reaches `target`, each step by the role whose job it is.
async fn drive(station: &Station, tokens: &Callers, ro_id: &str, target: &str, n: usize) -> Result<()> {
    let token = |role: &str| tokens.get(role);
    let mut page = run(station, "get_order_detail", token("advisor"), json!({"id": ro_id})).await?;
    let parts = run(station, "list_parts", token("advisor"), json!({})).await?;
    let part_id = |no: &str| parts["parts"].as_array().and_then(|ps| ps.iter().find(|p| p["part_no"] == no)).map(|p| p["id"].clone()).unwrap_or(Value::Null);
    for _ in 0..12 {
        let status = page["order"]["status"].as_str().unwrap_or_default().to_string();
        if status == target {
            if target == "diagnosing" && n % 2 == 0 {
                // A concern the customer phoned in later, added at the desk: nobody has it yet, for a technician to take.
                let v = page["order"]["version"].clone();
                run(station, "add_job", token("advisor"), json!({"ro_id": ro_id, "expected_version": v, "concern": "客户来电：顺便检查空调异味"})).await?;
            }
            return Ok(());
        }
        let version = page["order"]["version"].clone();
        let step = |op: &'static str, role: &'static str, mut input: Value| {
            input["ro_id"] = json!(ro_id);
            input["expected_version"] = version.clone();
            async move { run(station, op, token(role), input).await }
        };
        page = match status.as_str() {
            "checked_in" => step("move_order", "technician", json!({"to": "diagnosing", "note": ""})).await?,
            "diagnosing" => {
                let job = page["jobs"][0]["id"].clone();
                let (labor, part) = if target == "waiting_parts" { ("E-DIAG", "3C0853651") } else { (LABOR[n % LABOR.len()].0, PARTS[n % 3].0) };
                run(station, "add_line", token("technician"), json!({"job_id": job, "expected_version": version, "kind": "labor", "labor_op_code": labor}))
                    .await?;
                let v = run(station, "get_order_detail", token("advisor"), json!({"id": ro_id})).await?["order"]["version"].clone();
                run(
                    station,
                    "add_line",
                    token("technician"),
                    json!({"job_id": job, "expected_version": v, "kind": "part", "part_id": part_id(part), "quantity_milli": 1000}),
                )
                .await?;
                let page = run(station, "get_order_detail", token("advisor"), json!({"id": ro_id})).await?;
                let version = page["order"]["version"].clone();
                run(
                    station,
                    "move_order",
                    token("advisor"),
                    json!({"ro_id": ro_id, "expected_version": version, "to": "estimate_ready", "note": "已电话告知客户报价"}),
                )
                .await?
            }
            "estimate_ready" => {
                let jobs: Vec<Value> = page["jobs"].as_array().map(|js| js.iter().map(|j| j["id"].clone()).collect()).unwrap_or_default();
                let amount = page["totals"]["estimate"]["total"].clone();
                let approver = page["order"]["customer"]["name"].clone();
                step("record_authorization", "advisor", json!({"method": "in_person", "approver_name": approver, "approved_job_ids": jobs, "amount": amount}))
                    .await?
            }
            "approved" | "waiting_parts" => match step("move_order", "technician", json!({"to": "in_repair", "note": ""})).await {
                Err(e) if e.code == "transition.parts_short" => {
                    step("move_order", "technician", json!({"to": "waiting_parts", "note": "前格栅缺货，已订货"})).await?
                }
                other => other?,
            },
            "in_repair" => {
                let jobs: Vec<Value> = page["jobs"]
                    .as_array()
                    .map(|js| js.iter().filter(|j| j["approval"] == "approved" && j["done_at"].is_null()).cloned().collect())
                    .unwrap_or_default();
                // Twelve minutes on the clock, ten after check-in: the demo's orders were checked in 25 minutes apart.
                let checked_in = page["order"]["checked_in_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| t.to_utc());
                let start = checked_in.unwrap_or_else(|| station.now() - Duration::minutes(30)) + Duration::minutes(10);
                for job in jobs {
                    let id = job["id"].clone();
                    let at = |t: chrono::DateTime<chrono::Utc>| station.with_clock(Arc::new(move || t));
                    run(&at(start), "start_clock", token("technician"), json!({"job_id": id})).await?;
                    run(&at(start + Duration::minutes(12)), "stop_clock", token("technician"), json!({})).await?;
                    let v = run(station, "get_order_detail", token("advisor"), json!({"id": ro_id})).await?["order"]["version"].clone();
                    let three_c = json!({"job_id": id, "expected_version": v, "concern": job["concern"], "cause": "检查确认故障属实", "correction": "已按标准工艺处理并复检"});
                    let mut detail = run(station, "update_job", token("technician"), three_c).await?;
                    let lines: Vec<Value> =
                        job["lines"].as_array().map(|ls| ls.iter().filter(|l| l["kind"] == "part").map(|l| l["id"].clone()).collect()).unwrap_or_default();
                    for line in lines {
                        detail =
                            run(station, "issue_part", token("technician"), json!({"line_id": line, "expected_version": detail["order"]["version"]})).await?;
                    }
                    run(station, "complete_job", token("technician"), json!({"job_id": id, "expected_version": detail["order"]["version"]})).await?;
                }
                let v = run(station, "get_order_detail", token("advisor"), json!({"id": ro_id})).await?["order"]["version"].clone();
                run(station, "move_order", token("technician"), json!({"ro_id": ro_id, "expected_version": v, "to": "quality_check", "note": ""})).await?
            }
            "quality_check" => {
                let items = run(station, "list_qc_items", token("qc_inspector"), json!({})).await?;
                let results: Vec<Value> = items["items"]
                    .as_array()
                    .map(|is| is.iter().map(|i| json!({"item_id": i["id"], "passed": true, "note": ""})).collect())
                    .unwrap_or_default();
                step("record_qc", "qc_inspector", json!({"passed": true, "items": results, "notes": ""})).await?
            }
            "ready_for_pickup" => {
                let balance = page["totals"]["balance"].clone();
                let odometer = page["order"]["odometer_in_km"].as_i64().unwrap_or(0) + 3;
                step("deliver", "advisor", json!({"odometer_out_km": odometer, "payments": [{"method": "wechat", "amount": balance}]})).await?
            }
            "delivered" => {
                // The follow-up call closes the order; the manager calls, whoever's task it is.
                let id = page["follow_up_id"].clone();
                let task = run(station, "get_follow_up", token("manager"), json!({"id": id})).await?;
                let survey = json!({"overall": 5, "quality": 5, "timeliness": 4, "attitude": 5, "price": 4, "comment": "服务很好"});
                let call =
                    json!({"follow_up_id": id, "expected_version": task["follow_up"]["version"], "outcome": "reached", "survey": survey, "note": "已回访"});
                run(station, "record_call", token("manager"), call).await?;
                run(station, "get_order_detail", token("advisor"), json!({"id": ro_id})).await?
            }
            _ => return Ok(()),
        };
    }
    Err(ApiError::internal(format!("demo order could not reach {target}")))
}
