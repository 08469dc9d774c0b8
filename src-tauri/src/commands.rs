//! The shell's only Tauri command. Every operation goes through the station's
//! one dispatcher, so the desktop IPC and the HTTP transport cannot drift apart.
//!
//! The UI calls it as `invoke('call', { op, token, input })`.

/// Runs station operation `op` as the holder of `token` (no token for the public
/// operations such as `setup_status` and `login`).
#[tauri::command]
pub async fn call(
    state: tauri::State<'_, station::Station>,
    op: String,
    token: Option<String>,
    input: serde_json::Value,
) -> Result<serde_json::Value, station::ApiError> {
    state.dispatch(&op, token.as_deref(), input).await
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
    use tauri::webview::InvokeRequest;
    use tauri::WebviewWindowBuilder;

    fn invoke(body: Value) -> Result<Value, Value> {
        let data_dir = tempfile::tempdir().expect("temp data dir");
        let station = crate::open_station(data_dir.path()).expect("open a station in a temp dir");
        let app = crate::app_builder(mock_builder(), station).build(mock_context(noop_assets())).expect("build the mock app");
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("open a mock window");
        get_ipc_response(
            &webview,
            InvokeRequest {
                cmd: "call".into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().expect("the command answers JSON"))
    }

    #[test]
    fn a_fresh_station_answers_setup_status_without_a_token() {
        let status = invoke(json!({ "op": "setup_status", "token": null, "input": {} })).expect("setup_status is public");
        assert_eq!(status["is_set_up"], json!(false), "{status}");
    }

    #[test]
    fn a_failed_operation_comes_back_as_the_station_error() {
        let error = invoke(json!({ "op": "no_such_operation", "input": {} })).expect_err("an unknown operation fails");
        assert!(error["code"].is_string() && error["message"].is_string(), "{error}");
    }
}
