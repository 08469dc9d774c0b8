//! Complaints across stations (`store::complaints`): head-office notes go down
//! to the complaint's station only and no station can write one; the list puts
//! the overdue first and filters by category at any level, by station within
//! the caller's scope, by status and by the time received; a complaint's page.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use headoffice::store::complaints::{self, Author, ComplaintQuery, ComplaintsError, NoteKind, StatusFilter};
use serde_json::{json, Value};
use sync_protocol::push::rejection_codes;
use sync_protocol::{Op, Scope};
use uuid::Uuid;

use crate::common::{customer, spawn_app, StationSim, TestApp};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// "Now" in these tests: Saturday 2026-12-05, 10:00 UTC.
fn now() -> DateTime<Utc> {
    at("2026-12-05T10:00:00Z")
}

fn quality_manager() -> Author {
    Author { user_id: Uuid::now_v7(), display_name: "质量经理 周敏".into() }
}

async fn station_id(app: &TestApp, code: &str) -> Uuid {
    sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_one(&app.pool).await.unwrap()
}

/// A complaint as a station's outbox sends it (`Complaint` with its category path).
fn complaint(id: &str, number: &str, status: &str, category: &[(&str, &str, &str)], received_at: DateTime<Utc>) -> Value {
    let path: Vec<Value> = category.iter().map(|(id, zh, en)| json!({"id": id, "name_zh": zh, "name_en": en})).collect();
    json!({
        "id": id, "number": number, "status": status, "severity": "normal", "channel": "phone",
        "category_id": category.last().unwrap().0, "category_path": path, "description": "保养后发动机有异响",
        "customer_id": "cust-1", "vehicle_id": null, "ro_id": null, "follow_up_id": null,
        "contact_name": "王芳", "contact_phone": "13812345678", "received_by": "staff-1", "owner_id": "staff-1",
        "received_at": stamp(received_at), "repeat_of_id": null, "cause": "", "corrective_action": "", "solution": "",
        "customer_answer": null, "first_response_at": null, "resolved_at": null, "closed_at": null, "version": 1
    })
}

/// A clock's row as the station syncs it; `late_at` is when it is (or was) breached.
fn clock(complaint_id: &str, name: &str, state: &str, late_at: Option<DateTime<Utc>>) -> (String, Value) {
    let id = format!("{complaint_id}-{name}");
    let payload = json!({
        "id": id, "item_kind": "complaint", "item_id": complaint_id, "clock": name, "policy_kind": format!("complaint_{name}"),
        "policy": {"budget_minutes": 4320, "basis": "wall"}, "calendar_id": null, "owner_id": "staff-1", "started_at": "2026-12-01T08:00:00.000Z",
        "state": state, "late_at": late_at.map(stamp), "met_at": null, "breached_at": null, "stopped_at": null
    });
    (id, payload)
}

const SLOW: [(&str, &str, &str); 3] =
    [("svc", "服务", "Service"), ("svc.attitude", "服务态度", "Attitude"), ("svc.attitude.slow", "接待不及时", "Not received promptly")];
const RUDE: [(&str, &str, &str); 3] =
    [("svc", "服务", "Service"), ("svc.attitude", "服务态度", "Attitude"), ("svc.attitude.rude", "态度生硬", "Impolite staff")];
const REPEAT: [(&str, &str, &str); 3] =
    [("qual", "质量", "Quality"), ("qual.repair", "维修质量", "Repair quality"), ("qual.repair.repeat", "同一故障返修", "Same fault came back")];

/// Pushes a complaint with its resolution clock (due at `due`, running) and its staff member.
async fn push_complaint(
    app: &TestApp,
    st: &mut StationSim,
    id: &str,
    status: &str,
    category: &[(&str, &str, &str)],
    received: DateTime<Utc>,
    due: DateTime<Utc>,
) {
    let number = format!("{}-TS-{}-{}", st.code, received.format("%Y%m%d"), &id[id.len() - 3..]);
    let (clock_id, clock) = clock(id, "resolution", if status == "closed" { "stopped" } else { "running" }, Some(due));
    let changes = vec![
        st.change("staff", "staff-1", json!({"id": "staff-1", "name": "李顾问", "role": "advisor", "active": true})),
        st.change("complaint", id, complaint(id, &number, status, category, received)),
        st.change("item_clock", &clock_id, clock),
    ];
    let ack = app.push_ok(&st.token, &st.batch(changes)).await;
    assert_eq!(ack.rejected, 0);
}

