//! The three-level complaint category tree (三级分类, e.g. 服务 → 服务态度 →
//! 接待不及时). The defaults ship in the migration; the head office can set its
//! tree with the setting `complaint_categories`, and a station may add its own
//! entries at the top or under a first- or second-level entry (three levels at
//! most). A complaint is filed under a third-level entry.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::text;
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, Invalid, Result};
use crate::station::{new_id, ts, Station};
use crate::store::{db, outbox};

#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
pub struct Category {
    pub id: String,
    pub parent_id: Option<String>,
    #[ts(type = "number")]
    pub level: i64,
    pub name_zh: String,
    pub name_en: String,
    /// `default`, `head_office` or `station`.
    pub source: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Categories {
    /// Every entry, parents before children, in display order.
    pub categories: Vec<Category>,
    /// Whether the caller may add entries.
    pub can_edit: bool,
}

async fn all(conn: &mut SqliteConnection) -> Result<Vec<Category>> {
    Ok(sqlx::query_as("SELECT id, parent_id, level, name_zh, name_en, source, active FROM complaint_categories ORDER BY level, position, name_zh")
        .fetch_all(conn)
        .await?)
}

pub async fn list_complaint_categories(station: &Station, caller: &Caller, _input: crate::ops::NoInput) -> Result<Categories> {
    let me = caller.require(Permission::Read)?;
    let mut conn = station.pool().acquire().await?;
    Ok(Categories { categories: all(&mut conn).await?, can_edit: Permission::ConfigureStation.allows(me.role) })
}

/// The entries from the top down to `id`, retired or not; `None` when one is
/// missing or there are more than three levels.
pub(crate) async fn chain(conn: &mut SqliteConnection, id: &str) -> Result<Option<Vec<Category>>> {
    let mut path = Vec::new();
    let mut next = Some(id.to_string());
    while let Some(cur) = next {
        let c: Option<Category> = sqlx::query_as("SELECT id, parent_id, level, name_zh, name_en, source, active FROM complaint_categories WHERE id = ?")
            .bind(&cur)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(c) = c else { return Ok(None) };
        next = c.parent_id.clone();
        path.insert(0, c);
        if path.len() > 3 {
            return Ok(None);
        }
    }
    Ok(Some(path))
}

/// The three names of a third-level entry, top first; refused (naming `field`) if unknown or not a leaf.
pub(crate) async fn path_of(conn: &mut SqliteConnection, id: &str, field: &str) -> Result<Vec<Category>> {
    let unknown = || ApiError::field(field, Invalid::new("complaint.category_unknown", "choose a category from the list"));
    let path = chain(conn, id).await?.ok_or_else(unknown)?;
    if path.len() != 3 {
        return Err(ApiError::field(field, Invalid::new("complaint.category_level", "choose a third-level category")));
    }
    if path.iter().any(|c| !c.active) {
        return Err(ApiError::field(field, Invalid::new("complaint.category_retired", "this category is no longer used; choose another")));
    }
    Ok(path)
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewCategory {
    pub parent_id: Option<String>,
    pub name_zh: String,
    pub name_en: String,
}

/// A station's own entry under an existing one (or a new top level).
pub async fn add_complaint_category(station: &Station, caller: &Caller, input: NewCategory) -> Result<Categories> {
    let me = caller.require(Permission::ConfigureStation)?;
    let name_zh = text("name_zh", &input.name_zh, true)?;
    let name_en = text("name_en", &input.name_en, false)?;
    for (field, name, max) in [("name_zh", &name_zh, 40), ("name_en", &name_en, 60)] {
        if name.chars().count() > max {
            return Err(ApiError::field(field, Invalid::new("text.too_long", format!("a category name is at most {max} characters")).with("max", max)));
        }
    }
    let now = station.now();
    let mut tx = db::write_tx(station.pool()).await?;
    let level = match &input.parent_id {
        Some(p) => {
            let parent: Option<i64> = sqlx::query_scalar("SELECT level FROM complaint_categories WHERE id = ?").bind(p).fetch_optional(&mut *tx).await?;
            match parent {
                Some(l) if l < 3 => l + 1,
                Some(_) => return Err(ApiError::field("parent_id", Invalid::new("complaint.category_level", "there are three levels at most"))),
                None => return Err(ApiError::field("parent_id", Invalid::new("complaint.category_unknown", "choose a category from the list"))),
            }
        }
        None => 1,
    };
    let id = new_id();
    let name_en = if name_en.is_empty() { name_zh.clone() } else { name_en };
    sqlx::query(
        "INSERT INTO complaint_categories (id, parent_id, level, name_zh, name_en, source, position, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'station', 100, ?, ?)",
    )
    .bind(&id)
    .bind(&input.parent_id)
    .bind(level)
    .bind(&name_zh)
    .bind(&name_en)
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    let record: Category = sqlx::query_as("SELECT id, parent_id, level, name_zh, name_en, source, active FROM complaint_categories WHERE id = ?")
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
    outbox::append(&mut tx, &me.station_id, "complaint_category", &id, outbox::Op::Upsert, &record, now).await?;
    let categories = all(&mut tx).await?;
    tx.commit().await?;
    Ok(Categories { categories, can_edit: true })
}

/// The head office's tree (setting `complaint_categories`: a list of `{id, parent_id, name_zh, name_en, active}`,
/// parents first; `active` absent means active). Its entries are written or updated, `active: false` ones
/// retired, as are entries it no longer lists: never deleted, complaints point at them. The station's own
/// entries are left alone.
pub(crate) async fn apply_head_office_tree(conn: &mut SqliteConnection, value: &serde_json::Value, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let Some(list) = value.as_array() else { return Ok(()) };
    let mut seen = Vec::new();
    for (pos, entry) in list.iter().enumerate() {
        let s = |k: &str| entry.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
        let (Some(id), Some(name_zh)) = (s("id"), s("name_zh")) else { continue };
        let parent = s("parent_id");
        let level: i64 = match &parent {
            Some(p) => match sqlx::query_scalar::<_, i64>("SELECT level FROM complaint_categories WHERE id = ?").bind(p).fetch_optional(&mut *conn).await? {
                Some(l) if l < 3 => l + 1,
                _ => continue,
            },
            None => 1,
        };
        sqlx::query(
            "INSERT INTO complaint_categories (id, parent_id, level, name_zh, name_en, source, active, position, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 'head_office', ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, level = excluded.level, name_zh = excluded.name_zh, name_en = excluded.name_en,
                 source = 'head_office', active = excluded.active, position = excluded.position, updated_at = excluded.updated_at",
        )
        .bind(&id)
        .bind(&parent)
        .bind(level)
        .bind(&name_zh)
        .bind(s("name_en").unwrap_or_else(|| name_zh.clone()))
        .bind(entry.get("active").and_then(serde_json::Value::as_bool).unwrap_or(true))
        .bind(pos as i64)
        .bind(ts(now))
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
        seen.push(id);
    }
    let seen = serde_json::to_string(&seen).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "UPDATE complaint_categories SET active = 0, updated_at = ? WHERE source IN ('default', 'head_office') AND id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(ts(now))
    .bind(seen)
    .execute(conn)
    .await?;
    Ok(())
}
