//! Time-limit policies and the working calendar: who may change them, what
//! they refuse, that an item keeps the policy and calendar it opened under,
//! and that a working-hours limit counts only opening hours.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

use crate::common::aftersales::{code_field, complaint_input, instant, Ticket};
use crate::common::flow::Flow;
use crate::common::{morning, TestStation};

fn policy<'v>(limits: &'v Value, kind: &str) -> &'v Value {
    limits["policies"].as_array().unwrap().iter().find(|p| p["kind"] == kind).unwrap_or_else(|| panic!("no {kind} policy in {limits}"))
}

#[tokio::test]
async fn only_a_manager_changes_a_time_limit_and_a_budget_of_zero_names_the_field() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let limits = t.ok(&crew.advisor, "get_time_limits", json!({})).await;
    assert_eq!(limits["can_edit"], false);
    let follow_up = policy(&limits, "follow_up");
    assert_eq!((follow_up["policy"]["budget_minutes"].as_i64(), follow_up["source"].as_str()), (Some(3 * 24 * 60), Some("default")));
    assert_eq!(policy(&limits, "urgent_first_response")["policy"]["budget_minutes"], 30);

    let change = |minutes: i64| json!({"kind": "complaint_first_response", "budget_minutes": minutes, "basis": "wall"});
    for token in [&crew.advisor, &crew.tech, &crew.qc] {
        assert_eq!(t.call(token, "update_time_limit", change(60)).await.unwrap_err().code, "auth.forbidden");
    }
    let e = t.call(&crew.manager, "update_time_limit", change(0)).await.unwrap_err();
    assert_eq!(code_field(&e), ("time_limit.budget", Some("budget_minutes")));
    assert_eq!(t.call(&crew.manager, "update_time_limit", change(366 * 24 * 60)).await.unwrap_err().field.as_deref(), Some("budget_minutes"));

    let saved = t.ok(&crew.manager, "update_time_limit", change(60)).await;
    let row = policy(&saved, "complaint_first_response");
    assert_eq!(
        (row["policy"]["budget_minutes"].as_i64(), row["source"].as_str(), row["updated_by_name"].as_str()),
        (Some(60), Some("station"), Some("王经理"))
    );
    assert_eq!(saved["can_edit"], true);
}

#[tokio::test]
async fn an_edited_follow_up_limit_applies_to_new_deliveries_and_not_to_calls_already_due() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let first = Flow::in_status(&t, &crew, "delivered").await;
    t.ok(&crew.manager, "update_time_limit", json!({"kind": "follow_up", "budget_minutes": 24 * 60, "basis": "wall"})).await;
    t.advance(Duration::hours(1));
    let second = Flow::in_status(&t, &crew, "delivered").await;

    let reading = |page: Value| page["follow_up"]["clock"]["reading"].clone();
    let old = reading(t.follow_up(&crew.advisor, first.page["follow_up_id"].as_str().unwrap()).await);
    assert_eq!((old["budget_secs"].as_i64(), instant(&old["due_at"])), (Some(3 * 86_400), morning() + Duration::days(3)), "opened under 3 days, kept");
    let new = reading(t.follow_up(&crew.advisor, second.page["follow_up_id"].as_str().unwrap()).await);
    assert_eq!((new["budget_secs"].as_i64(), instant(&new["due_at"])), (Some(86_400), morning() + Duration::hours(25)));
}