fn numbers(list: &complaints::ComplaintList) -> Vec<String> {
    list.complaints.iter().map(|c| c.complaint.id.clone()).collect()
}

#[tokio::test]
async fn a_note_added_to_a_complaint_reaches_that_stations_feed_and_no_other_station_and_leaves_the_complaint_as_it_was() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let b = app.station("SH02").await;
    push_complaint(&app, &mut a, "c-001", "in_progress", &SLOW, now() - Duration::hours(5), now() + Duration::hours(60)).await;
    let (_, cursor_a) = app.pull_all_from(&a.token, "").await;
    let (_, cursor_b) = app.pull_all_from(&b.token, "").await;
    let before: Value = sqlx::query_scalar("SELECT payload FROM records WHERE entity = 'complaint'").fetch_one(&app.pool).await.unwrap();

    let sh01 = station_id(&app, "SH01").await;
    let note = complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Instruction, "  请48小时内回访客户并上报结果  ", &quality_manager(), now())
        .await
        .unwrap();
    assert_eq!((note.text.as_str(), note.kind, note.created_at.as_str()), ("请48小时内回访客户并上报结果", NoteKind::Instruction, "2026-12-05T10:00:00.000Z"));

    let (feed, _) = app.pull_all_from(&a.token, &cursor_a).await;
    assert_eq!(feed.len(), 1, "only the note is new for SH01: {feed:?}");
    let entry = &feed[0];
    assert_eq!((entry.scope, entry.entity.as_str(), entry.op), (Scope::Station, "ho_complaint_note", Op::Upsert));
    assert_eq!(entry.entity_id, note.id.to_string());
    assert_eq!(entry.payload["complaint_id"], "c-001");
    assert_eq!(entry.payload["kind"], "instruction");
    assert_eq!(entry.payload["author_name"], "质量经理 周敏");
    assert_eq!(entry.payload["text"], "请48小时内回访客户并上报结果");
    assert_eq!(entry.hlc.as_ref().map(|h| h.physical_ms()), Some(now().timestamp_millis() as u64), "stamped with the head office's clock");
    let (feed_b, _) = app.pull_all_from(&b.token, &cursor_b).await;
    assert!(feed_b.is_empty(), "SH02 never sees SH01's note: {feed_b:?}");
    assert!(app.pull_all(&b.token).await.iter().all(|c| c.entity != "ho_complaint_note"), "not from the start either");

    let after: Value = sqlx::query_scalar("SELECT payload FROM records WHERE entity = 'complaint'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(after, before, "the station's complaint is untouched");
    let (_, again) = app.pull_all_from(&a.token, &cursor_a).await;
    assert!(app.pull_all_from(&a.token, &again).await.0.is_empty(), "the note comes once");
}

#[tokio::test]
async fn a_note_is_refused_for_a_complaint_the_head_office_does_not_hold_for_that_station_and_for_empty_or_overlong_text() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    let _b = app.station("SH02").await;
    push_complaint(&app, &mut a, "c-001", "open", &SLOW, now() - Duration::hours(1), now() + Duration::hours(71)).await;
    let (sh01, sh02) = (station_id(&app, "SH01").await, station_id(&app, "SH02").await);
    let who = quality_manager();
    let refused = |e: ComplaintsError| (e.code(), e.field());

    let e = complaints::add_complaint_note(&app.pool, sh01, "c-999", NoteKind::Note, "请跟进", &who, now()).await.unwrap_err();
    assert_eq!(refused(e), ("complaint.not_found", Some("complaint_id")));
    let e = complaints::add_complaint_note(&app.pool, sh02, "c-001", NoteKind::Note, "请跟进", &who, now()).await.unwrap_err();
    assert_eq!(refused(e), ("complaint.not_found", Some("complaint_id")), "SH01's complaint is not SH02's");
    let e = complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Note, " \n ", &who, now()).await.unwrap_err();
    assert_eq!(refused(e), ("text.required", Some("text")));
    let long = "长".repeat(complaints::MAX_NOTE_CHARS + 1);
    let e = complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Note, &long, &who, now()).await.unwrap_err();
    assert_eq!(refused(e), ("text.too_long", Some("text")));
    assert_eq!(app.count("records WHERE entity = 'ho_complaint_note'").await, 0, "nothing was written");
    let longest = "长".repeat(complaints::MAX_NOTE_CHARS);
    complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Note, &longest, &who, now()).await.unwrap();
}

