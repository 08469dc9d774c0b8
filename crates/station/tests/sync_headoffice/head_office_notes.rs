//! Head-office notes on a complaint (总部意见): a complaint opened at the
//! station goes up, the head office's quality manager adds a note and an
//! instruction (`headoffice::store::complaints`), and the station's next pull
//! shows them on the complaint page, once, beside its own records, which stay
//! as they were. A reinstalled station gets them back.

use super::*;
use common::aftersales::{complaint_input, Ticket};
use headoffice::store::complaints::{self as ho_complaints, Author, NoteKind};

async fn station_id(ho: &HeadOffice, code: &str) -> uuid::Uuid {
    sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(code).fetch_one(&ho.pool).await.unwrap()
}

/// The station's own rows of the complaint: the complaint, its timeline, its clocks.
async fn own_rows(t: &TestStation) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    for table in ["complaints", "complaint_events", "item_clocks"] {
        out.push(super::restore::rows(t, table, &[]).await);
    }
    out
}

fn notes(page: &Value) -> Vec<(String, String, String)> {
    page["head_office_notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap().into(), n["text"].as_str().unwrap().into(), n["author_name"].as_str().unwrap().into()))
        .collect()
}

#[tokio::test]
async fn a_head_office_note_reaches_the_complaint_page_once_and_the_stations_complaint_and_timeline_stay_as_they_were() {
    let ho = HeadOffice::start().await;
    let t = station("SH01").await;
    let crew = t.crew().await;
    ho.enroll(&t, "SH01").await;
    let mut c = Ticket::open(&t, &crew.advisor, complaint_input(&crew.customer, "svc.attitude.slow", "normal")).await;
    t.advance(chrono::Duration::minutes(20));
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "call", "text": "已致电客户，约明天到店"})).await;
    sync_ok(&t).await;
    let id = c.id();
    assert!(c.page["head_office_notes"].as_array().unwrap().is_empty(), "none yet");

    let sh01 = station_id(&ho, "SH01").await;
    let quality = Author { user_id: uuid::Uuid::now_v7(), display_name: "质量经理 周敏".into() };
    let written = t.now() + chrono::Duration::minutes(5);
    ho_complaints::add_complaint_note(&ho.pool, sh01, &id, NoteKind::Note, "总部已收到客户的12345热线投诉", &quality, written).await.unwrap();
    ho_complaints::add_complaint_note(
        &ho.pool,
        sh01,
        &id,
        NoteKind::Instruction,
        "请48小时内上门回访并上报处理结果",
        &quality,
        written + chrono::Duration::minutes(1),
    )
    .await
    .unwrap();
    let (before, outbox_before) = (own_rows(&t).await, outbox_max(&t).await);

    sync_ok(&t).await;
    c.reload(&crew.advisor).await;
    assert_eq!(
        notes(&c.page),
        [
            ("instruction".into(), "请48小时内上门回访并上报处理结果".into(), "质量经理 周敏".into()),
            ("note".into(), "总部已收到客户的12345热线投诉".into(), "质量经理 周敏".into())
        ],
        "newest first"
    );
    assert_eq!(c.page["head_office_notes"][1]["created_at"], common::aftersales::stamp(written));
    assert_eq!(own_rows(&t).await, before, "the complaint, its timeline and its clocks are untouched");
    assert_eq!(outbox_max(&t).await, outbox_before, "nothing to send back: the notes are the head office's");
    let timeline: Vec<&str> = c.page["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(timeline, ["received", "contact_call"], "the notes are not timeline events");

    sync_ok(&t).await;
    assert_eq!(t.count("SELECT COUNT(*) FROM ho_complaint_notes").await, 2, "a second pull adds nothing");
    c.reload(&crew.advisor).await;
    assert_eq!(notes(&c.page).len(), 2);

    // The station goes on with its complaint; its next push is accepted and the notes at the head office stay the head office's.
    c.step(&crew.advisor, json!({"kind": "note", "text": "已按总部要求安排上门"})).await;
    sync_ok(&t).await;
    assert_eq!(ho.scalar("SELECT count(*) FROM rejections").await, 0);
    let listed = ho_complaints::complaint_detail(&ho.pool, None, sh01, &id, t.now()).await.unwrap();
    assert_eq!(listed.head_office_notes.len(), 2);
    assert_eq!(listed.timeline.last().map(|e| e.text.as_str()), Some("已按总部要求安排上门"));
}

