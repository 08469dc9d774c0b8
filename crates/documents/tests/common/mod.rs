//! Sample documents shared by the tests, the benchmark and the sample renderer.
#![allow(dead_code)]

use documents::*;

pub const HASH: &str = "3f9a1c0b7e5d42a8b6c19e07d4f2a6b8c0e1d3f5a7b9c2e4f6a8b0c1d2e3f4a5";
pub const ORDER: &str = "RO-SH021-20261123-0042";

/// A transparent PNG of a handwritten-looking stroke, like the signature pad makes.
pub fn signature_png() -> Vec<u8> {
    let (w, h) = (360u32, 120u32);
    let mut img = image::RgbaImage::new(w, h);
    let mut plot = |x: f32, y: f32| {
        for dx in -2i32..=2 {
            for dy in -2i32..=2 {
                if dx * dx + dy * dy <= 5 {
                    let (px, py) = (x as i32 + dx, y as i32 + dy);
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        img.put_pixel(px as u32, py as u32, image::Rgba([20, 30, 70, 255]));
                    }
                }
            }
        }
    };
    for i in 0..2000 {
        let t = i as f32 / 2000.0;
        let x = 20.0 + t * 320.0;
        let y = 60.0 + (t * 19.0).sin() * 30.0 * (1.0 - t * 0.5) + (t * 5.0).cos() * 8.0;
        plot(x, y);
    }
    for i in 0..400 {
        let t = i as f32 / 400.0;
        plot(60.0 + t * 250.0, 100.0 - t * 6.0);
    }
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).expect("encode png");
    out
}

fn line(kind: LineKind, code: Option<&str>, description: &str, quantity_milli: i64, unit: Option<&str>, unit_price: i64) -> WorkLine {
    WorkLine {
        kind,
        code: code.map(str::to_string),
        description: description.to_string(),
        quantity_milli,
        unit: unit.map(str::to_string),
        unit_price,
        amount: quantity_milli * unit_price / 1000,
    }
}

/// The sample's records in Chinese or English; a zh-TW document prints the same records
/// (what the station typed) under Traditional labels.
fn zh(language: Language, zh: &str, en: &str) -> String {
    if language.is_chinese() { zh } else { en }.to_string()
}

/// Jobs with ten lines in all.
pub fn ten_line_jobs(language: Language) -> Vec<Job> {
    let t = |a: &str, b: &str| zh(language, a, b);
    vec![
        Job {
            title: t("常规保养（10,000 公里）", "Scheduled service (10,000 km)"),
            decision: Decision::Approved,
            lines: vec![
                line(LineKind::Labor, Some("LB-0101"), &t("更换机油及机油滤清器", "Replace engine oil and oil filter"), 1000, Some("h"), 18000),
                line(LineKind::Part, Some("PN 15400-RTA-003"), &t("机油滤清器", "Oil filter"), 1000, Some(&t("件", "pc")), 6800),
                line(LineKind::Part, Some("PN 08232-P99-4LHE"), &t("全合成机油 0W-20", "Full synthetic oil 0W-20"), 4000, Some("L"), 9500),
                line(LineKind::Part, None, &t("空气滤清器滤芯", "Air filter element"), 1000, Some(&t("件", "pc")), 12000),
            ],
        },
        Job {
            title: t("前制动异响检修", "Front brake noise"),
            decision: Decision::Approved,
            lines: vec![
                line(
                    LineKind::Labor,
                    Some("LB-0420"),
                    &t(
                        "拆检前制动器，更换前刹车片，清洁并润滑导向销，路试确认异响消除",
                        "Inspect front brakes, replace front pads, clean and lubricate the caliper slide pins, road test to confirm the noise is gone",
                    ),
                    1500,
                    Some("h"),
                    18000,
                ),
                line(LineKind::Part, Some("PN 45022-T2A-A01"), &t("前刹车片（一套）", "Front brake pad set"), 1000, Some(&t("套", "set")), 42000),
                line(LineKind::Part, None, &t("刹车油 DOT4", "Brake fluid DOT4"), 1000, Some("L"), 8800),
            ],
        },
        Job {
            title: t("空调滤清器（建议项目）", "Cabin air filter (recommended)"),
            decision: Decision::Declined,
            lines: vec![
                line(LineKind::Part, None, &t("空调滤清器", "Cabin air filter"), 1000, Some(&t("件", "pc")), 9800),
                line(LineKind::Labor, None, &t("更换空调滤清器", "Replace cabin air filter"), 300, Some("h"), 18000),
            ],
        },
        Job {
            title: t("四轮定位", "Wheel alignment"),
            decision: Decision::Approved,
            lines: vec![line(LineKind::Sublet, None, &t("四轮定位（外协：轮胎店）", "Four-wheel alignment (sublet to tyre shop)"), 1000, None, 20000)],
        },
    ]
}

