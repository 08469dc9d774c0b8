//! Head-office notes and instructions on a station's complaint: written by
//! the console (or the `complaint_note` example the browser tests drive), kept
//! as a record under the complaint's station so only its pull feed carries it.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// For information.
    Note,
    /// Something the station is to do.
    Instruction,
}

/// Who writes a note: the console user (from the session).
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: Uuid,
    pub display_name: String,
}

/// A head-office note or instruction on a complaint; also its synced payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HeadOfficeNote {
    #[ts(type = "string")]
    pub id: Uuid,
    pub complaint_id: String,
    pub kind: NoteKind,
    pub text: String,
    pub author_name: String,
    #[ts(type = "string")]
    pub author_id: Uuid,
    /// RFC 3339 with milliseconds, `Z`: the form the stations write instants in.
    pub created_at: String,
}

/// Adds a note or instruction to a complaint of `station_id`, in one
/// transaction with its feed entry: the station receives it on its next pull.
/// The console's "add a head-office note" route (quality manager) calls
/// [`write_complaint_note`] instead, in the transaction of its audit entry.
pub async fn add_complaint_note(
    pool: &PgPool,
    station_id: Uuid,
    complaint_id: &str,
    kind: NoteKind,
    text: &str,
    author: &Author,
    now: DateTime<Utc>,
) -> Result<HeadOfficeNote> {
    let mut tx = pool.begin().await?;
    let note = write_complaint_note(&mut tx, station_id, complaint_id, kind, text, author, now).await?;
    tx.commit().await?;
    Ok(note)
}

/// [`add_complaint_note`] in the caller's transaction. Refuses a complaint the
/// head office does not hold for that station (`complaint_id`), and empty or
/// over-long text (`text`).
pub async fn write_complaint_note(
    conn: &mut PgConnection,
    station_id: Uuid,
    complaint_id: &str,
    kind: NoteKind,
    text: &str,
    author: &Author,
    now: DateTime<Utc>,
) -> Result<HeadOfficeNote> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ComplaintsError::invalid("text", "text.required", "write the note"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(ComplaintsError::invalid("text", "text.too_long", format!("a note is at most {MAX_NOTE_CHARS} characters")));
    }
    // FOR SHARE: the complaint cannot be deleted while its note is written.
    let known: Option<bool> =
        sqlx::query_scalar("SELECT true FROM records WHERE station_id = $1 AND entity = 'complaint' AND entity_id = $2 AND NOT deleted FOR SHARE")
            .bind(station_id)
            .bind(complaint_id)
            .fetch_optional(&mut *conn)
            .await?;
    if known.is_none() {
        return Err(ComplaintsError::NotFound { what: "complaint", field: "complaint_id" });
    }
    let note = HeadOfficeNote {
        id: Uuid::now_v7(),
        complaint_id: complaint_id.to_string(),
        kind,
        text: text.to_string(),
        author_name: author.display_name.clone(),
        author_id: author.user_id,
        created_at: stamp(now),
    };
    // The station feeds every HLC it pulls to its clock; the head office's own
    // records carry one from its clock too.
    let hlc =
        Hlc::from_parts(now.timestamp_millis().max(0) as u64, 0, HLC_NODE).map_err(|e| ComplaintsError::invalid("now", "clock.invalid", e.to_string()))?;
    sqlx::query("INSERT INTO records (station_id, entity, entity_id, payload, deleted, hlc) VALUES ($1, $2, $3, $4, false, $5)")
        .bind(station_id)
        .bind(NOTE_ENTITY)
        .bind(note.id.to_string())
        .bind(Json(&note))
        .bind(hlc.to_string())
        .execute(&mut *conn)
        .await?;
    changelog::log(conn, changelog::STATION, station_id, &[(NOTE_ENTITY.to_string(), note.id.to_string())]).await?;
    Ok(note)
}
