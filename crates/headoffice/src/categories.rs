//! The complaint category tree (三级分类) the head office gives every station:
//! ONE set of checks for the console's tree editor, the raw setting editor, a
//! settings CSV and the command line. It is stored as the setting
//! `complaint_categories`, the flat list stations apply (`station::aftersales::
//! categories::apply_head_office_tree`): `{id, parent_id?, name_zh, name_en,
//! active}`, parents before children, siblings in display order.
//!
//! Complaints point at entries by id, so an id keeps its meaning: once saved it
//! stays in the tree under the same parent (renamed or deactivated, never
//! removed or moved), and new entries get new ids from the head office.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::master_rows::RowError;

pub const SETTING_KEY: &str = "complaint_categories";
pub const LEVELS: u8 = 3;
pub const MAX_NAME_ZH: usize = 40;
pub const MAX_NAME_EN: usize = 60;
pub const MAX_ID: usize = 100;
pub const MAX_ENTRIES: usize = 2000;

/// The tree stations ship with (migrations/station/0010_aftersales.sql), in the
/// setting's shape: what the console starts from until the head office saves one.
const BUILT_IN: &str = include_str!("categories_built_in.json");

/// One entry as stations get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlatEntry {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// An entry of the tree as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CategoryNode {
    pub id: String,
    /// 1 to 3; complaints are filed under level 3.
    #[ts(type = "number")]
    pub level: u8,
    pub name_zh: String,
    pub name_en: String,
    /// A deactivated entry is no longer offered for new complaints; the complaints filed under it keep it.
    pub active: bool,
    pub children: Vec<CategoryNode>,
}

/// An entry as the console sends it back: `id` null for a new one (the head office gives it one).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CategoryNodeInput {
    pub id: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
    pub children: Vec<CategoryNodeInput>,
}

/// The ids a tree already holds and each one's parent: what a new tree must keep.
pub type Known = HashMap<String, Option<String>>;

pub fn built_in() -> Vec<FlatEntry> {
    serde_json::from_str(BUILT_IN).unwrap_or_default()
}

pub fn known(entries: &[FlatEntry]) -> Known {
    entries.iter().map(|e| (e.id.clone(), e.parent_id.clone())).collect()
}

/// The stored setting's entries (`payload` is the setting's record, `{key, value}`);
/// `None` when there is none or it is not a list of entries.
pub fn stored_entries(payload: Option<&Value>) -> Option<Vec<FlatEntry>> {
    payload.and_then(|p| serde_json::from_value(p["value"].clone()).ok())
}

/// The ids a replacement of the stored setting must keep (none when nothing is stored).
pub fn stored_known(payload: Option<&Value>) -> Known {
    known(&stored_entries(payload).unwrap_or_default())
}

/// The flat list as the console's tree.
pub fn to_tree(entries: &[FlatEntry]) -> Vec<CategoryNode> {
    fn under(entries: &[FlatEntry], parent: Option<&str>, level: u8) -> Vec<CategoryNode> {
        entries
            .iter()
            .filter(|e| e.parent_id.as_deref() == parent)
            .map(|e| CategoryNode {
                id: e.id.clone(),
                level,
                name_zh: e.name_zh.clone(),
                name_en: e.name_en.clone(),
                active: e.active,
                children: if level < LEVELS { under(entries, Some(&e.id), level + 1) } else { Vec::new() },
            })
            .collect()
    }
    under(entries, None, 1)
}

/// How ids are treated: the console's editor sends back the ids it was given
/// (any other is refused) and leaves new ones out; a raw setting carries every id.
pub enum Ids<'a> {
    /// New entries get `parent.suffix` from `suffix()`.
    Console {
        suffix: &'a mut dyn FnMut() -> String,
    },
    Given,
}

struct Walk<'a, 'b> {
    known: &'a Known,
    ids: Ids<'b>,
    seen: HashSet<String>,
    out: Vec<FlatEntry>,
}

fn err(field: &str, code: &'static str, message: impl Into<String>) -> RowError {
    RowError::new(field, code, message)
}

fn name(field: &str, raw: &str, max: usize) -> Result<String, RowError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(err(field, "category.name_required", "a category needs a name in Chinese and in English"));
    }
    if v.chars().count() > max {
        return Err(err(field, "category.name_too_long", format!("a category name is at most {max} characters")).with("max", max));
    }
    Ok(v.to_string())
}