pub fn totals_for(jobs: &[Job]) -> Totals {
    let subtotal: i64 = jobs.iter().filter(|j| j.decision == Decision::Approved).flat_map(|j| &j.lines).map(|l| l.amount).sum();
    let discount = 5000;
    let tax = (subtotal - discount) * 13 / 100;
    let total = subtotal - discount + tax;
    Totals { subtotal, discount, tax_rate_bp: 1300, tax, total, paid: 0, balance: total }
}

pub fn sample(kind: DocumentKind, language: Language) -> Document {
    let t = |a: &str, b: &str| zh(language, a, b);
    let jobs = ten_line_jobs(language);
    let mut totals = totals_for(&jobs);
    let png = signature_png();
    let mut doc = Document {
        kind,
        language,
        paper: Paper::A4,
        station: StationHeader {
            name: t("上海浦东安驰汽车服务站", "Anchi Auto Service, Shanghai Pudong"),
            code: "SH-021".into(),
            address: Some(t("上海市浦东新区锦绣路 1888 号", "1888 Jinxiu Road, Pudong, Shanghai")),
            phone: Some("021-5888 6666".into()),
        },
        order_number: ORDER.into(),
        archive_number: Some("C000318-RP-20261123-0042".into()),
        qr_payload: format!("stationdesk:{ORDER}:{HASH}"),
        issued_at: "2026-11-23T09:12:00+08:00".into(),
        advisor: Some(t("李明", "Li Ming")),
        promised_at: Some("2026-11-23T17:30:00+08:00".into()),
        customer: Customer {
            name: "王芳".into(),
            phones: vec!["138 0013 8000".into()],
            customer_no: Some("C000318".into()),
        },
        vehicle: Vehicle {
            plate: "沪A·D12345".into(),
            vin: Some("LSVAU2180N2123456".into()),
            make: Some(t("大众", "Volkswagen")),
            model: Some(t("帕萨特", "Passat")),
            year: Some(2022),
            color: Some(t("珍珠白", "Pearl white")),
        },
        odometer_in_km: Some(45678),
        odometer_out_km: Some(45691),
        fuel_eighths: Some(5),
        battery_percent: None,
        damage_marks: vec![
            DamageMark { x_permille: 120, y_permille: 470, kind: DamageKind::Scratch, note: t("左前门下部划痕约 10 厘米", "Left front door, lower edge, about 10 cm") },
            DamageMark { x_permille: 780, y_permille: 60, kind: DamageKind::Dent, note: t("前保险杠右侧轻微凹陷", "Front bumper, right side, small dent") },
            DamageMark { x_permille: 500, y_permille: 960, kind: DamageKind::Chip, note: t("后备箱盖掉漆", "Trunk lid paint chip") },
        ],
        personal_items: vec![t("行车记录仪", "Dash camera"), t("儿童安全座椅", "Child seat"), t("雨伞", "Umbrella")],
        concerns: vec![
            Concern { text: t("低速制动时前轮有尖锐异响，早上冷车时更明显，已持续约两周。", "Squealing from the front wheels when braking at low speed, worse on cold mornings, for about two weeks."), fault_codes: vec![] },
            Concern { text: t("仪表盘发动机故障灯偶尔点亮。", "Check-engine light comes on now and then."), fault_codes: vec!["P0301".into(), "P0420".into()] },
            Concern { text: t("按保养手册进行 10,000 公里常规保养。", "10,000 km scheduled service as in the maintenance book."), fault_codes: vec![] },
        ],
        jobs,
        totals: totals.clone(),
        supplement: None,
        payments: vec![],
        terms: Terms {
            version: "2026-09".into(),
            text: t(
                "1. 本委托书经客户签字后生效，维修项目及金额以本单为准；如需追加项目，本站将另行征得客户同意并签署追加维修授权书。\n2. 更换下的旧件如客户需要带走，请在交车时提出，否则由本站按环保规定处理。\n3. 请勿将贵重物品留在车内；车内物品已登记如上。\n4. 预计交车时间可能因配件供应而调整，本站将及时通知客户。\n5. 车辆修竣通知后超过 3 日未取车的，本站可按规定收取停车费。",
                "1. This order takes effect when the customer signs it; the work and amounts are as listed. Any added work needs the customer's further consent on a supplemental authorization.\n2. Replaced parts are disposed of under environmental rules unless the customer asks for them at delivery.\n3. Please do not leave valuables in the vehicle; the items left are recorded above.\n4. The promised time may change if parts are delayed; the station will tell the customer.\n5. A parking fee may be charged if the vehicle is not collected within 3 days of the completion notice.",
            ),
        },
        signatures: vec![
            Signature { role: SignerRole::Customer, name: "王芳".into(), signed_at: "2026-11-23T09:20:31+08:00".into(), method: SignatureMethod::OnScreen, image_png: Some(png.clone()), note: None },
            Signature { role: SignerRole::Advisor, name: t("李明", "Li Ming"), signed_at: "2026-11-23T09:21:02+08:00".into(), method: SignatureMethod::OnScreen, image_png: Some(png.clone()), note: None },
        ],
        hash_hex: HASH.into(),
    };
    match kind {
        DocumentKind::IntakeOrder => {}
        DocumentKind::SupplementalAuthorization => {
            let added = vec![Job {
                title: t("更换前刹车盘（检修中发现）", "Replace front brake discs (found during repair)"),
                decision: Decision::Approved,
                lines: vec![
                    line(LineKind::Part, Some("PN 45251-T2A-A00"), &t("前刹车盘", "Front brake disc"), 2000, Some(&t("件", "pc")), 56000),
                    line(LineKind::Labor, Some("LB-0431"), &t("更换前刹车盘", "Replace front brake discs"), 800, Some("h"), 18000),
                ],
            }];
            let added_sum: i64 = added.iter().flat_map(|j| &j.lines).map(|l| l.amount).sum();
            let previous_total = totals.total;
            totals.subtotal += added_sum;
            totals.tax = (totals.subtotal - totals.discount) * 13 / 100;
            totals.total = totals.subtotal - totals.discount + totals.tax;
            totals.balance = totals.total;
            doc.supplement = Some(Supplement {
                sequence: 1,
                previous_total,
                reason: Some(t(
                    "拆检发现前刹车盘磨损超限（厚度 22.1 mm，限值 23.0 mm），需一并更换。",
                    "The front discs are worn below the limit (22.1 mm, limit 23.0 mm) and must be replaced with the pads.",
                )),
            });
            doc.jobs = added;
            doc.totals = totals;
            doc.signatures = vec![Signature {
                role: SignerRole::Customer,
                name: "王芳".into(),
                signed_at: "2026-11-23T13:47:10+08:00".into(),
                method: SignatureMethod::OnScreen,
                image_png: Some(png),
                note: None,
            }];
            doc.terms.text = t(
                "追加项目经客户签字确认后方可施工；原委托书其他内容不变。",
                "Added work is done only after the customer signs this authorization; the rest of the original order is unchanged.",
            );
        }
        DocumentKind::DeliveryNote => {
            totals.paid = totals.total;
            totals.balance = 0;
            doc.payments = vec![Payment {
                method: PaymentMethod::Wechat,
                amount: totals.total,
                paid_at: "2026-11-23T17:05:44+08:00".into(),
                reference: Some("4200001234202611231234567890".into()),
            }];
            doc.totals = totals;
            doc.signatures = vec![Signature {
                role: SignerRole::Customer,
                name: "王芳".into(),
                signed_at: "2026-11-23T17:06:20+08:00".into(),
                method: SignatureMethod::OnScreen,
                image_png: Some(png),
                note: None,
            }];
            doc.terms.text = t("客户已验收车辆及维修项目，旧件已按客户意愿处理。质保期：工时 3 个月或 5,000 公里，配件按厂家规定。", "The customer has inspected the vehicle and the work. Replaced parts were handled as the customer asked. Warranty: labor 3 months or 5,000 km; parts as the manufacturer states.");
        }
    }
    doc
}