#[tokio::test]
async fn a_calendar_in_an_unknown_time_zone_or_a_holiday_file_with_a_bad_line_is_refused() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    let limits = t.ok(&crew.manager, "get_time_limits", json!({})).await;
    assert_eq!((limits["calendar"]["time_zone"].as_str(), limits["calendar_id"].clone()), (Some("Asia/Shanghai"), Value::Null), "the standard calendar");
    let mut calendar = limits["calendar"].clone();
    calendar["time_zone"] = json!("Mars/Olympus_Mons");
    let e = t.call(&crew.manager, "save_calendar", calendar.clone()).await.unwrap_err();
    assert_eq!(code_field(&e), ("calendar.time_zone", Some("time_zone")));
    calendar["time_zone"] = json!("Asia/Urumqi");
    assert_eq!(t.call(&crew.advisor, "save_calendar", calendar.clone()).await.unwrap_err().code, "auth.forbidden");
    let saved = t.ok(&crew.manager, "save_calendar", calendar).await;
    assert_eq!((saved["calendar"]["time_zone"].as_str(), saved["calendar_id"].is_string()), (Some("Asia/Urumqi"), true));

    let e = t.call(&crew.manager, "load_holidays", json!({"text": "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,不存在\n"})).await.unwrap_err();
    assert_eq!(e.code, "calendar.file_line");
    assert!(e.message.starts_with("Line 3"), "the message names the line: {e:?}");
    assert_eq!(e.field.as_deref(), Some("text"), "shown beside the file's text");
    assert_eq!(e.params.get("line").map(String::as_str), Some("3"), "the screen says which line");
    let e = t.call(&crew.manager, "load_holidays", json!({"text": "2027-01-01,vacation\n"})).await.unwrap_err();
    assert!(e.message.starts_with("Line 1"), "{e:?}");

    let loaded = t.ok(&crew.manager, "load_holidays", json!({"text": "2027-01-01,holiday,元旦\n2027-02-07,workday,调休\n"})).await;
    assert_eq!((loaded["calendar"]["holidays"].clone(), loaded["calendar"]["makeup_days"].clone()), (json!(["2027-01-01"]), json!(["2027-02-07"])));
    assert_eq!(loaded["calendar"]["time_zone"], "Asia/Urumqi", "merged into the calendar in force");
}

#[tokio::test]
async fn a_working_hours_resolution_limit_counts_only_opening_hours_under_the_calendar_the_complaint_opened_with() {
    let t = TestStation::new().await;
    let crew = t.crew().await;
    // Friday 2026-11-27 17:00 in Shanghai.
    let friday_5pm = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
    t.set_now(friday_5pm);
    let manager = t.login_as("王经理", "1111").await;
    t.ok(&manager, "update_time_limit", json!({"kind": "complaint_resolution", "budget_minutes": 240, "basis": "working"})).await;
    let before_holiday = Ticket::open(&t, &manager, complaint_input(&crew.customer, "svc.time.late", "normal")).await;
    // The standard calendar: Mon–Fri 08:30–12:00 and 13:30–18:00, Sat 09:00–17:00.
    // Four working hours from Friday 17:00: 17:00–18:00 Friday, then 09:00–12:00 Saturday → Saturday 12:00 (04:00 UTC).
    let resolution = before_holiday.reading("resolution");
    assert_eq!((resolution["budget_secs"].as_i64(), resolution["policy"]["basis"].as_str()), (Some(4 * 3600), Some("working")));
    assert_eq!(instant(&resolution["due_at"]), Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap());
    assert_eq!(instant(&before_holiday.reading("first_response")["due_at"]), friday_5pm + Duration::hours(24), "the first response stays on the wall clock");

    // Saturday becomes a holiday: a complaint opened now skips it. 1 h Friday, then Monday 08:30–11:30 → Monday 11:30 (03:30 UTC).
    t.ok(&manager, "load_holidays", json!({"text": "2026-11-28,holiday,测试假日\n"})).await;
    let after_holiday = Ticket::open(&t, &manager, complaint_input(&crew.customer, "svc.time.late", "normal")).await;
    assert_eq!(instant(&after_holiday.reading("resolution")["due_at"]), Utc.with_ymd_and_hms(2026, 11, 30, 3, 30, 0).unwrap());

    // Saturday 10:00: the first still counts Saturday (its calendar had no holiday), the second does not.
    t.set_now(Utc.with_ymd_and_hms(2026, 11, 28, 2, 0, 0).unwrap());
    let manager = t.login_as("王经理", "1111").await;
    let before_holiday = Ticket::of(&t, &manager, &before_holiday.id()).await;
    let after_holiday = Ticket::of(&t, &manager, &after_holiday.id()).await;
    assert_eq!(before_holiday.reading("resolution")["elapsed_secs"], 2 * 3600, "17:00–18:00 Friday and 09:00–10:00 Saturday");
    assert_eq!(after_holiday.reading("resolution")["elapsed_secs"], 3600, "17:00–18:00 Friday only");
    assert_eq!(instant(&before_holiday.reading("resolution")["due_at"]), Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap());
    assert_eq!(after_holiday.reading("first_response")["elapsed_secs"], 17 * 3600, "the wall clock counted the night");
}
