//! The KPIs' names in zh-CN and en for what the station prints: the very names
//! the dashboard shows (`kpi.name.<code>` in the desk's locale files), compiled
//! in from those files so the paper and the screen cannot name a figure differently.

use std::collections::BTreeMap;
use std::sync::OnceLock;

static ZH_CN: &str = include_str!("../../../../ui/src/locales/zh-CN.json");
static EN: &str = include_str!("../../../../ui/src/locales/en.json");

fn read(locale: &str) -> BTreeMap<String, String> {
    let tree: serde_json::Value = serde_json::from_str(locale).unwrap_or_default();
    tree["kpi"]["name"]
        .as_object()
        .map(|names| names.iter().filter_map(|(code, name)| Some((code.clone(), name.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// Every KPI's name by code, in `language`.
pub fn names(language: documents::Language) -> &'static BTreeMap<String, String> {
    static NAMES: OnceLock<[BTreeMap<String, String>; 2]> = OnceLock::new();
    let [zh, en] = NAMES.get_or_init(|| [read(ZH_CN), read(EN)]);
    match language {
        documents::Language::ZhCn => zh,
        documents::Language::En => en,
    }
}
