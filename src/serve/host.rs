//! Which host a request names: the `Host` header (and the authority of an absolute-form request
//! target), normalised the way the registry stores domains. Pure functions, no I/O.
//!
//! The rules, in order (every refusal is a 400, before any lookup):
//! - exactly one `Host` header in HTTP/1.1, which requires it even when the request target is
//!   in absolute form (RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request that
//!   lacks one); two are refused whatever the version. HTTP/1.0 may go without (then the
//!   absolute-form target names the host), HTTP/2 and 3 carry `:authority` instead;
//! - an absolute-form target (`GET http://other.example/ HTTP/1.1`) must name the same host as
//!   the `Host` header: a front proxy may have routed on either, so a disagreement is refused
//!   rather than resolved in favour of one;
//! - at most [`MAX_HOST_BYTES`] bytes, UTF-8, an optional `:port` (digits, at most 65535);
//! - one trailing dot is dropped (`acme.example.org.` is the same host);
//! - the name is lower-cased and IDNA-mapped to punycode by
//!   [`crate::rules::naming::normalize_domain`], the very function that normalised the
//!   registry's domains, so a request matches exactly when the registry would.
//!
//! IP addresses and single-label names (`localhost`, `127.0.0.1:8080`, `[::1]`) are well-formed
//! but can never be a platform's address: they are [`HostName::Other`] and resolve as unknown.

use crate::rules::naming;
use axum::http::{HeaderMap, Uri, Version, header};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Longer than any domain (253 bytes in ASCII) plus a port, with room for the UTF-8 form of an
/// internationalised name; anything longer is refused before IDNA processing.
pub const MAX_HOST_BYTES: usize = 1024;

/// The host of a request, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHost {
    pub name: HostName,
    /// The port as the client wrote it, kept for redirects.
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    /// A domain name in the registry's form: lower case, punycode, no trailing dot.
    Domain(String),
    /// An IP address or a single label: valid, but never a platform's address.
    Other(String),
}

impl HostName {
    pub fn as_str(&self) -> &str {
        match self {
            HostName::Domain(s) | HostName::Other(s) => s,
        }
    }
}

impl fmt::Display for RequestHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name.as_str())?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// Why a request's host was refused (always answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadHost {
    #[error("the request has no Host header")]
    Missing,
    #[error("the request has more than one Host header")]
    Duplicate,
    #[error("the request target names host `{target}` but the Host header names `{header}`")]
    Conflict { target: String, header: String },
    #[error("malformed host `{value}`: {rule}")]
    Malformed { value: String, rule: String },
}

fn malformed(raw: &[u8], rule: impl Into<String>) -> BadHost {
    BadHost::Malformed {
        value: naming::shown(&String::from_utf8_lossy(raw)),
        rule: rule.into(),
    }
}

/// The host a request names, from its headers, target and HTTP version.
pub fn request_host(
    headers: &HeaderMap,
    uri: &Uri,
    version: Version,
) -> Result<RequestHost, BadHost> {
    let mut values = headers.get_all(header::HOST).iter();
    let from_header = match (values.next(), values.next()) {
        (Some(_), Some(_)) => return Err(BadHost::Duplicate),
        (Some(v), None) => Some(parse_host(v.as_bytes())?),
        (None, _) => None,
    };
    let from_target = match uri.authority() {
        Some(a) => {
            if a.as_str().contains('@') {
                return Err(malformed(
                    a.as_str().as_bytes(),
                    "user info is not allowed in the request target",
                ));
            }
            Some(parse_host(a.as_str().as_bytes())?)
        }
        None => None,
    };
    match (from_header, from_target) {
        (Some(h), Some(t)) if h.name != t.name => Err(BadHost::Conflict {
            target: t.name.as_str().to_string(),
            header: h.name.as_str().to_string(),
        }),
        (Some(h), _) => Ok(h),
        // An HTTP/1.1 request in absolute form still needs its Host header: served as the
        // tenant its URL names, it would slip past a front proxy that routes on Host.
        (None, Some(_)) if version == Version::HTTP_11 => Err(BadHost::Missing),
        // HTTP/2 carries the host in `:authority`, which arrives as the URI's authority.
        (None, Some(t)) => Ok(t),
        (None, None) => Err(BadHost::Missing),
    }
}