#[tokio::test]
async fn a_station_pushing_a_head_office_note_is_rejected_and_the_head_offices_note_stays_as_written() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    push_complaint(&app, &mut a, "c-001", "open", &SLOW, now() - Duration::hours(1), now() + Duration::hours(71)).await;
    let sh01 = station_id(&app, "SH01").await;
    let note = complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Note, "总部已知悉", &quality_manager(), now()).await.unwrap();

    let id = note.id.to_string();
    let forged = json!({"id": id, "complaint_id": "c-001", "kind": "note", "text": "站点改写", "author_name": "站点", "author_id": id, "created_at": "2026-12-05T10:00:00.000Z"});
    let fresh = Uuid::now_v7().to_string();
    let invented = json!({"id": fresh, "complaint_id": "c-001", "kind": "instruction", "text": "自己写的总部意见", "author_name": "x", "author_id": fresh, "created_at": "2026-12-05T10:00:00.000Z"});
    let changes = vec![
        a.change("ho_complaint_note", &id, forged),
        a.change("ho_complaint_note", &fresh, invented),
        a.change_op("ho_complaint_note", &id, Op::Delete, json!({}), None),
    ];
    let ack = app.push_ok(&a.token, &a.batch(changes)).await;
    assert_eq!(ack.rejected, 3, "each is rejected, and acknowledged so the queue moves on");
    let codes: Vec<String> = app.rejections(&a.token).await.rejections.into_iter().map(|r| r.code).collect();
    assert_eq!(codes, [rejection_codes::HEAD_OFFICE; 3]);

    let stored: Vec<Value> = sqlx::query_scalar("SELECT payload FROM records WHERE entity = 'ho_complaint_note'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored, [serde_json::to_value(&note).unwrap()], "the head office's note, unchanged, and no other");
}

/// SH01 and SH02 with complaints received over the last days (newest last):
/// SH01: 001 overdue since 09:00 (service › attitude › slow), 002 due tomorrow (quality),
///       003 overdue since yesterday (service › attitude › rude), 004 closed (service);
/// SH02: 005 overdue since 08:00 (service › attitude › slow), 006 due later (the station's own category under quality).
async fn two_stations(app: &TestApp) -> (Uuid, Uuid) {
    let mut a = app.station("SH01").await;
    let mut b = app.station("SH02").await;
    let day = |d: i64| now() - Duration::days(d);
    push_complaint(app, &mut a, "c-001", "in_progress", &SLOW, day(4), now() - Duration::hours(1)).await;
    push_complaint(app, &mut a, "c-002", "open", &REPEAT, day(3), now() + Duration::hours(20)).await;
    push_complaint(app, &mut a, "c-003", "waiting_parts", &RUDE, day(5), now() - Duration::hours(20)).await;
    push_complaint(app, &mut a, "c-004", "closed", &SLOW, day(1), now() - Duration::hours(30)).await;
    push_complaint(app, &mut b, "c-005", "escalated", &SLOW, day(2), now() - Duration::hours(2)).await;
    let own = [("qual", "质量", "Quality"), ("qual.repair", "维修质量", "Repair quality"), ("0199c3e0-own", "洗车不净", "Car not washed")];
    push_complaint(app, &mut b, "c-006", "open", &own, day(0) - Duration::hours(2), now() + Duration::hours(70)).await;
    (station_id(app, "SH01").await, station_id(app, "SH02").await)
}

