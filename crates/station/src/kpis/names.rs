//! The KPIs' names in zh-CN, zh-TW and en for what the station prints: the very names
//! the dashboard shows (`kpi.name.<code>` in the desk's locale files), compiled
//! in from those files so the paper and the screen cannot name a figure differently.

use std::collections::BTreeMap;
use std::sync::OnceLock;

static ZH_CN: &str = include_str!("../../../../ui/src/locales/zh-CN.json");
static ZH_TW: &str = include_str!("../../../../ui/src/locales/zh-TW.json");
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
    static NAMES: OnceLock<[BTreeMap<String, String>; 3]> = OnceLock::new();
    let [zh, tw, en] = NAMES.get_or_init(|| [read(ZH_CN), read(ZH_TW), read(EN)]);
    match language {
        documents::Language::ZhCn => zh,
        documents::Language::ZhTw => tw,
        documents::Language::En => en,
    }
}