/// Parse and normalise one `host[:port]` value.
pub fn parse_host(raw: &[u8]) -> Result<RequestHost, BadHost> {
    if raw.is_empty() {
        return Err(malformed(raw, "must not be empty"));
    }
    if raw.len() > MAX_HOST_BYTES {
        return Err(malformed(
            raw,
            format!("is {} bytes long (at most {MAX_HOST_BYTES})", raw.len()),
        ));
    }
    let text = std::str::from_utf8(raw).map_err(|_| malformed(raw, "is not UTF-8"))?;

    if let Some(rest) = text.strip_prefix('[') {
        // An IPv6 literal: `[::1]` or `[::1]:8080`.
        let Some((addr, after)) = rest.split_once(']') else {
            return Err(malformed(raw, "unclosed `[`"));
        };
        addr.parse::<Ipv6Addr>()
            .map_err(|_| malformed(raw, "is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            p => parse_port(
                raw,
                p.strip_prefix(':')
                    .ok_or_else(|| malformed(raw, "only `:port` may follow an IPv6 address"))?,
            )?,
        };
        return Ok(RequestHost {
            name: HostName::Other(format!("[{}]", addr.to_ascii_lowercase())),
            port,
        });
    }

    let (name, port) = match text.rsplit_once(':') {
        Some((name, port)) => (name, parse_port(raw, port)?),
        None => (text, None),
    };
    let name = name
        .strip_suffix('.')
        .or_else(|| name.strip_suffix('。'))
        .unwrap_or(name);
    if name.is_empty() {
        return Err(malformed(raw, "has no host name"));
    }
    if name.parse::<Ipv4Addr>().is_ok() {
        return Ok(RequestHost {
            name: HostName::Other(name.to_string()),
            port,
        });
    }
    let single_label = !name.contains('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if single_label {
        return Ok(RequestHost {
            name: HostName::Other(name.to_ascii_lowercase()),
            port,
        });
    }
    match naming::normalize_domain(name) {
        Ok(ascii) => Ok(RequestHost {
            name: HostName::Domain(ascii),
            port,
        }),
        Err(e) => Err(malformed(raw, e.rule)),
    }
}

