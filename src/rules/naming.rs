//! Naming and validation rules for platforms: names, subdomains, domains and schema names.
//!
//! Pure functions, no I/O: every rejection names the field, the value and the rule it broke, and
//! happens before any SQL runs. `SchemaName` (in [`super::ident`]) is built only through
//! [`validate_schema_name`].

use std::fmt;
use unicode_script::{Script, UnicodeScript};

/// The longest identifier PostgreSQL keeps; longer ones are cut with only a NOTICE.
pub const MAX_IDENT_BYTES: usize = 63;
/// The longest domain name (RFC 1035, without the trailing dot).
pub const MAX_DOMAIN_BYTES: usize = 253;
/// The longest platform name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Generated schema names are `tenant_<base>_<6 hex>`.
pub const SCHEMA_PREFIX: &str = "tenant_";
const SUFFIX_HEX_LEN: usize = 6;
/// Schemas no platform may use: PostgreSQL's own, the application's shared `public`, ours.
pub const RESERVED_SCHEMAS: &[&str] = &["public", "information_schema", "tenantctl"];

/// A rejected input: which field, what value, which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: &'static str,
    pub value: String,
    pub rule: String,
}

impl ValidationError {
    pub fn new(field: &'static str, value: &str, rule: impl Into<String>) -> Self {
        ValidationError {
            field,
            value: value.to_string(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} `{}`: {}",
            self.field,
            shown(&self.value),
            self.rule
        )
    }
}

/// The value as it is safe to print: control characters escaped, very long values cut.
pub fn shown(value: &str) -> String {
    let escaped: String = value.chars().flat_map(char::escape_debug).collect();
    let escaped = escaped.replace('`', "\\`");
    if escaped.chars().count() > 80 {
        let cut: String = escaped.chars().take(77).collect();
        format!("{cut}... ({} bytes)", value.len())
    } else {
        escaped
    }
}

/// A character as it is safe to print: control characters and white space escaped.
fn show_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        c.escape_debug().to_string()
    } else {
        c.to_string()
    }
}

/// A platform's display name: 1 to 100 characters, no control characters, no leading or
/// trailing white space, not all digits (commands accept `NAME|ID`). Quotes and any script are
/// fine: the name only ever travels as a bound parameter.
pub fn validate_platform_name(name: &str) -> Result<(), ValidationError> {
    let err = |rule: &str| Err(ValidationError::new("platform name", name, rule));
    if name.is_empty() {
        return err("must not be empty");
    }
    if name.trim() != name {
        return err("must not start or end with white space");
    }
    if name.chars().any(char::is_control) {
        return err("must not contain control characters (tabs, newlines, escapes)");
    }
    if name.chars().any(|c| matches!(c, '\u{2028}' | '\u{2029}')) {
        return err("must not contain line or paragraph separators (U+2028, U+2029)");
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return err(&format!(
            "must be at most {MAX_NAME_CHARS} characters (got {chars})"
        ));
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        return err("must not be all digits (a number is read as a platform id)");
    }
    Ok(())
}

/// ` (try `x`)` when `suggestion` gives a value different from `value`, else nothing.
fn try_hint(value: &str, suggestion: Option<String>) -> String {
    match suggestion {
        Some(s) if s != value => format!(" (try `{s}`)"),
        _ => String::new(),
    }
}

/// The valid subdomain closest to `input`: lower case, every run of other characters (`_`,
/// spaces, dots, repeated hyphens) one hyphen, no hyphen at either end, at most 63 bytes.
/// `None` when nothing valid is left, or for non-ASCII input (dropping a look-alike letter
/// would suggest a different name). Every `Some` passes [`validate_subdomain`].
pub fn suggest_subdomain(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    let mut s = String::new();
    for c in input.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.is_empty() && !s.ends_with('-') {
            s.push('-');
        }
    }
    s.truncate(MAX_IDENT_BYTES);
    let s = s.trim_matches('-').to_string();
    validate_subdomain(&s).is_ok().then_some(s)
}