impl Walk<'_, '_> {
    fn id(&mut self, path: &str, given: Option<&str>, parent: Option<&str>) -> Result<String, RowError> {
        let field = format!("{path}.id");
        let id = match (given.map(str::trim).filter(|s| !s.is_empty()), &mut self.ids) {
            (Some(id), _) => id.to_string(),
            (None, Ids::Given) => return Err(err(&field, "category.id_required", "every entry of the setting needs an id")),
            (None, Ids::Console { suffix }) => loop {
                let candidate = format!("{}.{}", parent.unwrap_or("ho"), suffix());
                if !self.known.contains_key(&candidate) && !self.seen.contains(&candidate) {
                    break candidate;
                }
            },
        };
        if id.len() > MAX_ID || id.chars().any(char::is_whitespace) {
            return Err(err(&field, "category.id_invalid", format!("an id is at most {MAX_ID} characters, without spaces")));
        }
        if !self.seen.insert(id.clone()) {
            return Err(err(&field, "category.duplicate_id", format!("{id} appears twice in the tree")).with("id", &id));
        }
        match self.known.get(&id) {
            None if given.is_some() && matches!(self.ids, Ids::Console { .. }) => {
                return Err(err(&field, "category.unknown_id", format!("{id} is not an entry of the tree; leave a new entry's id empty")).with("id", &id))
            }
            Some(was) if was.as_deref() != parent => {
                return Err(err(
                    &field,
                    "category.moved",
                    format!("{id} cannot move to another parent: complaints filed under it would change meaning; add a new entry instead"),
                )
                .with("id", &id))
            }
            _ => {}
        }
        Ok(id)
    }

    /// `live`: whether every entry above is active (under a deactivated one, nothing is offered anyway).
    fn nodes(&mut self, path: &str, nodes: &[CategoryNodeInput], parent: Option<&str>, level: usize, live: bool) -> Result<(), RowError> {
        if level > usize::from(LEVELS) && !nodes.is_empty() {
            return Err(err(path, "category.too_deep", format!("the tree has {LEVELS} levels at most; complaints are filed under the third")));
        }
        let mut names: HashSet<(String, String)> = HashSet::new();
        for (i, node) in nodes.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let name_zh = name(&format!("{at}.name_zh"), &node.name_zh, MAX_NAME_ZH)?;
            let name_en = name(&format!("{at}.name_en"), &node.name_en, MAX_NAME_EN)?;
            if !names.insert(("zh".into(), name_zh.clone())) {
                return Err(err(&format!("{at}.name_zh"), "category.name_taken", format!("{name_zh} is already an entry at this place")));
            }
            if !names.insert(("en".into(), name_en.to_lowercase())) {
                return Err(err(&format!("{at}.name_en"), "category.name_taken", format!("{name_en} is already an entry at this place")));
            }
            let id = self.id(&at, node.id.as_deref(), parent)?;
            self.out.push(FlatEntry { id: id.clone(), parent_id: parent.map(str::to_string), name_zh, name_en, active: node.active });
            if self.out.len() > MAX_ENTRIES {
                return Err(err("categories", "category.too_many", format!("the tree holds at most {MAX_ENTRIES} entries")).with("max", MAX_ENTRIES));
            }
            let children = format!("{at}.children");
            self.nodes(&children, &node.children, Some(&id), level + 1, live && node.active)?;
            if live && node.active && level < usize::from(LEVELS) && !node.children.iter().any(|c| c.active) {
                return Err(err(
                    &children,
                    "category.empty_branch",
                    "an active entry needs an active entry under it: complaints are filed at the third level (deactivate it to leave it empty)",
                ));
            }
        }
        Ok(())
    }
}

/// Checks a whole tree and returns it as the setting's entries. `known` is
/// the tree it replaces: its ids must all still be there, each under its parent.
/// The first fault is named by its path (`categories[2].children[0].name_en`).
pub fn check(nodes: &[CategoryNodeInput], known: &Known, ids: Ids<'_>) -> Result<Vec<FlatEntry>, RowError> {
    if !nodes.iter().any(|n| n.active) {
        return Err(err("categories", "category.empty_tree", "the tree needs at least one active first-level entry"));
    }
    let mut walk = Walk { known, ids, seen: HashSet::new(), out: Vec::new() };
    walk.nodes("categories", nodes, None, 1, true)?;
    let mut missing: Vec<&String> = known.keys().filter(|id| !walk.seen.contains(*id)).collect();
    missing.sort();
    if let Some(id) = missing.first() {
        return Err(err(
            "categories",
            "category.removed",
            format!("{id} was in the tree: complaints may be filed under it, so deactivate it instead of removing it"),
        )
        .with("id", id));
    }
    Ok(walk.out)
}