/// An intake order with `n` lines spread over several jobs.
pub fn long_order(language: Language, n: usize) -> Document {
    let mut doc = sample(DocumentKind::IntakeOrder, language);
    let mut jobs = Vec::new();
    let mut k = 0;
    while k < n {
        let take = (n - k).min(6);
        let lines = (0..take)
            .map(|i| {
                let no = k + i + 1;
                let desc = if no % 7 == 0 {
                    zh(language, &format!("第 {no} 项：检查并紧固底盘各连接螺栓，检查悬挂球头、摆臂衬套及转向拉杆球头间隙，必要时调整"), &format!("Item {no}: check and tighten the chassis bolts, check the suspension ball joints, control arm bushes and tie-rod ends, adjust as needed"))
                } else {
                    zh(language, &format!("第 {no} 项维修工作"), &format!("Repair item {no}"))
                };
                line(if no % 2 == 0 { LineKind::Part } else { LineKind::Labor }, None, &desc, 1000, None, 10000 + no as i64 * 100)
            })
            .collect();
        jobs.push(Job {
            title: zh(language, &format!("维修项目组 {}", jobs.len() + 1), &format!("Job group {}", jobs.len() + 1)),
            decision: Decision::Approved,
            lines,
        });
        k += take;
    }
    doc.totals = totals_for(&jobs);
    doc.jobs = jobs;
    doc
}