fn parse_port(raw: &[u8], port: &str) -> Result<Option<u16>, BadHost> {
    if port.is_empty() {
        // RFC 3986 allows an empty port; it means the default.
        return Ok(None);
    }
    if port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(raw, "the port must be a number"));
    }
    port.parse::<u16>()
        .map(Some)
        .map_err(|_| malformed(raw, "the port must be at most 65535"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn domain(s: &str, port: Option<u16>) -> RequestHost {
        RequestHost {
            name: HostName::Domain(s.into()),
            port,
        }
    }

    #[test]
    fn hosts_normalise_like_registry_domains() {
        for (raw, want) in [
            ("acme.example.org", domain("acme.example.org", None)),
            ("ACME.Example.ORG", domain("acme.example.org", None)),
            (
                "acme.example.org:8080",
                domain("acme.example.org", Some(8080)),
            ),
            ("acme.example.org.", domain("acme.example.org", None)),
            (
                "acme.example.org.:443",
                domain("acme.example.org", Some(443)),
            ),
            ("acme.example.org:", domain("acme.example.org", None)),
            (
                "münchen.example.org",
                domain("xn--mnchen-3ya.example.org", None),
            ),
            (
                "MÜNCHEN.example.org",
                domain("xn--mnchen-3ya.example.org", None),
            ),
            (
                "xn--mnchen-3ya.example.org",
                domain("xn--mnchen-3ya.example.org", None),
            ),
            ("acme.example.org。", domain("acme.example.org", None)),
        ] {
            assert_eq!(parse_host(raw.as_bytes()), Ok(want), "{raw}");
        }
    }

    #[test]
    fn ips_and_single_labels_are_other() {
        for (raw, name, port) in [
            ("localhost", "localhost", None),
            ("LocalHost:8080", "localhost", Some(8080)),
            ("127.0.0.1", "127.0.0.1", None),
            ("127.0.0.1:8080", "127.0.0.1", Some(8080)),
            ("[::1]", "[::1]", None),
            ("[::1]:8080", "[::1]", Some(8080)),
            ("[FE80::1]", "[fe80::1]", None),
        ] {
            assert_eq!(
                parse_host(raw.as_bytes()),
                Ok(RequestHost {
                    name: HostName::Other(name.into()),
                    port
                }),
                "{raw}"
            );
        }
    }

    #[test]
    fn malformed_hosts_are_refused() {
        let long = format!("{}.example.org", "a".repeat(2000));
        let label = "a".repeat(64);
        let too_long_label = format!("{label}.example.org");
        for raw in [
            "",
            ":",
            ":8080",
            ".",
            "acme.example.org..",
            "acme..example.org",
            "acme.example.org:http",
            "acme.example.org:65536",
            "acme.example.org:123456",
            "acme.example.org:-1",
            "acme.example.org:80:80",
            "user@acme.example.org",
            "acme.example.org/path",
            "acme example.org",
            "acme.example.org\t",
            "ex_ample.org",
            "-acme.example.org",
            "pаypal.example.org",
            "[::1",
            "[not-ip]",
            "[::1]x",
            "1.2.3",
            long.as_str(),
            too_long_label.as_str(),
        ] {
            assert!(
                matches!(parse_host(raw.as_bytes()), Err(BadHost::Malformed { .. })),
                "{raw:?} was accepted: {:?}",
                parse_host(raw.as_bytes())
            );
        }
        assert!(matches!(
            parse_host(b"acme\xff.example.org"),
            Err(BadHost::Malformed { .. })
        ));
    }

    #[test]
    fn an_absurd_host_is_refused_without_echoing_it_whole() {
        let raw = "a".repeat(100_000);
        let e = parse_host(raw.as_bytes()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("100000 bytes"), "{text}");
        assert!(text.len() < 300, "{}", text.len());
    }

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::HOST, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    #[test]
    fn one_host_header_exactly() {
        let uri: Uri = "/api/posts".parse().unwrap();
        assert_eq!(
            request_host(&headers(&[]), &uri, Version::HTTP_11),
            Err(BadHost::Missing)
        );
        assert_eq!(
            request_host(
                &headers(&[b"a.example.org", b"b.example.org"]),
                &uri,
                Version::HTTP_11
            ),
            Err(BadHost::Duplicate)
        );
        // The same value twice is still two headers.
        assert_eq!(
            request_host(
                &headers(&[b"a.example.org", b"a.example.org"]),
                &uri,
                Version::HTTP_11
            ),
            Err(BadHost::Duplicate)
        );
        assert_eq!(
            request_host(&headers(&[b"A.example.org:80"]), &uri, Version::HTTP_11),
            Ok(domain("a.example.org", Some(80)))
        );
    }

    #[test]
    fn an_absolute_target_must_agree_with_the_host_header() {
        let uri: Uri = "http://b.example.org/api/posts".parse().unwrap();
        assert_eq!(
            request_host(&headers(&[b"a.example.org"]), &uri, Version::HTTP_11),
            Err(BadHost::Conflict {
                target: "b.example.org".into(),
                header: "a.example.org".into()
            })
        );
        // Same host in another spelling: fine.
        let uri: Uri = "http://A.Example.org./api/posts".parse().unwrap();
        assert_eq!(
            request_host(&headers(&[b"a.example.org:8080"]), &uri, Version::HTTP_11),
            Ok(domain("a.example.org", Some(8080)))
        );
        // Only the target (HTTP/2 `:authority`, an HTTP/1.0 absolute form): it is the host.
        let uri: Uri = "http://b.example.org/".parse().unwrap();
        for v in [Version::HTTP_2, Version::HTTP_10] {
            assert_eq!(
                request_host(&headers(&[]), &uri, v),
                Ok(domain("b.example.org", None))
            );
        }
        // HTTP/1.1 requires the Host header, absolute form or not (RFC 9112 §3.2).
        assert_eq!(
            request_host(&headers(&[]), &uri, Version::HTTP_11),
            Err(BadHost::Missing)
        );
        let uri: Uri = "http://user@b.example.org/".parse().unwrap();
        assert!(matches!(
            request_host(&headers(&[b"b.example.org"]), &uri, Version::HTTP_11),
            Err(BadHost::Malformed { .. })
        ));
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_host(&raw);
        }

        #[test]
        fn spelling_variants_agree(
            labels in proptest::collection::vec("[a-z0-9]{1,12}", 2..5),
            upper in any::<bool>(),
            dot in any::<bool>(),
            port in proptest::option::of(1u16..),
        ) {
            let plain = labels.join(".");
            prop_assume!(!labels.last().unwrap().bytes().all(|b| b.is_ascii_digit()));
            let mut variant = if upper { plain.to_ascii_uppercase() } else { plain.clone() };
            if dot { variant.push('.'); }
            if let Some(p) = port { variant.push_str(&format!(":{p}")); }
            let got = parse_host(variant.as_bytes()).unwrap();
            prop_assert_eq!(got.name, HostName::Domain(plain));
            prop_assert_eq!(got.port, port);
        }
    }
}
