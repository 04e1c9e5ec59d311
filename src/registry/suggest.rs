//! What to say about a platform name that is no platform: the one usage error every command
//! gives, with the nearest name when it looks like a typo. Read by the store's lookups and by
//! the selection of tenants alike.

use crate::error::Error;
use crate::rules::naming;

/// The one error for a platform name or id given on the command line that is no platform,
/// whatever the command: a usage error (exit 2, nothing ran) with the nearest name when it
/// looks like a typo of one, else where to look the names up.
pub fn unknown_platform<'a>(key: &str, names: impl IntoIterator<Item = &'a str>) -> Error {
    let e = Error::Usage(format!("platform `{}` not found", naming::shown(key)));
    match did_you_mean(key, names) {
        Some(near) => e.hint(format!("did you mean `{near}`?")),
        None => e.hint("`tenantctl platform list` shows the platforms"),
    }
}

/// The closest name to `key` (case-insensitive edit distance), when it is close enough to be
/// a typo: at most one edit in three characters, and at least one.
pub fn did_you_mean<'a>(key: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = key.to_lowercase();
    let limit = (key.chars().count() / 3).max(1);
    names
        .into_iter()
        .map(|n| (strsim::levenshtein(&key, &n.to_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}
