//! The one error of this crate: a value the station (or a user) gave that
//! cannot be used, naming the field so the UI can show it in place.

/// A bad value, naming its field; `Display` is the message.
///
/// `code` is stable (`time_limit.budget`, `calendar.time_zone`,
/// `calendar.weekly`, `calendar.span`, `calendar.conflict`,
/// `calendar.too_many_days`, `calendar.file_line`), the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Invalid {
        Invalid { field: field.into(), code, message: message.into() }
    }
}