/// The raw setting's value (a flat list) checked as a tree; a fault is named
/// `value` with the entry's path in the message and in `params.path`.
pub fn check_setting(value: &Value, known: &Known) -> Result<Vec<FlatEntry>, RowError> {
    let in_value = |e: RowError| {
        let path = e.field.clone();
        RowError { field: "value".into(), message: format!("{path}: {}", e.message), ..e }.with("path", path)
    };
    let Some(list) = value.as_array() else {
        return Err(err("value", "category.setting_shape", "complaint_categories is a JSON list of {id, parent_id, name_zh, name_en, active}"));
    };
    let mut entries = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let entry: FlatEntry =
            serde_json::from_value(item.clone()).map_err(|e| in_value(err(&format!("value[{i}]"), "category.setting_shape", e.to_string())))?;
        entries.push(entry);
    }
    let mut placed: HashSet<&str> = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(p) = &e.parent_id {
            if !placed.contains(p.as_str()) {
                return Err(in_value(err(&format!("value[{i}].parent_id"), "category.parent_unknown", format!("{p} is not an entry listed before this one"))));
            }
        }
        placed.insert(&e.id);
    }
    fn nest(entries: &[FlatEntry], parent: Option<&str>, depth: usize) -> Vec<CategoryNodeInput> {
        entries
            .iter()
            .filter(|e| e.parent_id.as_deref() == parent)
            .map(|e| CategoryNodeInput {
                id: Some(e.id.clone()),
                name_zh: e.name_zh.clone(),
                name_en: e.name_en.clone(),
                active: e.active,
                // One level deeper than allowed still nests, so the checks name it.
                children: if depth <= usize::from(LEVELS) { nest(entries, Some(&e.id), depth + 1) } else { Vec::new() },
            })
            .collect()
    }
    let tree = nest(&entries, None, 1);
    check(&tree, known, Ids::Given).map_err(in_value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn leaf(id: Option<&str>, zh: &str, en: &str) -> CategoryNodeInput {
        CategoryNodeInput { id: id.map(str::to_string), name_zh: zh.into(), name_en: en.into(), active: true, children: vec![] }
    }

    fn node(id: Option<&str>, zh: &str, en: &str, children: Vec<CategoryNodeInput>) -> CategoryNodeInput {
        CategoryNodeInput { children, ..leaf(id, zh, en) }
    }

    fn input(entries: &[FlatEntry]) -> Vec<CategoryNodeInput> {
        fn back(n: &CategoryNode) -> CategoryNodeInput {
            CategoryNodeInput {
                id: Some(n.id.clone()),
                name_zh: n.name_zh.clone(),
                name_en: n.name_en.clone(),
                active: n.active,
                children: n.children.iter().map(back).collect(),
            }
        }
        to_tree(entries).iter().map(back).collect()
    }

    fn console(nodes: &[CategoryNodeInput], known: &Known) -> Result<Vec<FlatEntry>, RowError> {
        let mut n = 0;
        let mut suffix = || {
            n += 1;
            format!("n{n}")
        };
        check(nodes, known, Ids::Console { suffix: &mut suffix })
    }

    #[test]
    fn the_built_in_tree_is_the_stations_defaults_and_passes_its_own_checks() {
        let built_in = built_in();
        assert_eq!(built_in.len(), 23);
        assert_eq!(console(&input(&built_in), &known(&built_in)).unwrap(), built_in, "sent back unchanged, it is the same list");
    }

    #[test]
    fn new_entries_get_ids_under_their_parent_and_keep_their_order() {
        let built_in = built_in();
        let mut tree = input(&built_in);
        tree[0].children.insert(0, node(None, "环境", "Premises", vec![leaf(None, "休息区脏乱", "Lounge untidy")]));
        let out = console(&tree, &known(&built_in)).unwrap();
        assert_eq!((out[1].id.as_str(), out[1].parent_id.as_deref()), ("svc.n1", Some("svc")));
        assert_eq!((out[2].id.as_str(), out[2].parent_id.as_deref()), ("svc.n1.n2", Some("svc.n1")));
        assert_eq!(out[3].id, "svc.attitude", "the old entries follow the new one");
    }

    #[test]
    fn a_fault_is_named_by_its_path_in_the_tree() {
        let none = Known::new();
        let cases: Vec<(Vec<CategoryNodeInput>, &str, &str)> = vec![
            (
                vec![node(None, "服务", "Service", vec![node(None, "态度", "Attitude", vec![leaf(None, "慢", "")])])],
                "categories[0].children[0].children[0].name_en",
                "category.name_required",
            ),
            (
                vec![node(None, "服务", "Service", vec![node(None, "态度", "Attitude", vec![leaf(None, &"长".repeat(41), "Long")])])],
                "categories[0].children[0].children[0].name_zh",
                "category.name_too_long",
            ),
            (
                vec![node(None, "服务", "Service", vec![node(None, "态度", "Attitude", vec![node(None, "慢", "Slow", vec![leaf(None, "四", "Four")])])])],
                "categories[0].children[0].children[0].children",
                "category.too_deep",
            ),
            (vec![node(None, "服务", "Service", vec![leaf(None, "态度", "Attitude")])], "categories[0].children[0].children", "category.empty_branch"),
            (vec![leaf(None, "服务", "Service")], "categories[0].children", "category.empty_branch"),
            (vec![], "categories", "category.empty_tree"),
            (vec![leaf(Some("made.up"), "服务", "Service")], "categories[0].id", "category.unknown_id"),
        ];
        for (tree, field, code) in cases {
            let e = console(&tree, &none).unwrap_err();
            assert_eq!((e.field.as_str(), e.code), (field, code), "{e}");
        }
        let mut twice = input(&built_in());
        twice[0].children.push(node(None, "服务态度", "Manners", vec![leaf(None, "冷淡", "Cold")]));
        let e = console(&twice, &known(&built_in())).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("categories[0].children[3].name_zh", "category.name_taken"));
    }

    #[test]
    fn a_saved_entry_is_deactivated_not_removed_or_moved() {
        let built_in = built_in();
        let kept = known(&built_in);
        let mut removed = input(&built_in);
        removed[0].children[0].children.remove(1);
        let e = console(&removed, &kept).unwrap_err();
        assert_eq!((e.field.as_str(), e.code, e.params.get("id").map(String::as_str)), ("categories", "category.removed", Some("svc.attitude.rude")));

        let mut moved = input(&built_in);
        let rude = moved[0].children[0].children.remove(1);
        moved[0].children[1].children.push(rude);
        let e = console(&moved, &kept).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("categories[0].children[1].children[2].id", "category.moved"));

        let mut retired = input(&built_in);
        retired[3].active = false;
        retired[3].children[0].children[0].active = false;
        let out = console(&retired, &kept).unwrap();
        assert!(!out.iter().find(|e| e.id == "consult").unwrap().active);
        retired[0].children[0].children.iter_mut().for_each(|c| c.active = false);
        let e = console(&retired, &kept).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("categories[0].children[0].children", "category.empty_branch"), "a second level left with no active entry");
    }

    #[test]
    fn a_raw_setting_is_checked_as_the_same_tree_and_names_the_entry() {
        let ok = json!([
            {"id": "d", "name_zh": "交车", "name_en": "Delivery"},
            {"id": "d.c", "parent_id": "d", "name_zh": "清洁", "name_en": "Cleanliness"},
            {"id": "d.c.i", "parent_id": "d.c", "name_zh": "车内不洁", "name_en": "Interior not clean"}
        ]);
        assert_eq!(check_setting(&ok, &Known::new()).unwrap().len(), 3);
        let orphan = json!([{"id": "d.c", "parent_id": "d", "name_zh": "清洁", "name_en": "Cleanliness"}]);
        let e = check_setting(&orphan, &Known::new()).unwrap_err();
        assert_eq!((e.field.as_str(), e.code, e.params.get("path").map(String::as_str)), ("value", "category.parent_unknown", Some("value[0].parent_id")));
        let mut no_en = ok.clone();
        no_en[2]["name_en"] = json!(" ");
        let e = check_setting(&no_en, &Known::new()).unwrap_err();
        assert_eq!((e.code, e.params.get("path").map(String::as_str)), ("category.name_required", Some("categories[0].children[0].children[0].name_en")));
        assert_eq!(check_setting(&json!("服务"), &Known::new()).unwrap_err().code, "category.setting_shape");
    }
}
