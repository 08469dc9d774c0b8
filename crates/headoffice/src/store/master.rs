//! Master data (labor catalog, parts, recall campaigns, settings): written by
//! head-office admins, read by every station through the feed. A load is one
//! transaction; rows whose payload did not change do not re-enter the feed.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::changelog;

/// Upserts `rows` (entity_id, payload) of `entity`. Returns how many changed.
pub async fn upsert(pool: &PgPool, entity: &str, rows: &[(String, Value)]) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    let mut changed = 0;
    for chunk in rows.chunks(10_000) {
        let ids: Vec<&str> = chunk.iter().map(|(i, _)| i.as_str()).collect();
        let payloads: Vec<String> = chunk.iter().map(|(_, p)| p.to_string()).collect();
        let written: Vec<String> = sqlx::query_scalar(
            "INSERT INTO master_records (entity, entity_id, payload) SELECT $1, u.i, u.p::jsonb FROM UNNEST($2::text[], $3::text[]) AS u(i, p)
             ON CONFLICT (entity, entity_id) DO UPDATE SET payload = excluded.payload, deleted = false, updated_at = now()
             WHERE master_records.payload IS DISTINCT FROM excluded.payload OR master_records.deleted
             RETURNING entity_id",
        )
        .bind(entity)
        .bind(&ids)
        .bind(&payloads)
        .fetch_all(&mut *tx)
        .await?;
        changed += written.len();
        let keys: Vec<(String, String)> = written.into_iter().map(|i| (entity.to_string(), i)).collect();
        changelog::log(&mut tx, changelog::GLOBAL, Uuid::nil(), &keys).await?;
    }
    tx.commit().await?;
    Ok(changed)
}
