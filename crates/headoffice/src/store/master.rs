//! Master data (labor catalog, parts, recall campaigns, settings): written by
//! head-office admins, read by every station through the feed. A load is one
//! transaction; rows whose payload did not change do not re-enter the feed.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::changelog;

pub const LABOR: &str = "labor_catalog";
pub const PARTS: &str = "parts_catalog";
pub const RECALL: &str = "recall_campaign";
pub const SETTING: &str = "setting";

/// Upserts `rows` (entity_id, payload) of `entity`. Returns how many changed.
pub async fn upsert(pool: &PgPool, entity: &str, rows: &[(String, Value)]) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    let changed = upsert_in(&mut tx, entity, rows).await?.len();
    tx.commit().await?;
    Ok(changed)
}

/// Upserts in the caller's transaction (with its change-log rows); returns the ids that changed.
pub async fn upsert_in(conn: &mut PgConnection, entity: &str, rows: &[(String, Value)]) -> sqlx::Result<Vec<String>> {
    let mut changed = Vec::new();
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
        .fetch_all(&mut *conn)
        .await?;
        let keys: Vec<(String, String)> = written.iter().map(|i| (entity.to_string(), i.clone())).collect();
        changelog::log(conn, changelog::GLOBAL, Uuid::nil(), &keys).await?;
        changed.extend(written);
    }
    Ok(changed)
}

/// Marks one record deleted (stations get a delete); its payload stays for the
/// audit. Returns the payload it had, `None` when there was no live record.
pub async fn tombstone(conn: &mut PgConnection, entity: &str, id: &str) -> sqlx::Result<Option<Value>> {
    let before: Option<sqlx::types::Json<Value>> = sqlx::query_scalar(
        "UPDATE master_records SET deleted = true, updated_at = now() WHERE entity = $1 AND entity_id = $2 AND NOT deleted RETURNING payload",
    )
    .bind(entity)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if before.is_some() {
        changelog::log(conn, changelog::GLOBAL, Uuid::nil(), &[(entity.to_string(), id.to_string())]).await?;
    }
    Ok(before.map(|j| j.0))
}

/// One live record's payload.
pub async fn get(conn: &mut PgConnection, entity: &str, id: &str) -> sqlx::Result<Option<Value>> {
    let p: Option<sqlx::types::Json<Value>> = sqlx::query_scalar("SELECT payload FROM master_records WHERE entity = $1 AND entity_id = $2 AND NOT deleted")
        .bind(entity)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(p.map(|j| j.0))
}

/// A page of live records of `entity` whose id or payload text contains
/// `search` (any case), by id; and how many match in all.
pub async fn page(pool: &PgPool, entity: &str, search: &str, offset: i64, limit: i64) -> sqlx::Result<(Vec<(String, Value, DateTime<Utc>)>, i64)> {
    let rows: Vec<(String, sqlx::types::Json<Value>, DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT entity_id, payload, updated_at, count(*) OVER () FROM master_records
         WHERE entity = $1 AND NOT deleted AND ($2 = '' OR strpos(lower(entity_id || ' ' || payload::text), lower($2)) > 0)
         ORDER BY entity_id OFFSET $3 LIMIT $4",
    )
    .bind(entity)
    .bind(search)
    .bind(offset)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let total = rows.first().map(|r| r.3).unwrap_or(0);
    Ok((rows.into_iter().map(|(i, p, at, _)| (i, p.0, at)).collect(), total))
}
