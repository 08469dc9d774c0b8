//! Demo data for a fresh station: a demo station, staff with known PINs (listed
//! in the README), a few hundred customers and vehicles, and open orders. It is
//! written through the real operations, so it is searchable and in the outbox
//! like anything a user types.

use std::sync::Arc;

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use ts_rs::TS;

use crate::auth::roles::StaffRef;
use crate::auth::{pin, setup, staff, Caller, Role};
use crate::check_in::{check_in, CheckInInput, ConcernInput, DamageMarkInput};
use crate::customers::{create_customer, CustomerFields};
use crate::domain::{ServiceType, Vin};
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
                advisors.push(Caller { staff: Some(StaffRef { id: s.id, name: s.name, role: s.role, station_id: info.id.clone() }), token_hash: None });
            }
        }
        tx.commit().await?;
    }

    let mut rng = StdRng::seed_from_u64(20261122);
    let mut vehicles = Vec::new();
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
                notes: String::new(),
            },
        )
        .await?;
        let cars = if i % 9 == 0 { 2 } else { 1 };
        for _ in 0..cars {
            let (wmi, make, models) = MAKES[rng.random_range(0..MAKES.len())];
            let (year_code, year) = YEAR_CODES[rng.random_range(0..YEAR_CODES.len())];
            let plate = format!("{}{:05}", PROVINCES[rng.random_range(0..PROVINCES.len())], rng.random_range(0..100_000u32));
            let vehicle = create_vehicle(
                station,
                advisor,
                NewVehicle {
                    customer_id: customer.id.clone(),
                    fields: VehicleFields {
                        vin: demo_vin(&mut rng, wmi, year_code)?,
                        plate,
                        make: make.into(),
                        model: models[rng.random_range(0..models.len())].into(),
                        model_year: Some(year),
                        color: ["白", "黑", "银", "蓝", "红"][rng.random_range(0..5)].into(),
                    },
                    confirm: vec![],
                },
            )
            .await;
            // A rare random plate can repeat; the demo simply skips that car.
            if let Ok(v) = vehicle {
                vehicles.push((customer.id.clone(), v.id));
            }
        }
    }

    // Orders checked in over the last few hours, some already past their promised time.
    let mut orders = 0;
    let types =
        [ServiceType::Maintenance, ServiceType::Repair, ServiceType::Warranty, ServiceType::Accident, ServiceType::Inspection, ServiceType::Maintenance];
    for n in 0..14usize {
        let (customer_id, vehicle_id) = vehicles[(n * 17) % vehicles.len()].clone();
        let checked_in = station.now() - Duration::minutes(30 + 25 * n as i64);
        let promised = checked_in + Duration::hours(if n % 4 == 0 { 1 } else { 6 });
        let past = station.with_clock(Arc::new(move || checked_in));
        let order = CheckInInput {
            customer_id,
            vehicle_id,
            service_type: types[n % types.len()],
            odometer_km: rng.random_range(5_000..150_000),
            fuel_eighths: rng.random_range(1..=8),
            damage_marks: if n % 3 == 0 { vec![DamageMarkInput { x: 180, y: 250, kind: DamageKind::Scratch, note: "左前门划痕".into() }] } else { vec![] },
            photos: vec![],
            personal_items: if n % 5 == 0 { "行车记录仪、雨伞".into() } else { String::new() },
            concerns: vec![ConcernInput { text: CONCERNS[n % CONCERNS.len()].into(), fault_codes: if n % 4 == 3 { vec!["P0300".into()] } else { vec![] } }],
            promised_at: Some(crate::station::ts(promised)),
            priority: [Priority::Normal, Priority::Normal, Priority::High, Priority::Urgent][n % 4],
            confirm: vec![],
            manager_pin: None,
        };
        check_in(&past, &advisors[n % advisors.len()], order).await?;
        orders += 1;
    }

    Ok(DemoLoaded {
        customers: CUSTOMERS as u32,
        vehicles: vehicles.len() as u32,
        orders,
        logins: DEMO_STAFF.iter().map(|(n, r, p)| DemoLogin { name: n.to_string(), role: *r, pin: p.to_string() }).collect(),
    })
}