#[tokio::test]
async fn the_list_puts_the_open_complaints_overdue_first_longest_overdue_first_then_the_newest() {
    let app = spawn_app().await;
    let (sh01, _) = two_stations(&app).await;
    let list = complaints::list_complaints(&app.pool, None, &ComplaintQuery::default(), now()).await.unwrap();
    assert_eq!(numbers(&list), ["c-003", "c-005", "c-001", "c-006", "c-002"], "overdue by due time, then newest received; closed left out");
    assert_eq!((list.total, list.overdue), (5, 3));
    let first = &list.complaints[0];
    assert!(first.overdue && first.clocks[0].overdue, "{first:?}");
    assert_eq!(first.due_at.as_deref(), Some(stamp(now() - Duration::hours(20)).as_str()));
    assert_eq!((first.station.code.as_str(), first.station.station_id), ("SH01", sh01));
    assert_eq!(first.owner_name.as_deref(), Some("李顾问"));
    let names: Vec<&str> = first.complaint.category_path.iter().map(|k| k.name_zh.as_str()).collect();
    assert_eq!(names, ["服务", "服务态度", "态度生硬"]);
    assert!(!list.complaints[3].overdue && list.complaints[3].due_at.is_some(), "c-006 is due, not overdue");

    // An hour later c-002's deadline is still ahead; 21 hours later it is overdue too, and comes after those overdue longer.
    let later = complaints::list_complaints(&app.pool, None, &ComplaintQuery::default(), now() + Duration::hours(21)).await.unwrap();
    assert_eq!(numbers(&later), ["c-003", "c-005", "c-001", "c-002", "c-006"]);

    let all = complaints::list_complaints(&app.pool, None, &ComplaintQuery { status: StatusFilter::All, ..Default::default() }, now()).await.unwrap();
    assert_eq!(numbers(&all), ["c-003", "c-005", "c-001", "c-006", "c-004", "c-002"], "a closed complaint is never overdue");
    let overdue = ComplaintQuery { overdue_only: true, ..Default::default() };
    assert_eq!(numbers(&complaints::list_complaints(&app.pool, None, &overdue, now()).await.unwrap()), ["c-003", "c-005", "c-001"]);

    let page2 = ComplaintQuery { limit: Some(2), offset: Some(2), ..Default::default() };
    let page = complaints::list_complaints(&app.pool, None, &page2, now()).await.unwrap();
    assert_eq!((numbers(&page), page.total, page.overdue), (vec!["c-001".to_string(), "c-006".to_string()], 5, 3));
    let past_the_end = ComplaintQuery { offset: Some(50), ..Default::default() };
    let empty = complaints::list_complaints(&app.pool, None, &past_the_end, now()).await.unwrap();
    assert_eq!((empty.complaints.len(), empty.total), (0, 5), "the totals come with an empty page too");
}

#[tokio::test]
async fn the_list_filters_by_a_category_at_any_of_its_three_levels_including_a_stations_own_category() {
    let app = spawn_app().await;
    two_stations(&app).await;
    let by = |category: &str| ComplaintQuery { category_id: Some(category.into()), status: StatusFilter::All, ..Default::default() };
    let list = |q: ComplaintQuery| {
        let pool = app.pool.clone();
        async move {
            let mut ids = numbers(&complaints::list_complaints(&pool, None, &q, now()).await.unwrap());
            ids.sort();
            ids
        }
    };
    assert_eq!(list(by("svc")).await, ["c-001", "c-003", "c-004", "c-005"], "level 1: everything under service");
    assert_eq!(list(by("svc.attitude")).await, ["c-001", "c-003", "c-004", "c-005"], "level 2");
    assert_eq!(list(by("svc.attitude.slow")).await, ["c-001", "c-004", "c-005"], "level 3");
    assert_eq!(list(by("svc.att")).await, Vec::<String>::new(), "a category, not any text it starts with");
    assert_eq!(list(by("qual")).await, ["c-002", "c-006"], "the station's own entry under quality counts under quality");
    assert_eq!(list(by("0199c3e0-own")).await, ["c-006"]);
}

