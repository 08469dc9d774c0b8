//! The complaint category tree (三级分类) edited as a tree in the console, by
//! administrators and quality managers. It is read from and saved as the setting
//! `complaint_categories`, unchanged in shape, so stations pull it as before;
//! `crate::categories` checks it. A save writes its audit row and its
//! change-log row in one transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use ts_rs::TS;
use uuid::Uuid;

use super::audit::{self, Target};
use super::error::ConsoleResult;
use super::roles::{require, Action};
use super::sessions::ConsoleSession;
use crate::categories::{self, CategoryNode, CategoryNodeInput, FlatEntry, Ids};
use crate::store::master;

/// Where the tree shown comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TreeSource {
    /// Nothing saved yet: the tree stations ship with. Saving makes it the head office's.
    BuiltIn,
    HeadOffice,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CategoryTree {
    pub categories: Vec<CategoryNode>,
    pub source: TreeSource,
    /// When the head office's tree was last saved.
    #[ts(type = "string | null")]
    pub updated_at: Option<DateTime<Utc>>,
    /// How deep the tree goes (an entry at this level takes no children).
    #[ts(type = "number")]
    pub levels: u8,
}

/// The whole tree, as the editor holds it.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CategoryTreeInput {
    pub categories: Vec<CategoryNodeInput>,
}

fn tree(entries: &[FlatEntry], source: TreeSource, updated_at: Option<DateTime<Utc>>) -> CategoryTree {
    CategoryTree { categories: categories::to_tree(entries), source, updated_at, levels: categories::LEVELS }
}

async fn stored(conn: &mut sqlx::PgConnection) -> sqlx::Result<Option<(serde_json::Value, DateTime<Utc>)>> {
    sqlx::query_as::<_, (sqlx::types::Json<serde_json::Value>, DateTime<Utc>)>(
        "SELECT payload, updated_at FROM master_records WHERE entity = $1 AND entity_id = $2 AND NOT deleted",
    )
    .bind(master::SETTING)
    .bind(categories::SETTING_KEY)
    .fetch_optional(conn)
    .await
    .map(|r| r.map(|(p, at)| (p.0, at)))
}

pub async fn get(pool: &PgPool, session: &ConsoleSession) -> ConsoleResult<CategoryTree> {
    require(session.user.role, Action::ManageComplaintCategories)?;
    let mut conn = pool.acquire().await?;
    Ok(match stored(&mut conn).await? {
        Some((payload, at)) => tree(&categories::stored_entries(Some(&payload)).unwrap_or_default(), TreeSource::HeadOffice, Some(at)),
        None => tree(&categories::built_in(), TreeSource::BuiltIn, None),
    })
}

/// Replaces the tree. Every id it had stays (under its parent); new entries get ids here.
pub async fn put(pool: &PgPool, session: &ConsoleSession, input: CategoryTreeInput, now: DateTime<Utc>) -> ConsoleResult<CategoryTree> {
    require(session.user.role, Action::ManageComplaintCategories)?;
    let mut tx = pool.begin().await?;
    // One save at a time: the second sees the first's ids as ones to keep.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('complaint_categories'))").execute(&mut *tx).await?;
    let before = stored(&mut tx).await?.map(|(p, _)| p);
    let known = match categories::stored_entries(before.as_ref()) {
        Some(entries) => categories::known(&entries),
        None => categories::known(&categories::built_in()),
    };
    // The random tail of a v7 uuid: short, and unique enough that the retry in `check` is rare.
    let mut suffix = || Uuid::now_v7().simple().to_string()[24..].to_string();
    let entries = categories::check(&input.categories, &known, Ids::Console { suffix: &mut suffix })?;
    let payload = json!({"key": categories::SETTING_KEY, "value": entries});
    let changed = master::upsert_in(&mut tx, master::SETTING, &[(categories::SETTING_KEY.to_string(), payload.clone())]).await?;
    if !changed.is_empty() {
        let verb = if before.is_some() { "update" } else { "create" };
        let target = Target { kind: master::SETTING, id: categories::SETTING_KEY.to_string() };
        audit::record(&mut tx, &session.actor(), now, &format!("master.setting.{verb}"), target, before, Some(payload)).await?;
    }
    tx.commit().await?;
    Ok(tree(&entries, TreeSource::HeadOffice, Some(now)))
}
