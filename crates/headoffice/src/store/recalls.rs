//! Recall completion, computed in PostgreSQL: for one campaign, the VINs it
//! covers and which of them a station has done (the `ro_recall` records pushed
//! with the orders), counted and listed a page at a time, never loaded whole.
//!
//! Covered VINs: a listed VIN always counts; a VIN range counts only the
//! vehicles on file at a station (nobody knows the rest of the range's cars).
//! Scoped to some stations (a regional manager), both become "vehicles on file
//! at those stations", and only their completions count as done.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// The covered VINs and the done ones, for `$1` (campaign id) and `$2` (the
/// stations in scope; NULL for all). Prefixes both queries below.
macro_rules! covered_and_done {
    () => {
        "WITH c AS (SELECT payload FROM master_records WHERE entity = 'recall_campaign' AND entity_id = $1 AND NOT deleted),
         listed AS (SELECT DISTINCT jsonb_array_elements_text(c.payload->'vins') AS vin FROM c),
         ranges AS (SELECT r->>'from' AS vf, r->>'to' AS vt FROM c, jsonb_array_elements(c.payload->'vin_ranges') AS r),
         seen AS (
             SELECT v.entity_id, v.fields->>'vin' AS vin FROM listed l
             JOIN shared_records v ON v.entity = 'vehicle' AND (v.fields->>'vin') COLLATE \"C\" = l.vin
             UNION
             SELECT v.entity_id, v.fields->>'vin' FROM ranges r
             JOIN shared_records v ON v.entity = 'vehicle'
                  AND (v.fields->>'vin') COLLATE \"C\" >= r.vf AND (v.fields->>'vin') COLLATE \"C\" <= r.vt
         ),
         done AS (
             SELECT DISTINCT ON (d.payload->>'vin') d.payload->>'vin' AS vin, d.station_id, d.payload->>'ro_number' AS ro_number,
                    d.payload->>'performed_at' AS performed_at
             FROM records d
             WHERE d.entity = 'ro_recall' AND d.payload->>'campaign_id' = $1 AND NOT d.deleted AND ($2::uuid[] IS NULL OR d.station_id = ANY($2))
             ORDER BY d.payload->>'vin', d.payload->>'performed_at'
         ),
         covered AS (
             SELECT vin FROM listed WHERE $2::uuid[] IS NULL
             UNION
             SELECT s.vin FROM seen s
             WHERE $2::uuid[] IS NULL
                OR EXISTS (SELECT 1 FROM shared_access a WHERE a.entity = 'vehicle' AND a.entity_id = s.entity_id AND a.station_id = ANY($2))
             UNION
             SELECT vin FROM done
         ) "
    };
}

/// The counts: covered VINs and done ones (`$1` campaign, `$2` scope).
pub const COUNTS: &str = concat!(covered_and_done!(), "SELECT count(*), count(d.vin) FROM covered c LEFT JOIN done d ON d.vin = c.vin");

/// Which VINs a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinFilter {
    All,
    Done,
    Open,
}

impl VinFilter {
    fn as_str(self) -> &'static str {
        match self {
            VinFilter::All => "all",
            VinFilter::Done => "done",
            VinFilter::Open => "open",
        }
    }
}

/// A covered VIN, and where it was done if it was.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VinRow {
    pub vin: String,
    pub station_id: Option<Uuid>,
    pub station_code: Option<String>,
    pub station_name: Option<String>,
    pub ro_number: Option<String>,
    pub performed_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Completion {
    /// The campaign as stored (title, vins, vin_ranges).
    pub campaign: Value,
    pub covered: i64,
    pub done: i64,
    /// One page of the VINs the filter keeps: open ones first, then by VIN.
    pub rows: Vec<VinRow>,
    /// How many VINs the filter keeps in all.
    pub matching: i64,
}

/// The completion of campaign `id` over the stations in `scope` (`None`: all);
/// `None` when there is no such live campaign.
pub async fn completion(
    pool: &PgPool,
    id: &str,
    scope: Option<&[Uuid]>,
    filter: VinFilter,
    vin_fragment: &str,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Option<Completion>> {
    // One snapshot for the counts and the page. The plan is cheap in fact but
    // estimated dear (the payload's fields have no statistics of their own),
    // which would make PostgreSQL compile it with JIT first: half a second
    // before the first row.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    sqlx::query("SET LOCAL jit = off").execute(&mut *tx).await?;
    let campaign: Option<sqlx::types::Json<Value>> =
        sqlx::query_scalar("SELECT payload FROM master_records WHERE entity = 'recall_campaign' AND entity_id = $1 AND NOT deleted")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(campaign) = campaign else {
        return Ok(None);
    };
    let (covered, done): (i64, i64) = sqlx::query_as(COUNTS).bind(id).bind(scope).fetch_one(&mut *tx).await?;
    let rows: Vec<(String, Option<Uuid>, Option<String>, Option<String>, Option<String>, Option<String>, i64)> = sqlx::query_as(concat!(
        covered_and_done!(),
        "SELECT c.vin, d.station_id, st.code, st.name, d.ro_number, d.performed_at, count(*) OVER ()
         FROM covered c LEFT JOIN done d ON d.vin = c.vin LEFT JOIN stations st ON st.station_id = d.station_id
         WHERE ($3 = 'all' OR ($3 = 'done') = (d.vin IS NOT NULL)) AND ($4 = '' OR strpos(c.vin, upper($4)) > 0)
         ORDER BY (d.vin IS NOT NULL), c.vin COLLATE \"C\" OFFSET $5 LIMIT $6"
    ))
    .bind(id)
    .bind(scope)
    .bind(filter.as_str())
    .bind(vin_fragment)
    .bind(offset)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let matching = rows.first().map(|r| r.6).unwrap_or(0);
    let rows = rows
        .into_iter()
        .map(|(vin, station_id, station_code, station_name, ro_number, performed_at, _)| VinRow {
            vin,
            station_id,
            station_code,
            station_name,
            ro_number,
            performed_at,
        })
        .collect();
    Ok(Some(Completion { campaign: campaign.0, covered, done, rows, matching }))
}