#[tokio::test]
async fn a_regional_scope_and_the_station_filter_show_only_their_stations_complaints() {
    let app = spawn_app().await;
    let (sh01, sh02) = two_stations(&app).await;
    let all = ComplaintQuery { status: StatusFilter::All, ..Default::default() };
    let only_sh02 = complaints::list_complaints(&app.pool, Some(&[sh02]), &all, now()).await.unwrap();
    assert_eq!(numbers(&only_sh02), ["c-005", "c-006"]);
    assert!(only_sh02.complaints.iter().all(|c| c.station.code == "SH02"));
    let none = complaints::list_complaints(&app.pool, Some(&[]), &all, now()).await.unwrap();
    assert_eq!((none.complaints.len(), none.total), (0, 0), "a scope of no station shows nothing, not everything");

    let sh01_only = ComplaintQuery { station_id: Some(sh01), ..all.clone() };
    assert_eq!(numbers(&complaints::list_complaints(&app.pool, None, &sh01_only, now()).await.unwrap()), ["c-003", "c-001", "c-004", "c-002"]);
    let outside = complaints::list_complaints(&app.pool, Some(&[sh02]), &sh01_only, now()).await.unwrap();
    assert!(outside.complaints.is_empty(), "a station outside the scope is not shown when asked for");

    let e = complaints::complaint_detail(&app.pool, Some(&[sh02]), sh01, "c-001", now()).await.unwrap_err();
    assert_eq!((e.code(), e.field()), ("complaint.not_found", Some("complaint_id")));
    assert!(complaints::complaint_detail(&app.pool, Some(&[sh01]), sh01, "c-001", now()).await.is_ok());
}

#[tokio::test]
async fn the_list_filters_by_the_time_received() {
    let app = spawn_app().await;
    two_stations(&app).await;
    let q = ComplaintQuery {
        status: StatusFilter::All,
        received_from: Some(now() - Duration::days(4)),
        received_to: Some(now() - Duration::days(1)),
        ..Default::default()
    };
    let mut ids = numbers(&complaints::list_complaints(&app.pool, None, &q, now()).await.unwrap());
    ids.sort();
    assert_eq!(ids, ["c-001", "c-002", "c-005"], "from is inclusive, to exclusive");
    let e = complaints::list_complaints(&app.pool, None, &ComplaintQuery { limit: Some(500), ..Default::default() }, now()).await.unwrap_err();
    assert_eq!(e.field(), Some("limit"));
}

