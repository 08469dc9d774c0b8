//! `/console/api/…`: the console's handlers. Each is one call into
//! `crate::console`, which checks, decides and writes; here is only HTTP.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::console::error::ConsoleResult;
use crate::console::input::Input;
use crate::console::sessions::Client;
use crate::console::{accounts, audit, categories, complaints, kpi_export, kpis, master, privacy, recalls, sessions, stations, ConsoleSession};
use crate::startup::AppState;

pub async fn login(State(state): State<AppState>, client: Client, Input(input): Input<sessions::LoginInput>) -> ConsoleResult<Response> {
    Ok(sessions::login(&state.pool, &state.config.console, &client, input, state.clock.now()).await?.into_response())
}

pub async fn logout(State(state): State<AppState>, session: ConsoleSession) -> ConsoleResult<Response> {
    Ok(sessions::logout(&state.pool, &session).await?.into_response())
}

pub async fn me(State(state): State<AppState>, session: ConsoleSession) -> ConsoleResult<Json<sessions::Me>> {
    Ok(Json(sessions::me(&state.pool, &session).await?))
}

pub async fn change_own_password(
    State(state): State<AppState>,
    session: ConsoleSession,
    client: Client,
    Input(input): Input<accounts::ChangeOwnPassword>,
) -> ConsoleResult<Json<accounts::User>> {
    Ok(Json(accounts::change_own_password(&state.pool, &state.config.console, &session, &client, input, state.clock.now()).await?))
}

pub async fn list_stations(State(state): State<AppState>, session: ConsoleSession) -> ConsoleResult<Json<stations::StationOverview>> {
    Ok(Json(stations::overview(&state.pool, &session, state.clock.now()).await?))
}

pub async fn create_station(
    State(state): State<AppState>,
    session: ConsoleSession,
    Input(input): Input<stations::NewStation>,
) -> ConsoleResult<Json<stations::IssuedCode>> {
    Ok(Json(stations::create(&state.pool, &session, input, state.config.enrollment_code_valid_hours, state.clock.now()).await?))
}

pub async fn get_station(State(state): State<AppState>, session: ConsoleSession, Path(id): Path<String>) -> ConsoleResult<Json<stations::StationRow>> {
    Ok(Json(stations::get(&state.pool, &session, &id, state.clock.now()).await?))
}

pub async fn issue_enrollment_code(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(id): Path<String>,
) -> ConsoleResult<Json<stations::IssuedCode>> {
    Ok(Json(stations::issue_enrollment_code(&state.pool, &session, &id, state.config.enrollment_code_valid_hours, state.clock.now()).await?))
}

pub async fn list_enrollment_codes(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(id): Path<String>,
) -> ConsoleResult<Json<stations::EnrollmentCodes>> {
    Ok(Json(stations::enrollment_codes(&state.pool, &session, &id, state.clock.now()).await?))
}

pub async fn revoke_station(State(state): State<AppState>, session: ConsoleSession, Path(id): Path<String>) -> ConsoleResult<Json<stations::Revoked>> {
    Ok(Json(stations::revoke(&state.pool, &session, &id, state.clock.now()).await?))
}

pub async fn set_station_region(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(id): Path<String>,
    Input(input): Input<stations::SetRegion>,
) -> ConsoleResult<Json<stations::StationRow>> {
    Ok(Json(stations::set_region(&state.pool, &session, &id, input, state.clock.now()).await?))
}

pub async fn list_users(State(state): State<AppState>, session: ConsoleSession) -> ConsoleResult<Json<accounts::UserList>> {
    Ok(Json(accounts::list(&state.pool, &session).await?))
}

pub async fn create_user(
    State(state): State<AppState>,
    session: ConsoleSession,
    Input(input): Input<accounts::NewUser>,
) -> ConsoleResult<Json<accounts::User>> {
    Ok(Json(accounts::create(&state.pool, &session, input, state.clock.now()).await?))
}

pub async fn update_user(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(id): Path<String>,
    Input(input): Input<accounts::UpdateUser>,
) -> ConsoleResult<Json<accounts::User>> {
    Ok(Json(accounts::update(&state.pool, &session, &id, input, state.clock.now()).await?))
}

pub async fn set_user_password(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(id): Path<String>,
    Input(input): Input<accounts::SetPassword>,
) -> ConsoleResult<Json<accounts::User>> {
    Ok(Json(accounts::set_password(&state.pool, &session, &id, input, state.clock.now()).await?))
}