#[tokio::test]
async fn a_reinstalled_station_gets_the_head_offices_notes_back_and_a_note_that_arrives_before_its_complaint_waits_for_it() {
    let ho = HeadOffice::start().await;
    let old = station("SH01").await;
    let crew = old.crew().await;
    ho.enroll(&old, "SH01").await;
    let mut c = Ticket::open(&old, &crew.advisor, complaint_input(&crew.customer, "qual.repair.repeat", "urgent")).await;
    sync_ok(&old).await;
    let id = c.id();
    let sh01 = station_id(&ho, "SH01").await;
    let quality = Author { user_id: uuid::Uuid::now_v7(), display_name: "Zhou Min (Quality)".into() };
    let note =
        ho_complaints::add_complaint_note(&ho.pool, sh01, &id, NoteKind::Instruction, "Call the customer back today.", &quality, old.now()).await.unwrap();
    // The complaint changes after the note, so the compacted feed carries it after the note.
    old.advance(chrono::Duration::minutes(10));
    c.step(&crew.advisor, json!({"kind": "contact", "mode": "call", "text": "Called back as asked."})).await;
    sync_ok(&old).await;
    c.reload(&crew.advisor).await;
    assert_eq!(notes(&c.page), [("instruction".into(), "Call the customer back today.".into(), "Zhou Min (Quality)".into())]);

    let (new, report) = super::restore::reinstall(&ho, "SH01", old.now()).await;
    assert_eq!(report.pull.parked, 0, "{:?}", report.pull);
    let page = new.ok(&new.manager, "get_complaint", json!({"id": id})).await;
    assert_eq!(page["head_office_notes"], c.page["head_office_notes"]);
    assert_eq!(page["timeline"], c.page["timeline"]);

    // A feed whose page ends after the note, before its complaint: the note waits, then comes in with the rest.
    let third = station("SH01").await;
    ho.enroll(&third, "SH01").await;
    let hlc: String = sqlx::query_scalar("SELECT hlc FROM records WHERE entity = 'ho_complaint_note' AND entity_id = $1")
        .bind(note.id.to_string())
        .fetch_one(&ho.pool)
        .await
        .unwrap();
    let entry = sync_protocol::FeedChange {
        scope: sync_protocol::Scope::Station,
        entity: "ho_complaint_note".into(),
        entity_id: note.id.to_string(),
        op: sync_protocol::Op::Upsert,
        payload: serde_json::to_value(&note).unwrap(),
        field_hlcs: None,
        deleted_hlc: None,
        hlc: Some(hlc.parse().unwrap()),
        history: None,
    };
    let lone = sync_protocol::ChangesPage { changes: vec![entry], next_cursor: String::new(), has_more: false, server_time_ms: 0 };
    let mut out = sync::pull::PullOutcome::default();
    sync::pull::apply_page(&third.station, &lone, &mut out).await.unwrap();
    assert_eq!((out.parked, third.count("SELECT COUNT(*) FROM ho_complaint_notes").await), (1, 0), "parked: its complaint is not here yet");
    let report = sync_ok(&third).await;
    assert_eq!(report.pull.parked, 0, "{:?}", report.pull);
    let page = third.ok(&third.manager, "get_complaint", json!({"id": id})).await;
    assert_eq!(page["head_office_notes"], c.page["head_office_notes"]);
}

/// Why a new entity needs no protocol version (sync_protocol::entity): a
/// station that does not know an entity skips its feed entries, whatever
/// their scope, and its pull goes on.
#[tokio::test]
async fn a_feed_entry_of_an_entity_this_station_does_not_know_is_skipped_and_the_pull_goes_on() {
    let t = station("SH01").await;
    let entry = |scope, entity: &str| sync_protocol::FeedChange {
        scope,
        entity: entity.into(),
        entity_id: "x1".into(),
        op: sync_protocol::Op::Upsert,
        payload: json!({"id": "x1", "text": "from a newer head office"}),
        field_hlcs: None,
        deleted_hlc: None,
        hlc: Some("001760000000000-0000000000-headoffice".parse().unwrap()),
        history: None,
    };
    let page = sync_protocol::ChangesPage {
        changes: vec![entry(sync_protocol::Scope::Station, "ho_newer_record"), entry(sync_protocol::Scope::Global, "newer_master_data")],
        next_cursor: "next".into(),
        has_more: false,
        server_time_ms: 0,
    };
    let mut out = sync::pull::PullOutcome::default();
    sync::pull::apply_page(&t.station, &page, &mut out).await.unwrap();
    assert_eq!((out.own, out.restored, out.parked), (1, 0, 0), "{out:?}");
    let cursor: Option<String> = sqlx::query_scalar("SELECT cursor FROM sync_state").fetch_one(t.station.pool()).await.unwrap();
    assert_eq!(cursor.as_deref(), Some("next"), "the cursor moves on past them");
}