/// The valid schema name closest to `input`: lower case, every other character `_`, at most
/// 63 bytes. `None` when that is still invalid (a leading digit, a reserved or `pg_` name).
/// `None` for non-ASCII input too. Every `Some` passes [`validate_schema_name`].
pub fn suggest_schema_name(input: &str) -> Option<String> {
    if !input.is_ascii() {
        return None;
    }
    let mut s: String = input
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.truncate(MAX_IDENT_BYTES);
    validate_schema_name(&s).is_ok().then_some(s)
}

/// A subdomain: one DNS label, `^[a-z0-9]+(?:-[a-z0-9]+)*$`, at most 63 bytes.
pub fn validate_subdomain(sub: &str) -> Result<(), ValidationError> {
    let err = |rule: String| Err(ValidationError::new("subdomain", sub, rule));
    // Only for rules a rewrite can fix; `suggest_subdomain` validates what it returns.
    let hint = || try_hint(sub, suggest_subdomain(sub));
    if sub.is_empty() {
        return err("must not be empty".into());
    }
    if sub.len() > MAX_IDENT_BYTES {
        return err(format!(
            "must be at most {MAX_IDENT_BYTES} bytes (got {})",
            sub.len()
        ));
    }
    if sub.contains('.') {
        return err("must be a single label without dots (put the rest in --domain)".into());
    }
    if let Some((i, c)) = sub
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        let rule = if c.is_ascii_uppercase() {
            "must be lower case".to_string()
        } else {
            format!(
                "may contain only a-z, 0-9 and single hyphens between them (found `{}` at byte {i})",
                show_char(c)
            )
        };
        return err(format!("{rule}{}", hint()));
    }
    if sub.starts_with('-') || sub.ends_with('-') {
        return err(format!("must not start or end with a hyphen{}", hint()));
    }
    if sub.contains("--") {
        return err(format!("must not contain consecutive hyphens{}", hint()));
    }
    Ok(())
}

