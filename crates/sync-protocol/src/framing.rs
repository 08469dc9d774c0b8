//! Bodies on the wire: JSON, gzip-compressed. Decoding is capped, so a small
//! body that inflates to gigabytes (a gzip bomb) is refused, not buffered.

use std::io::{Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the body inflates to more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body is not valid gzip (truncated or corrupt): {0}")]
    BadGzip(String),
    #[error("the body is not valid JSON for this request: {0}")]
    BadJson(String),
}

/// Serialises `value` to JSON and gzip-compresses it.
pub fn gzip_json<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    let json = serde_json::to_vec(value).map_err(|e| FrameError::BadJson(e.to_string()))?;
    Ok(gzip(&json))
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(bytes.len() / 4 + 64), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Inflates `bytes`, refusing more than `max_len` bytes of output.
pub fn gunzip_capped(bytes: &[u8], max_len: usize) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    let mut dec = GzDecoder::new(bytes).take(max_len as u64 + 1);
    dec.read_to_end(&mut out).map_err(|e| FrameError::BadGzip(e.to_string()))?;
    if out.len() > max_len {
        return Err(FrameError::TooLarge { limit: max_len });
    }
    Ok(out)
}

/// Inflates and parses a gzip-compressed JSON body.
pub fn gunzip_json<T: DeserializeOwned>(bytes: &[u8], max_len: usize) -> Result<T, FrameError> {
    let raw = gunzip_capped(bytes, max_len)?;
    serde_json::from_slice(&raw).map_err(|e| FrameError::BadJson(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_survives_a_round_trip() {
        let v = serde_json::json!({"a": [1, 2, 3], "b": "王芳"});
        let z = gzip_json(&v).unwrap();
        assert_eq!(gunzip_json::<serde_json::Value>(&z, 1 << 20).unwrap(), v);
    }

    #[test]
    fn a_truncated_body_is_bad_gzip() {
        let z = gzip_json(&serde_json::json!({"a": "x".repeat(10_000)})).unwrap();
        let err = gunzip_capped(&z[..z.len() / 2], 1 << 20).unwrap_err();
        assert!(matches!(err, FrameError::BadGzip(_)), "{err:?}");
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        let z = gzip(&vec![0u8; 10 << 20]);
        assert!(z.len() < 100_000);
        assert!(matches!(gunzip_capped(&z, 1 << 20), Err(FrameError::TooLarge { .. })));
    }
}