pub const COMPLAINT: &str = "TS-SH01-20261204-003";

/// A closed complaint: a three-level category, two clocks (the resolution one
/// breached), two compensations and a timeline of `entries` entries, the last one
/// saying the complaint is closed.
pub fn complaint(language: Language, entries: usize) -> ComplaintRecord {
    let t = |a: &str, b: &str| zh(language, a, b);
    let kinds =
        [t("电话接通", "Call reached"), t("上门拜访", "Visit"), t("内部备注", "Internal note"), t("转交", "Handed over"), t("状态变更", "Status change")];
    let who = [t("李明", "Li Ming"), t("王经理", "Manager Wang"), t("赵质检", "QC Zhao")];
    let mut timeline: Vec<TimelineLine> = (1..entries)
        .map(|i| TimelineLine {
            at: format!("2026-12-{:02} {:02}:{:02}", 4 + i / 12, 8 + i % 12, (i * 7) % 60),
            who: who[i % who.len()].clone(),
            kind: kinds[i % kinds.len()].clone(),
            text: if i % 6 == 0 {
                t(
                    &format!("第 {i} 条记录：与客户电话沟通，说明前台接待排队原因及本站已采取的改进措施，客户表示理解但希望尽快给出书面答复，并要求下次进店时由专人接待。"),
                    &format!("Entry {i}: called the customer, explained why the reception queue was long and what the station has changed since; the customer understands but wants a written answer soon and a named advisor at the next visit."),
                )
            } else {
                t(&format!("第 {i} 条记录：跟进处理进度。"), &format!("Entry {i}: followed up on progress."))
            },
        })
        .collect();
    timeline.push(TimelineLine {
        at: "2026-12-08 16:45".into(),
        who: t("王经理", "Manager Wang"),
        kind: t("状态变更", "Status change"),
        text: t("客户接受处理方案，投诉结案。", "The customer accepted the solution; complaint closed."),
    });
    ComplaintRecord {
        language,
        paper: Paper::A4,
        station_name: t("上海浦东安驰汽车服务站", "Anchi Auto Service, Shanghai Pudong"),
        station_code: "SH01".into(),
        number: COMPLAINT.into(),
        status: t("已结案", "Closed"),
        severity: t("紧急", "Urgent"),
        channel: t("400 热线", "Hotline"),
        category: vec![t("服务", "Service"), t("服务态度", "Staff attitude"), t("接待不及时", "Slow to greet at reception")],
        received_at: "2026-12-04 09:05".into(),
        received_by: t("陈顾问", "Advisor Chen"),
        owner: t("王经理", "Manager Wang"),
        customer_name: "王芳".into(),
        customer_phone: "138 0013 8000".into(),
        plate: Some("沪A·D12345".into()),
        vin: Some("LSVAU2180N2123456".into()),
        order_number: Some(ORDER.into()),
        repeat_of: Some("TS-SH01-20261020-011".into()),
        description: t(
            "上周六上午九点到店保养，在前台等了二十多分钟都没有人接待，顾问一直在打电话。之前十月份来的时候也是这样，已经反映过一次。希望你们重视，给我一个说法，下次来不要再让我等这么久。",
            "I came in for a service last Saturday at nine and waited at the front desk for more than twenty minutes without anyone greeting me; the advisor was on the phone the whole time. The same thing happened in October and I complained then. Please take this seriously, give me an answer, and do not make me wait like this next time.",
        ),
        cause: Some(t("周六上午进店高峰，前台仅一名顾问在岗，且未启用排队叫号。", "Saturday morning peak with one advisor at the desk and the queue ticketing not switched on.")),
        corrective_action: Some(t("周六上午增派一名顾问；启用排队叫号；顾问接听电话时须先招呼到店客户。", "A second advisor on Saturday mornings; queue ticketing on; advisors greet walk-in customers before taking calls.")),
        solution: Some(t("书面致歉，赠送一次免费洗车及下次保养工时费八折。", "A written apology, a free car wash and 20% off labor at the next service.")),
        customer_answer: Some(t("接受", "Accepted")),
        clocks: vec![
            ClockLine { label: t("首次响应", "First response"), limit: "24 h".into(), state: t("已达成 2026-12-04 10:32", "met 2026-12-04 10:32"), breached: false },
            ClockLine { label: t("解决", "Resolution"), limit: "72 h".into(), state: t("超时 7 小时", "overdue by 7 h"), breached: true },
        ],
        compensations: vec![
            CompensationLine { kind: t("服务券", "Voucher"), description: t("免费洗车一次", "One free car wash"), value: "¥60.00".into(), approved_by: Some(t("王经理", "Manager Wang")) },
            CompensationLine {
                kind: t("折扣", "Discount"),
                description: t("下次保养工时费八折（有效期 3 个月）", "20% off labor at the next service (valid for 3 months)"),
                value: "20%".into(),
                approved_by: None,
            },
        ],
        timeline,
        printed_at: "2026-12-09 10:00".into(),
    }
}