pub async fn audit(State(state): State<AppState>, session: ConsoleSession, Query(query): Query<audit::AuditQuery>) -> ConsoleResult<Json<audit::AuditPage>> {
    Ok(Json(audit::list(&state.pool, &session, query).await?))
}

pub async fn kpis(State(state): State<AppState>, session: ConsoleSession, Query(query): Query<kpis::KpiQuery>) -> ConsoleResult<Json<kpis::KpiComparison>> {
    Ok(Json(kpis::compare(&state.pool, &session, query, state.clock.now()).await?))
}

pub async fn kpi_orders(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<kpis::KpiOrdersQuery>,
) -> ConsoleResult<Json<kpis::KpiOrders>> {
    Ok(Json(kpis::orders(&state.pool, &session, query).await?))
}

/// The file with its name, for the browser to save rather than show.
pub async fn kpi_export(State(state): State<AppState>, session: ConsoleSession, Query(query): Query<kpis::KpiQuery>) -> ConsoleResult<Response> {
    let file = kpi_export::export(&state.pool, &session, query, state.clock.now()).await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)], file.bytes).into_response())
}

pub async fn list_complaints(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<complaints::ComplaintsQuery>,
) -> ConsoleResult<Json<complaints::ComplaintPage>> {
    Ok(Json(complaints::list(&state.pool, &session, query, state.clock.now()).await?))
}

pub async fn get_complaint(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((station, id)): Path<(String, String)>,
) -> ConsoleResult<Json<complaints::ComplaintView>> {
    Ok(Json(complaints::get(&state.pool, &session, &station, &id, state.clock.now()).await?))
}

pub async fn add_complaint_note(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((station, id)): Path<(String, String)>,
    Input(input): Input<complaints::NewComplaintNote>,
) -> ConsoleResult<Json<crate::store::complaints::HeadOfficeNote>> {
    Ok(Json(complaints::add_note(&state.pool, &session, &station, &id, input, state.clock.now()).await?))
}

pub async fn list_master(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(kind): Path<String>,
    Query(query): Query<master::MasterQuery>,
) -> ConsoleResult<Json<master::MasterPage>> {
    Ok(Json(master::list(&state.pool, &session, &kind, query).await?))
}

pub async fn upsert_master(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(kind): Path<String>,
    Input(input): Input<master::MasterInput>,
) -> ConsoleResult<Json<master::MasterRecord>> {
    Ok(Json(master::upsert(&state.pool, &session, &kind, input, state.clock.now()).await?))
}

pub async fn upload_master(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(kind): Path<String>,
    Input(input): Input<master::MasterUpload>,
) -> ConsoleResult<Json<master::UploadResult>> {
    Ok(Json(master::upload(&state.pool, &session, &kind, input, state.clock.now()).await?))
}

pub async fn delete_master(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path((kind, id)): Path<(String, String)>,
) -> ConsoleResult<Json<master::MasterDeleted>> {
    Ok(Json(master::delete(&state.pool, &session, &kind, &id, state.clock.now()).await?))
}

pub async fn get_complaint_categories(State(state): State<AppState>, session: ConsoleSession) -> ConsoleResult<Json<categories::CategoryTree>> {
    Ok(Json(categories::get(&state.pool, &session).await?))
}

pub async fn put_complaint_categories(
    State(state): State<AppState>,
    session: ConsoleSession,
    Input(input): Input<categories::CategoryTreeInput>,
) -> ConsoleResult<Json<categories::CategoryTree>> {
    Ok(Json(categories::put(&state.pool, &session, input, state.clock.now()).await?))
}

pub async fn list_recalls(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<master::MasterQuery>,
) -> ConsoleResult<Json<recalls::RecallCampaigns>> {
    Ok(Json(recalls::list(&state.pool, &session, query).await?))
}

pub async fn recall_completion(
    State(state): State<AppState>,
    session: ConsoleSession,
    Path(id): Path<String>,
    Query(query): Query<recalls::CompletionQuery>,
) -> ConsoleResult<Json<recalls::RecallCompletion>> {
    Ok(Json(recalls::completion(&state.pool, &session, &id, query).await?))
}

pub async fn access_register(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<privacy::AccessRegisterQuery>,
) -> ConsoleResult<Json<privacy::AccessRegisterPage>> {
    Ok(Json(privacy::access_register(&state.pool, &session, query).await?))
}

pub async fn lookup_grants(
    State(state): State<AppState>,
    session: ConsoleSession,
    Query(query): Query<privacy::LookupGrantsQuery>,
) -> ConsoleResult<Json<privacy::LookupGrantsPage>> {
    Ok(Json(privacy::lookup_grants(&state.pool, &session, query).await?))
}