#[tokio::test]
async fn a_complaints_page_shows_its_timeline_compensation_customer_and_head_office_notes_newest_first() {
    let app = spawn_app().await;
    let mut a = app.station("SH01").await;
    push_complaint(&app, &mut a, "c-001", "in_progress", &SLOW, now() - Duration::hours(5), now() + Duration::hours(60)).await;
    let ev = |id: &str, seq: i64, kind: &str, text: &str, at: &str| json!({"id": id, "complaint_id": "c-001", "seq": seq, "kind": kind, "text": text, "data": {}, "staff_id": "staff-1", "at": at});
    let changes = vec![
        a.change("customer", "cust-1", customer("cust-1", "王芳", "13812345678")),
        a.change("complaint_event", "e2", ev("e2", 2, "contact_call", "已致电客户", "2026-12-05T06:00:00.000Z")),
        a.change("complaint_event", "e1", ev("e1", 1, "received", "保养后发动机有异响", "2026-12-05T05:00:00.000Z")),
        a.change("complaint_event", "e3", ev("e3", 3, "note", "同一时刻的第二条", "2026-12-05T06:00:00.000Z")),
        a.change(
            "complaint_compensation",
            "k1",
            json!({"id": "k1", "complaint_id": "c-001", "kind": "voucher", "description": "保养券", "value_minor": 20000, "days": null, "staff_id": "staff-1", "at": "2026-12-05T07:00:00.000Z"}),
        ),
    ];
    app.push_ok(&a.token, &a.batch(changes)).await;
    let sh01 = station_id(&app, "SH01").await;
    let who = quality_manager();
    complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Note, "总部已知悉", &who, now()).await.unwrap();
    complaints::add_complaint_note(&app.pool, sh01, "c-001", NoteKind::Instruction, "请今天内联系客户", &who, now() + Duration::minutes(5)).await.unwrap();

    let page = complaints::complaint_detail(&app.pool, None, sh01, "c-001", now() + Duration::minutes(10)).await.unwrap();
    let kinds: Vec<&str> = page.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["received", "contact_call", "note"], "by time, then the station's sequence");
    assert_eq!(page.timeline[1].staff_name.as_deref(), Some("李顾问"));
    assert_eq!((page.compensations[0].value_minor, page.compensations[0].kind.as_str()), (20000, "voucher"));
    assert_eq!(page.customer_name.as_deref(), Some("王芳"));
    let notes: Vec<(&str, NoteKind)> = page.head_office_notes.iter().map(|n| (n.text.as_str(), n.kind)).collect();
    assert_eq!(notes, [("请今天内联系客户", NoteKind::Instruction), ("总部已知悉", NoteKind::Note)]);
    assert_eq!(page.summary.head_office_notes, 2);
    assert_eq!(page.summary.complaint.contact_phone, "13812345678");
    let list = complaints::list_complaints(&app.pool, None, &ComplaintQuery::default(), now()).await.unwrap();
    assert_eq!(list.complaints[0].head_office_notes, 2, "the list counts them too");
    let e = complaints::complaint_detail(&app.pool, None, sh01, "c-404", now()).await.unwrap_err();
    assert_eq!(e.code(), "complaint.not_found");
}

