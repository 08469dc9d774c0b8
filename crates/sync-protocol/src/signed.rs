//! Signed documents carry `content` (what was signed) and `hash`, the SHA-256
//! (lowercase hex) of the content's canonical JSON. The head office recomputes
//! the hash on receipt. `content` may be the canonical JSON text itself (a
//! string; its bytes are hashed as they are) or a JSON value (canonicalised here).
//!
//! Canonical JSON here: object keys sorted by their UTF-8 bytes, no
//! whitespace, strings and numbers as serde_json writes them. The station's
//! signing code should call [`canonical_json`] so both ends hash the same bytes.

use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedError {
    #[error("a signed document needs `content` and a `hash` string")]
    Missing,
    #[error("the hash does not match the content: stated {stated}, computed {computed}")]
    Mismatch { stated: String, computed: String },
}

/// The canonical JSON text of `value`.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash a signed document's `content` must carry.
pub fn content_hash(content: &Value) -> String {
    match content {
        Value::String(text) => sha256_hex(text.as_bytes()),
        other => sha256_hex(canonical_json(other).as_bytes()),
    }
}

/// Checks a signed document's payload: `{content, hash, ...}`.
pub fn verify(payload: &Value) -> Result<(), SignedError> {
    let (Some(content), Some(Value::String(stated))) = (payload.get("content"), payload.get("hash")) else {
        return Err(SignedError::Missing);
    };
    let computed = content_hash(content);
    if computed.eq_ignore_ascii_case(stated) {
        Ok(())
    } else {
        Err(SignedError::Mismatch { stated: stated.clone(), computed })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level_and_drops_whitespace() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": "王", "x": null}], "c": true}});
        assert_eq!(canonical_json(&v), r#"{"a":{"c":true,"z":[3,{"x":null,"y":"王"}]},"b":1}"#);
    }

    #[test]
    fn a_document_verifies_and_an_edited_one_does_not() {
        let content = json!({"total_minor": 12000, "lines": ["oil"]});
        let doc = json!({"id": "a1", "content": content, "hash": content_hash(&content)});
        assert_eq!(verify(&doc), Ok(()));
        let mut edited = doc.clone();
        edited["content"]["total_minor"] = json!(1);
        assert!(matches!(verify(&edited), Err(SignedError::Mismatch { .. })));
        assert_eq!(verify(&json!({"id": "a1"})), Err(SignedError::Missing));
        let text = canonical_json(&content);
        assert_eq!(verify(&json!({"content": text, "hash": sha256_hex(text.as_bytes())})), Ok(()));
    }
}
