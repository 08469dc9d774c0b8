//! Adds a head-office note to a station's complaint through
//! `store::complaints::add_complaint_note`, the function the console's route
//! will call, so the browser test of the station's complaint page
//! (tests/e2e/head-office-notes.test.mjs) has a note to pull before that route
//! exists. Not part of the `headoffice` binary.
//!
//! ```sh
//! HEADOFFICE__DATABASE_URL=postgres://… cargo run -p headoffice --example complaint_note -- \
//!     SH01 <complaint id> note|instruction "<author>" "<text>"
//! ```

use anyhow::{bail, Context};
use headoffice::store::complaints::{add_complaint_note, Author, NoteKind};
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [station, complaint, kind, author, text] = args.as_slice() else {
        bail!("usage: complaint_note STATION_CODE COMPLAINT_ID note|instruction AUTHOR TEXT");
    };
    let kind = match kind.as_str() {
        "note" => NoteKind::Note,
        "instruction" => NoteKind::Instruction,
        other => bail!("the kind is note or instruction, not {other:?}"),
    };
    let url = std::env::var("HEADOFFICE__DATABASE_URL").context("HEADOFFICE__DATABASE_URL names the head office's database")?;
    let pool = sqlx::PgPool::connect(&url).await?;
    let station_id: Uuid =
        sqlx::query_scalar("SELECT station_id FROM stations WHERE code = $1").bind(station).fetch_optional(&pool).await?.context("no such station")?;
    let author = Author { user_id: Uuid::now_v7(), display_name: author.clone() };
    let note = add_complaint_note(&pool, station_id, complaint, kind, text, &author, chrono::Utc::now()).await?;
    println!("{}", note.id);
    Ok(())
}