/// The list and a complaint's page at head-office scale: 200 stations with 200
/// complaints each over two years (one in ten not closed), three clocks and
/// four events per complaint, among a million other records. Prints the
/// timings; fails when a read's p95 passes 500 ms
/// (the console's target, issue 10). Ignored by default (a minute of data):
/// `cargo test -p headoffice --test headoffice -- --ignored --nocapture complaints_at_scale`.
#[tokio::test]
#[ignore]
async fn complaints_at_scale_the_list_and_a_complaints_page_stay_under_half_a_second() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    for sql in [
        "INSERT INTO stations (station_id, code, name) SELECT gen_random_uuid(), 'ST' || lpad(n::text, 3, '0'), 'Station ' || n FROM generate_series(1, 200) n",
        "INSERT INTO records (station_id, entity, entity_id, payload, hlc)
         SELECT s.station_id, 'repair_order', s.code || '-ro-' || n, jsonb_build_object('id', s.code || '-ro-' || n, 'number', n, 'status', 'closed', 'checked_in_at', '2025-06-01T08:00:00.000Z'), '0'
         FROM stations s, generate_series(1, 5000) n",
        "INSERT INTO records (station_id, entity, entity_id, payload, hlc)
         SELECT s.station_id, 'staff', 'staff-1', '{\"id\": \"staff-1\", \"name\": \"李顾问\"}', '0' FROM stations s",
        "INSERT INTO records (station_id, entity, entity_id, payload, hlc)
         SELECT s.station_id, 'complaint', s.code || '-c-' || n,
                jsonb_build_object('id', s.code || '-c-' || n, 'number', s.code || '-TS-' || n, 'status', CASE WHEN n % 10 = 0 THEN 'in_progress' ELSE 'closed' END,
                  'severity', 'normal', 'channel', 'phone', 'category_id', (ARRAY['svc.attitude.slow', 'qual.repair.repeat', 'price.charge.high'])[n % 3 + 1],
                  'category_path', '[]'::jsonb, 'description', '保养后发动机有异响', 'contact_name', '王芳', 'owner_id', 'staff-1', 'received_by', 'staff-1',
                  'received_at', to_char(timestamptz '2024-12-05 10:00:00+00' + (n * interval '3 days' + (hashtext(s.code) % 1000) * interval '1 minute'), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')),
                '0'
         FROM stations s, generate_series(1, 200) n",
        "INSERT INTO records (station_id, entity, entity_id, payload, hlc)
         SELECT r.station_id, 'item_clock', r.entity_id || '-' || k,
                jsonb_build_object('id', r.entity_id || '-' || k, 'item_kind', 'complaint', 'item_id', r.entity_id, 'clock', k,
                  'state', CASE WHEN r.payload->>'status' = 'closed' THEN 'stopped' ELSE 'running' END,
                  'late_at', to_char((r.payload->>'received_at')::timestamptz + interval '72 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')), '0'
         FROM records r, unnest(ARRAY['first_response', 'resolution', 'callback']) k WHERE r.entity = 'complaint'",
        "INSERT INTO records (station_id, entity, entity_id, payload, hlc)
         SELECT r.station_id, 'complaint_event', r.entity_id || '-e' || e,
                jsonb_build_object('id', r.entity_id || '-e' || e, 'complaint_id', r.entity_id, 'seq', e, 'kind', 'note', 'text', '跟进', 'staff_id', 'staff-1', 'at', r.payload->>'received_at'), '0'
         FROM records r, generate_series(1, 4) e WHERE r.entity = 'complaint'",
        "ANALYZE records",
    ] {
        sqlx::query(sql).execute(&app.pool).await.unwrap();
    }
    println!("data: {} records in {:?}", app.count("records").await, started.elapsed());
    let now = at("2026-12-05T10:00:00Z");
    let stations: Vec<Uuid> = sqlx::query_scalar("SELECT station_id FROM stations ORDER BY code LIMIT 10").fetch_all(&app.pool).await.unwrap();
    let cases: Vec<(&str, Option<Vec<Uuid>>, ComplaintQuery)> = vec![
        ("open, overdue first", None, ComplaintQuery::default()),
        ("all statuses", None, ComplaintQuery { status: StatusFilter::All, ..Default::default() }),
        ("all, level-1 category", None, ComplaintQuery { status: StatusFilter::All, category_id: Some("svc".into()), ..Default::default() }),
        ("all, one station", None, ComplaintQuery { status: StatusFilter::All, station_id: Some(stations[0]), ..Default::default() }),
        ("open, a region of 10 stations", Some(stations.clone()), ComplaintQuery::default()),
        (
            "all, received in one month",
            None,
            ComplaintQuery {
                status: StatusFilter::All,
                received_from: Some(at("2026-01-01T00:00:00Z")),
                received_to: Some(at("2026-02-01T00:00:00Z")),
                ..Default::default()
            },
        ),
        ("overdue only", None, ComplaintQuery { overdue_only: true, ..Default::default() }),
    ];
    for (name, scope, q) in cases {
        let mut took = Vec::new();
        let mut total = 0;
        for _ in 0..20 {
            let t = std::time::Instant::now();
            let list = complaints::list_complaints(&app.pool, scope.as_deref(), &q, now).await.unwrap();
            took.push(t.elapsed());
            total = list.total;
        }
        took.sort();
        println!("{name:32} total {total:6}  p50 {:>8.1?}  p95 {:>8.1?}", took[9], took[18]);
        assert!(took[18] < std::time::Duration::from_millis(500), "{name}: p95 {:?}", took[18]);
    }
    let one = sqlx::query_as::<_, (Uuid, String)>("SELECT station_id, entity_id FROM records WHERE entity = 'complaint' ORDER BY entity_id LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut took = Vec::new();
    for _ in 0..20 {
        let t = std::time::Instant::now();
        let page = complaints::complaint_detail(&app.pool, None, one.0, &one.1, now).await.unwrap();
        took.push(t.elapsed());
        assert_eq!(page.timeline.len(), 4);
    }
    took.sort();
    println!("{:32} p50 {:>8.1?}  p95 {:>8.1?}", "a complaint's page", took[9], took[18]);
    assert!(took[18] < std::time::Duration::from_millis(500));
}
