//! The pull feed's log: one row per record, moved to the end on every change.
//! See the comment on `change_log` in the migration for why rows are ordered by
//! their transaction id and read only below the oldest running transaction.

use sqlx::PgConnection;
use uuid::Uuid;

pub const GLOBAL: &str = "global";
pub const STATION: &str = "station";
pub const SHARED: &str = "shared";

/// Records that `keys` (entity, entity_id) changed, in the caller's transaction.
pub async fn log(conn: &mut PgConnection, scope: &str, owner: Uuid, keys: &[(String, String)]) -> sqlx::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut sorted: Vec<&(String, String)> = keys.iter().collect();
    sorted.sort();
    sorted.dedup();
    let (entities, ids): (Vec<&str>, Vec<&str>) = sorted.iter().map(|(e, i)| (e.as_str(), i.as_str())).unzip();
    sqlx::query(
        "INSERT INTO change_log (scope, owner, entity, entity_id, tx, change_id)
         SELECT $1, $2, u.e, u.i, pg_current_xact_id()::text::bigint, nextval('change_log_ids')
         FROM UNNEST($3::text[], $4::text[]) WITH ORDINALITY AS u(e, i, n) ORDER BY u.n
         ON CONFLICT (owner, scope, entity, entity_id) DO UPDATE SET tx = excluded.tx, change_id = excluded.change_id",
    )
    .bind(scope)
    .bind(owner)
    .bind(&entities)
    .bind(&ids)
    .execute(conn)
    .await?;
    Ok(())
}