/// A figure as `kpi::figures` makes one: gap and verdict from the value and target.
pub fn kpi_figure(code: &str, unit: kpi::Unit, better: kpi::Better, value: Option<f64>, counts: (i64, i64), target: Option<f64>) -> kpi::Figure {
    let gap = match (value, target, better) {
        (Some(v), Some(t), kpi::Better::Higher) => Some(v - t),
        (Some(v), Some(t), kpi::Better::Lower) => Some(t - v),
        _ => None,
    };
    kpi::Figure { code: code.into(), unit, better, value, numerator: counts.0, denominator: counts.1, target, gap, meets_target: gap.map(|g| g >= -1e-9) }
}

/// The days the fixture charts plot (tests/fixtures/kpi-*.svg, drawn by the desk's
/// `chartSvg(trendOption(…))` from these same values): on time and the cycle median
/// for each day of November 2026, nothing delivered on the 7th, 14th, 21st and 28th.
pub fn kpi_day(code: &str, day: u32) -> Option<f64> {
    if day % 7 == 0 {
        return None;
    }
    match code {
        "on_time" => Some(f64::from((day * 37) % 50 + 50) / 100.0),
        _ => Some(f64::from(8 + (day * 13) % 30)),
    }
}

/// November 2026 at a station: five figures, two advisors, one technician and
/// the two fixture charts in the report's language.
pub fn kpi_report(language: Language) -> MonthlyKpiReport {
    use kpi::{Better, Unit};
    let t = |a: &str, b: &str| zh(language, a, b);
    // One set of fixture charts for both Chinese reports.
    let lang = if language.is_chinese() { "zh-CN" } else { "en" };
    let names = [
        ("on_time", t("准时交车率", "On-time delivery")),
        ("cycle_median_hours", t("维修周期（中位数）", "Repair cycle (median)")),
        ("satisfaction_avg", t("客户满意度（平均分）", "Satisfaction (average)")),
        ("order_value", t("平均单车产值", "Average order value")),
        ("cancelled", t("取消工单", "Cancelled orders")),
    ];
    let month = vec![
        kpi_figure("on_time", Unit::Ratio, Better::Higher, Some(20.0 / 30.0), (20, 30), Some(0.9)),
        kpi_figure("cycle_median_hours", Unit::Hours, Better::Lower, Some(18.0), (0, 31), Some(24.0)),
        kpi_figure("satisfaction_avg", Unit::Score, Better::Higher, Some(4.6), (46, 10), Some(4.5)),
        kpi_figure("order_value", Unit::Minor, Better::Neither, Some(123_456.0), (3_827_136, 31), None),
        kpi_figure("cancelled", Unit::Count, Better::Neither, Some(2.0), (2, 0), None),
    ];
    let person = |name: String, on_time: f64, cycle: f64| KpiPerson {
        name,
        figures: vec![
            kpi_figure("on_time", Unit::Ratio, Better::Higher, Some(on_time), (0, 0), Some(0.9)),
            kpi_figure("cycle_median_hours", Unit::Hours, Better::Lower, Some(cycle), (0, 0), Some(24.0)),
        ],
    };
    let codes = vec!["on_time".to_string(), "cycle_median_hours".to_string()];
    let chart = |code: &str, unit: Unit, better: Better, target: f64| KpiChart {
        code: code.into(),
        svg: std::fs::read_to_string(format!("{}/tests/fixtures/kpi-{code}-{lang}.svg", env!("CARGO_MANIFEST_DIR"))).expect("the fixture chart"),
        points: (1..=30)
            .map(|d| KpiPoint { label: format!("11-{d:02}"), figure: Some(kpi_figure(code, unit, better, kpi_day(code, d), (0, 0), Some(target))) })
            .collect(),
    };
    MonthlyKpiReport {
        language,
        paper: Paper::A4,
        station_name: t("上海浦东安驰汽车服务站", "Anchi Auto Service, Shanghai Pudong"),
        station_code: "SH01".into(),
        month: "2026-11".into(),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        time_zone: "Asia/Shanghai".into(),
        generated_at: "2026-12-01 08:30".into(),
        names: names.into_iter().map(|(code, name)| (code.to_string(), name)).collect(),
        figures: month,
        count_codes: vec!["on_time".into()],
        advisors: KpiBreakdown { codes: codes.clone(), rows: vec![person(t("李娜", "Li Na"), 0.75, 20.0), person(t("陈刚", "Chen Gang"), 0.5, 30.0)] },
        technicians: KpiBreakdown { codes, rows: vec![person(t("张伟", "Zhang Wei"), 2.0 / 3.0, 18.0)] },
        charts: vec![chart("on_time", Unit::Ratio, Better::Higher, 0.9), chart("cycle_median_hours", Unit::Hours, Better::Lower, 24.0)],
    }
}