/// Normalise and validate a domain: lower-cased, IDNA to punycode, no scheme, port, path,
/// userinfo or trailing dot, at least two labels of valid LDH characters, at most 253 bytes,
/// no label mixing scripts (a homograph like a Cyrillic `а` in `pаypal`). Returns the ASCII form.
pub fn normalize_domain(input: &str) -> Result<String, ValidationError> {
    let err = |rule: String| Err(ValidationError::new("domain", input, rule));
    if input.is_empty() {
        return err("must not be empty".into());
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return err("must not contain white space or control characters".into());
    }
    if let Some(i) = input.find("://") {
        return err(format!(
            "must be a bare host name without a scheme (drop `{}`)",
            &input[..i + 3]
        ));
    }
    if input.contains('@') {
        return err("must not contain user info (`user@`)".into());
    }
    if input.contains('/') || input.contains('?') || input.contains('#') {
        return err("must not contain a path, query or fragment".into());
    }
    if input.contains(':') || input.contains('[') {
        return err("must not contain a port (drop `:port`) or an IPv6 address".into());
    }
    if input.ends_with('.') || input.ends_with('。') {
        return err("must not end with a dot".into());
    }
    if input.starts_with('.') || input.contains("..") {
        return err("must not contain empty labels (`..` or a leading dot)".into());
    }
    let ascii = match idna::domain_to_ascii_cow(input.as_bytes(), idna::AsciiDenyList::STD3) {
        Ok(a) => a.into_owned(),
        Err(_) => {
            return err(
                "is not a valid domain name (IDNA: only letters, digits and hyphens per label)"
                    .into(),
            );
        }
    };
    if ascii.is_empty() {
        return err("must not be empty".into());
    }
    if ascii.len() > MAX_DOMAIN_BYTES {
        return err(format!(
            "must be at most {MAX_DOMAIN_BYTES} bytes in ASCII form (got {})",
            ascii.len()
        ));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return err("must have at least two labels (like `example.org`)".into());
    }
    for label in &labels {
        if label.is_empty() {
            return err("must not contain empty labels".into());
        }
        if label.len() > MAX_IDENT_BYTES {
            return err(format!(
                "label `{}` is longer than {MAX_IDENT_BYTES} bytes",
                shown(label)
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return err(format!(
                "label `{}` may contain only a-z, 0-9 and hyphens",
                shown(label)
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return err(format!(
                "label `{label}` must not start or end with a hyphen"
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return err("must be a host name, not an IP address".into());
    }
    let (unicode, _) = idna::domain_to_unicode(&ascii);
    for label in unicode.split('.') {
        if let Some((a, b)) = mixed_scripts(label) {
            return err(format!(
                "label `{label}` mixes {a:?} and {b:?} letters (a look-alike of another name)"
            ));
        }
    }
    Ok(ascii)
}

/// The first two distinct scripts among a label's letters, ignoring Common and Inherited.
fn mixed_scripts(label: &str) -> Option<(Script, Script)> {
    let mut first: Option<Script> = None;
    for c in label.chars() {
        let s = c.script();
        if matches!(s, Script::Common | Script::Inherited | Script::Unknown) {
            continue;
        }
        match first {
            None => first = Some(s),
            Some(f) if f != s => return Some((f, s)),
            Some(_) => {}
        }
    }
    None
}

/// A schema name: `^[a-z_][a-z0-9_]*$`, at most 63 bytes, never `public`,
/// `information_schema`, `tenantctl` or `pg_*`.
pub fn validate_schema_name(name: &str) -> Result<(), ValidationError> {
    let err = |rule: String| Err(ValidationError::new("schema name", name, rule));
    if name.is_empty() {
        return err("must not be empty".into());
    }
    if name.len() > MAX_IDENT_BYTES {
        return err(format!(
            "must be at most {MAX_IDENT_BYTES} bytes (got {}); PostgreSQL would silently cut it",
            name.len()
        ));
    }
    // Only for rules a rewrite can fix; `suggest_schema_name` validates what it returns.
    let hint = || try_hint(name, suggest_schema_name(name));
    // NOTE: characters before the first one, so `Acme` hears "lower case", not "start with a-z".
    if let Some((i, c)) = name
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        let rule = if c.is_ascii_uppercase() {
            "must be lower case".to_string()
        } else {
            format!(
                "may contain only a-z, 0-9 and `_` (found `{}` at byte {i})",
                show_char(c)
            )
        };
        return err(format!("{rule}{}", hint()));
    }
    let first = name.as_bytes()[0];
    if !(first.is_ascii_lowercase() || first == b'_') {
        return err("must start with a-z or `_`".into());
    }
    if RESERVED_SCHEMAS.contains(&name) {
        return err("is reserved".into());
    }
    if name.starts_with("pg_") {
        return err("must not start with `pg_` (reserved for PostgreSQL)".into());
    }
    Ok(())
}

/// A schema name a platform may have: [`validate_schema_name`], and none of tenantctl's own
/// prefixes ([`prefixes::RESERVED_PREFIXES`](super::prefixes::RESERVED_PREFIXES)), or a live tenant
/// is taken for a leftover (issue 27.10). For every way a platform's schema is chosen.
pub fn validate_platform_schema(name: &str) -> Result<(), ValidationError> {
    validate_schema_name(name)?;
    if let Some(p) = super::prefixes::reserved_prefix(name) {
        return Err(ValidationError::new(
            "schema name",
            name,
            format!(
                "must not start with `{p}` (reserved for the schemas tenantctl makes itself: restore's old copies, verify's scratch schemas, the warm pool)"
            ),
        ));
    }
    Ok(())
}

/// The readable part of a generated schema name: the subdomain (hyphens to underscores) or a
/// slug of the platform name; `platform` when nothing usable is left.
pub fn schema_base(subdomain: Option<&str>, name: &str) -> String {
    let source = subdomain.unwrap_or(name);
    let mut slug = String::new();
    for c in source.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_matches('_');
    if slug.is_empty() {
        "platform".to_string()
    } else {
        slug.to_string()
    }
}

/// `tenant_<base>_<6 hex>`, with the base cut so the whole fits in 63 bytes. `suffix` supplies
/// the random part (the low 24 bits are used), so tests can pin it.
pub fn generate_schema_name(subdomain: Option<&str>, name: &str, suffix: u32) -> String {
    let base = schema_base(subdomain, name);
    let room = MAX_IDENT_BYTES - SCHEMA_PREFIX.len() - 1 - SUFFIX_HEX_LEN;
    // The base is ASCII, so any byte index is a char boundary.
    let base = base[..base.len().min(room)].trim_end_matches('_');
    let base = if base.is_empty() { "platform" } else { base };
    format!("{SCHEMA_PREFIX}{base}_{:06x}", suffix & 0x00ff_ffff)
}

/// The longest job kind: a kind is also a configuration table name (`[jobs.kinds.NAME]`) and a
/// metric label, and PostgreSQL's CHECK on `tenantctl.jobs.kind` says the same.
pub const MAX_JOB_KIND: usize = 63;

/// A job kind (`tenantctl.jobs.kind`, `[jobs.kinds.NAME]`): a lowercase letter first, then
/// `a-z`, `0-9`, `_`, `.` or `-`, at most 63 characters (the CHECK of `tenantctl.jobs` and
/// `tenantctl.enqueue` say the same).
pub fn validate_job_kind(kind: &str) -> Result<(), ValidationError> {
    let err = |rule: String| Err(ValidationError::new("job kind", kind, rule));
    let Some(first) = kind.chars().next() else {
        return err("must not be empty".into());
    };
    if kind.len() > MAX_JOB_KIND {
        return err(format!(
            "must be at most {MAX_JOB_KIND} characters (got {})",
            kind.len()
        ));
    }
    if !first.is_ascii_lowercase() {
        return err("must start with a lowercase letter a-z".into());
    }
    if let Some((i, c)) = kind.char_indices().find(|(_, c)| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
    }) {
        return err(format!(
            "may contain only a-z, 0-9, `_`, `.` and `-` (found `{}` at byte {i})",
            show_char(c)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn platform_names() {
        for ok in ["Acme", "O'Reilly; DROP TABLE x", "Café Zürich", "a", "x1"] {
            assert_eq!(validate_platform_name(ok), Ok(()), "{ok}");
        }
        let long = "a".repeat(101);
        for (bad, rule) in [
            ("", "empty"),
            (" Acme", "white space"),
            ("Acme\n", "white space"),
            ("Ac\u{7}me", "control"),
            ("Ac\u{2028}me", "line or paragraph separators"),
            ("Ac\u{2029}me", "line or paragraph separators"),
            ("12345", "all digits"),
            (long.as_str(), "at most 100"),
        ] {
            let e = validate_platform_name(bad).unwrap_err();
            assert!(e.rule.contains(rule), "{bad:?}: {e}");
            assert_eq!(e.field, "platform name");
        }
    }

    #[test]
    fn subdomains() {
        for ok in ["a", "acme", "acme-2", "a-b-c", "0", &"a".repeat(63)] {
            assert_eq!(validate_subdomain(ok), Ok(()), "{ok}");
        }
        for (bad, rule) in [
            ("", "empty"),
            ("Acme", "lower case (try `acme`)"),
            ("Acme_Co", "must be lower case (try `acme-co`)"),
            ("-acme", "start or end with a hyphen (try `acme`)"),
            ("acme-", "start or end"),
            ("ac--me", "consecutive hyphens (try `ac-me`)"),
            ("ac_me", "found `_` at byte 2) (try `ac-me`)"),
            ("acme co", "(try `acme-co`)"),
            ("a.b", "single label"),
            ("ac'me", "found `'`"),
            ("acme;", "found `;`"),
            ("аcme", "found `а`"),
            (&"a".repeat(64), "at most 63 bytes (got 64)"),
        ] {
            let e = validate_subdomain(bad).unwrap_err();
            assert!(e.rule.contains(rule), "{bad:?}: {e}");
            assert_eq!(e.field, "subdomain");
        }
    }

    #[test]
    fn domains_normalise() {
        assert_eq!(normalize_domain("Example.ORG").unwrap(), "example.org");
        assert_eq!(normalize_domain("münchen.de").unwrap(), "xn--mnchen-3ya.de");
        assert_eq!(
            normalize_domain("xn--mnchen-3ya.de").unwrap(),
            "xn--mnchen-3ya.de"
        );
        assert_eq!(
            normalize_domain("пример.рф").unwrap(),
            "xn--e1afmkfd.xn--p1ai"
        );
        assert_eq!(
            normalize_domain("a-b.c1.example").unwrap(),
            "a-b.c1.example"
        );
        let label = "a".repeat(63);
        let long = format!("{label}.{label}.{label}.{}", "a".repeat(61));
        assert_eq!(long.len(), 253);
        assert_eq!(normalize_domain(&long).unwrap(), long);
    }

    #[test]
    fn domains_refused() {
        let label = "a".repeat(63);
        let too_long = format!("{label}.{label}.{label}.{}", "a".repeat(62));
        for (bad, rule) in [
            ("", "empty"),
            ("https://example.org", "without a scheme (drop `https://`)"),
            ("example.org/path", "path"),
            ("user@example.org", "user info"),
            ("example.org:8080", "port"),
            ("[::1]", "port"),
            ("example.org.", "end with a dot"),
            (".example.org", "empty labels"),
            ("a..b", "empty labels"),
            ("localhost", "two labels"),
            ("exa mple.org", "white space"),
            ("example.org\n", "white space"),
            ("ex_ample.org", "valid domain"),
            ("-example.org", "hyphen"),
            ("127.0.0.1", "IP address"),
            ("pаypal.com", "mixes"),
            (too_long.as_str(), "at most 253"),
            (&format!("{}.org", "a".repeat(64)), "longer than 63"),
            ("exa'mple.org", "valid domain"),
            ("example.org;drop", "valid domain"),
        ] {
            let e = normalize_domain(bad).unwrap_err();
            assert!(e.rule.contains(rule), "{bad:?}: {e}");
            assert_eq!(e.field, "domain");
        }
    }

    #[test]
    fn tenantctls_own_prefixes_are_no_platforms_schema() {
        for bad in [
            "tctl_old_1_20250101000000",
            "tctl_verify_1_0000abcd",
            "tenantctl_verify_0000abcd",
            "_tenantctl_pool_0000abcd",
        ] {
            // Valid names (tenantctl makes them), but never a platform's.
            assert_eq!(validate_schema_name(bad), Ok(()), "{bad}");
            let e = validate_platform_schema(bad).unwrap_err();
            assert!(
                e.rule.contains("reserved for the schemas tenantctl makes"),
                "{e}"
            );
        }
        for ok in ["tenant_acme_abc123", "tctl", "my_tctl_x", "tenantctl2"] {
            assert_eq!(validate_platform_schema(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn schema_names() {
        for ok in [
            "tenant_acme_abc123",
            "_x",
            "a",
            &"a".repeat(63),
            "pgx",
            "public1",
        ] {
            assert_eq!(validate_schema_name(ok), Ok(()), "{ok}");
        }
        for (bad, rule) in [
            ("", "empty"),
            ("public", "reserved"),
            ("information_schema", "reserved"),
            ("tenantctl", "reserved"),
            ("pg_toast", "pg_"),
            ("pg_catalog", "pg_"),
            ("Tenant", "must be lower case (try `tenant`)"),
            ("Acme", "must be lower case (try `acme`)"),
            ("tenAnt", "lower case (try `tenant`)"),
            ("1abc", "start with"),
            ("a-b", "found `-` at byte 1) (try `a_b`)"),
            ("PUBLIC", "must be lower case"),
            ("a\"b", "found `\"`"),
            ("a;drop", "found `;`"),
            ("tenant_а", "found `а`"),
            (&"a".repeat(64), "at most 63 bytes (got 64)"),
        ] {
            let e = validate_schema_name(bad).unwrap_err();
            assert!(e.rule.contains(rule), "{bad:?}: {e}");
        }
    }

    #[test]
    fn error_message_names_field_value_and_rule() {
        let e = validate_subdomain("Acme").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid subdomain `Acme`: must be lower case (try `acme`)"
        );
        let e = validate_platform_name("a\nb").unwrap_err();
        assert!(e.to_string().starts_with("invalid platform name `a\\nb`"));
    }

    #[test]
    fn generated_names() {
        assert_eq!(
            generate_schema_name(Some("acme-corp"), "Acme", 0xabc123),
            "tenant_acme_corp_abc123"
        );
        assert_eq!(
            generate_schema_name(None, "Café Zürich!", 1),
            "tenant_caf_z_rich_000001"
        );
        assert_eq!(
            generate_schema_name(None, "日本", 0xffffff),
            "tenant_platform_ffffff"
        );
        let long = generate_schema_name(Some(&"a".repeat(63)), "x", 0x123456);
        assert_eq!(long.len(), 63);
        assert!(long.ends_with("_123456"));
    }

    /// The `x` of a rule's "(try `x`)", if it has one.
    fn hinted(rule: &str) -> Option<String> {
        let start = rule.rfind("(try `")? + "(try `".len();
        let len = rule[start..].find("`)")?;
        Some(rule[start..start + len].to_string())
    }

    proptest! {
        #[test]
        fn generated_schema_names_always_validate(sub in proptest::option::of("[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,3}"), name in "\\PC{0,120}", suffix in any::<u32>()) {
            let s = generate_schema_name(sub.as_deref(), &name, suffix);
            prop_assert!(validate_schema_name(&s).is_ok(), "{s}");
            prop_assert!(s.len() <= MAX_IDENT_BYTES);
            prop_assert!(s.starts_with(SCHEMA_PREFIX));
        }

        #[test]
        fn different_suffixes_give_different_names(sub in "[a-z0-9]{1,63}", a in 0u32..0xffffff, b in 0u32..0xffffff) {
            prop_assume!(a != b);
            prop_assert_ne!(generate_schema_name(Some(&sub), "n", a), generate_schema_name(Some(&sub), "n", b));
        }

        #[test]
        fn valid_subdomains_accepted(sub in "[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,2}") {
            prop_assert!(validate_subdomain(&sub).is_ok());
        }

        #[test]
        fn normalised_domains_are_fixed_points(d in "[a-zA-Z0-9]{1,10}(\\.[a-zA-Z0-9]{1,10}){0,3}\\.[a-zA-Z]{2,6}") {
            let n = normalize_domain(&d).unwrap();
            prop_assert_eq!(&n, &d.to_ascii_lowercase());
            prop_assert_eq!(normalize_domain(&n).unwrap(), n);
        }

        #[test]
        fn every_subdomain_suggestion_validates(s in "[A-Za-z0-9_ .'-]{0,80}|\\PC{0,80}") {
            if let Some(x) = suggest_subdomain(&s) {
                prop_assert_eq!(validate_subdomain(&x), Ok(()), "{:?} suggested {:?}", s, x);
            }
            if let Err(e) = validate_subdomain(&s)
                && let Some(x) = hinted(&e.rule)
            {
                prop_assert_eq!(validate_subdomain(&x), Ok(()), "{}", e);
            }
        }

        #[test]
        fn every_schema_suggestion_validates(s in "[A-Za-z0-9_ .'-]{0,80}|\\PC{0,80}") {
            if let Some(x) = suggest_schema_name(&s) {
                prop_assert_eq!(validate_schema_name(&x), Ok(()), "{:?} suggested {:?}", s, x);
            }
            if let Err(e) = validate_schema_name(&s)
                && let Some(x) = hinted(&e.rule)
            {
                prop_assert_eq!(validate_schema_name(&x), Ok(()), "{}", e);
            }
        }

        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,300}") {
            let _ = normalize_domain(&s);
            let _ = validate_subdomain(&s);
            let _ = validate_schema_name(&s);
            let _ = validate_platform_name(&s);
        }

        #[test]
        fn accepted_schema_names_match_the_pattern(s in "[a-z_][a-z0-9_]{0,70}") {
            let ok = validate_schema_name(&s).is_ok();
            let expected = s.len() <= 63 && !s.starts_with("pg_") && !RESERVED_SCHEMAS.contains(&s.as_str());
            prop_assert_eq!(ok, expected);
        }
    }

    #[test]
    fn job_kinds_follow_the_queue_rule() {
        for ok in ["mail", "a", "billing.invoice-sent_v2", &"k".repeat(63)] {
            assert_eq!(validate_job_kind(ok), Ok(()), "{ok}");
        }
        let rule = |k: &str| validate_job_kind(k).unwrap_err().rule;
        assert_eq!(rule(""), "must not be empty");
        assert_eq!(rule("Mail"), "must start with a lowercase letter a-z");
        assert_eq!(rule("1mail"), "must start with a lowercase letter a-z");
        assert_eq!(rule("_mail"), "must start with a lowercase letter a-z");
        assert!(
            rule("mail box").contains("found ` ` at byte 4"),
            "{}",
            rule("mail box")
        );
        assert!(rule("maíl").contains("at byte 2"));
        assert!(rule(&"k".repeat(64)).contains("at most 63"));
    }
}
