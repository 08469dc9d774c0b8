//! The station's TLS certificate for `serve` on the LAN. No public authority can
//! vouch for a PC in a workshop, so the station makes its own on first use and
//! keeps it in the data directory; a tablet's user checks its SHA-256
//! fingerprint (shown in Settings, also as a QR code) the first time they connect.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, Result};

/// The certificate and its key, as DER, with the fingerprint people compare.
#[derive(Clone)]
pub struct StationCert {
    pub cert_der: Vec<u8>,
    key_der: Vec<u8>,
    /// SHA-256 of the certificate, upper-case hex pairs joined by colons (as browsers show it).
    pub fingerprint: String,
}

/// Long enough that a tablet never meets an expired certificate mid-shift; the
/// trust comes from the fingerprint, not from an authority's renewal cycle.
const VALID_YEARS: i32 = 10;

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("tls")
}

/// The station's certificate, made (with `names` as its subject names) if there is none yet.
pub fn load_or_create(data_dir: &Path, names: &[String], now: DateTime<Utc>) -> Result<StationCert> {
    let dir = dir(data_dir);
    let (cert_path, key_path) = (dir.join("station-cert.der"), dir.join("station-key.der"));
    if let (Ok(cert_der), Ok(key_der)) = (std::fs::read(&cert_path), std::fs::read(&key_path)) {
        return Ok(StationCert { fingerprint: fingerprint(&cert_der), cert_der, key_der });
    }
    let mut sans: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    sans.extend(names.iter().filter(|n| !sans.contains(n)).cloned().collect::<Vec<_>>());
    let failed = |e: rcgen::Error| ApiError::internal(format!("cannot make the station certificate: {e}"));
    let mut params = rcgen::CertificateParams::new(sans).map_err(failed)?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "StationDesk station");
    // A day back, so a tablet whose clock is a little behind still accepts it.
    let start = now - chrono::Duration::days(1);
    let month = |d: DateTime<Utc>| u8::try_from(d.month()).unwrap_or(1);
    let day = |d: DateTime<Utc>| u8::try_from(d.day().min(28)).unwrap_or(1);
    params.not_before = rcgen::date_time_ymd(start.year(), month(start), day(start));
    params.not_after = rcgen::date_time_ymd(start.year() + VALID_YEARS, month(start), day(start));
    let key = rcgen::KeyPair::generate().map_err(failed)?;
    let cert = params.self_signed(&key).map_err(failed)?;
    let (cert_der, key_der) = (cert.der().to_vec(), key.serialize_der());
    let io = |e: std::io::Error| ApiError::internal(format!("cannot keep the station certificate in {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    write_private(&key_path, &key_der).map_err(io)?;
    std::fs::write(&cert_path, &cert_der).map_err(io)?;
    tracing::info!(fingerprint = %fingerprint(&cert_der), "made the station's TLS certificate");
    Ok(StationCert { fingerprint: fingerprint(&cert_der), cert_der, key_der })
}

/// The key is readable by the station's own user only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
        f.write_all(bytes)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, bytes)
    }
}

/// The fingerprint of a certificate (DER): `AB:CD:…`, 32 pairs.
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// A QR code of `text` as an SVG document, for a tablet's camera to compare.
pub fn qr_svg(text: &str) -> Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::internal(format!("cannot draw the QR code: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build())
}

impl StationCert {
    /// rustls's server configuration for this certificate, with the ring provider and HTTP/1.1.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>> {
        let failed = |e: rustls::Error| ApiError::internal(format!("cannot use the station certificate: {e}"));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(failed)?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(self.cert_der.clone())], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())))
            .map_err(failed)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_made_once_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let first = load_or_create(dir.path(), &["station.lan".into()], now).unwrap();
        let again = load_or_create(dir.path(), &[], now).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint, "a restart must not change what tablets pinned");
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        assert!(first.server_config().is_ok());
    }

    #[test]
    fn the_qr_code_is_an_svg_image() {
        let svg = qr_svg("SHA256:AB:CD").unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    }
}
