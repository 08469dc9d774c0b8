//! PINs: four to eight digits, stored only as argon2id hashes.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::{ApiError, Invalid, Result};

pub fn validate(pin: &str) -> Result<(), Invalid> {
    if pin.len() < 4 || pin.len() > 8 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new("pin.format", "a PIN is 4 to 8 digits"));
    }
    Ok(())
}

pub fn hash(pin: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(pin.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| ApiError::internal(format!("cannot hash PIN: {e}")))
}

pub fn verify(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).map(|h| Argon2::default().verify_password(pin.as_bytes(), &h).is_ok()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_pin_verifies_and_a_wrong_one_does_not() {
        let stored = hash("2468").unwrap();
        assert!(!stored.contains("2468"), "the PIN must not be stored in clear");
        assert!(verify("2468", &stored));
        assert!(!verify("2469", &stored));
    }

    #[test]
    fn pins_must_be_four_to_eight_digits() {
        assert!(validate("1234").is_ok());
        assert!(validate("12345678").is_ok());
        for bad in ["", "123", "123456789", "12a4", "' OR 1=1 --"] {
            assert_eq!(validate(bad).unwrap_err().code, "pin.format", "{bad:?} must be refused");
        }
    }
}
