//! Outbound HTTP to addresses organizations give us (webhook URLs): reqwest with a bounded pool,
//! no redirects, no proxy, a 5 s limit, and a guard on where it may connect.
//!
//! Unless private targets are allowed, a host is resolved by [`GuardedResolver`], which keeps only
//! public addresses: reqwest connects to exactly the addresses the resolver returns, so the check
//! is made on the address connected to (a name that resolves to a public address when created and
//! to 127.0.0.1 when delivered — DNS rebinding — is refused at delivery). A URL that names an IP
//! literal never reaches a resolver and is checked by [`check_url`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long a receiver has to answer (connecting included).
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes of a receiver's answer read at most (the rest is dropped with the connection).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024;

/// Idle connections kept per receiver host.
const IDLE_PER_HOST: usize = 4;

/// Why a URL may not be a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the URL is not an absolute http or https URL with a host")]
    NotHttp,
    #[error("the URL carries a user name or password")]
    Credentials,
    #[error(
        "the URL's host is a loopback, private, link-local or metadata address (refused unless the server allows private webhook targets)"
    )]
    Private,
}

/// Checks what can be checked of a target without resolving it: an http(s) URL with a host, no
/// credentials, and, for an IP literal, a public address unless `allow_private`.
pub fn check_url(url: &str, allow_private: bool) -> Result<url::Url, TargetError> {
    let parsed = url::Url::parse(url).map_err(|_| TargetError::NotHttp)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(TargetError::NotHttp);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(TargetError::Credentials);
    }
    let ip = match parsed.host() {
        None => return Err(TargetError::NotHttp),
        Some(url::Host::Domain(_)) => None,
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
    };
    if let Some(ip) = ip
        && !allow_private
        && !is_public(ip)
    {
        return Err(TargetError::Private);
    }
    Ok(parsed)
}

/// True for an address on the public internet: not loopback, private (RFC 1918, unique local),
/// link-local (cloud metadata lives at 169.254.169.254), shared (100.64/10), unspecified,
/// broadcast, multicast or documentation; IPv4-mapped IPv6 is judged as its IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            // IPv4-compatible (::a.b.c.d, deprecated) is judged as its IPv4 address; `::` and
            // `::1` are refused below.
            if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public_v4(Ipv4Addr::from(v6.to_bits() as u32));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                // site-local (fec0::/10, deprecated)
                || (s[0] & 0xffc0) == 0xfec0
                // NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 (2002::/16) and Teredo (2001::/32)
                // carry IPv4 addresses this check cannot judge; discard-only (100::/64) and
                // documentation (2001:db8::/32) are not destinations.
                || s[..2] == [0x64, 0xff9b]
                || s[0] == 0x2002
                || s[..2] == [0x2001, 0]
                || s[..4] == [0x100, 0, 0, 0]
                || s[..2] == [0x2001, 0xdb8])
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

/// The error a refused resolution carries (found again in reqwest's error chain).
#[derive(Debug, thiserror::Error)]
#[error("the host resolves only to loopback, private, link-local or metadata addresses")]
pub struct PrivateTarget;

/// Resolves with the system resolver and keeps only public addresses.
#[derive(Debug)]
struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(PrivateTarget) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// What came of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered with this status (its body read up to [`MAX_RESPONSE_BYTES`]).
    Answered(u16),
    /// No answer: why, in words that carry no data of the request (never the body).
    Failed(String),
}

/// The shared outbound client.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    /// A client; `allow_private` lets it reach loopback and private addresses (development, tests).
    pub fn new(allow_private: bool) -> Self {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .pool_max_idle_per_host(IDLE_PER_HOST)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("Tessera-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        Self {
            client: builder.build().expect("the outbound HTTP client builds"),
            allow_private,
        }
    }

    /// POSTs `body` as JSON to `url` with `headers`.
    pub async fn post_json(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Outcome {
        let url = match check_url(url, self.allow_private) {
            Ok(url) => url,
            Err(err) => return Outcome::Failed(err.to_string()),
        };
        let mut request = self
            .client
            .post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(err) => return Outcome::Failed(describe(&err)),
        };
        let status = response.status().as_u16();
        // Read a little of the answer (so a small one lets the connection be reused), never more.
        let mut read = 0;
        while read < MAX_RESPONSE_BYTES {
            match tokio::time::timeout(TIMEOUT, response.chunk()).await {
                Ok(Ok(Some(chunk))) => read += chunk.len(),
                _ => break,
            }
        }
        Outcome::Answered(status)
    }
}

/// A failed request in a few words, without its URL's query or anything of the body.
fn describe(err: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(current) = source {
        if current.is::<PrivateTarget>() {
            return PrivateTarget.to_string();
        }
        source = current.source();
    }
    if err.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed before an answer".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should be refused");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[test]
    fn a_target_url_is_http_without_credentials_and_an_ip_literal_must_be_public() {
        assert_eq!(
            check_url("ftp://example.com/x", false),
            Err(TargetError::NotHttp)
        );
        assert_eq!(
            check_url("https://u:p@example.com/", false),
            Err(TargetError::Credentials)
        );
        assert_eq!(
            check_url("http://127.0.0.1:9/hook", false),
            Err(TargetError::Private)
        );
        assert_eq!(
            check_url("http://[::1]/hook", false),
            Err(TargetError::Private)
        );
        assert!(check_url("http://127.0.0.1:9/hook", true).is_ok());
        assert!(check_url("https://hooks.example.com/tessera", false).is_ok());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_when_connecting() {
        let outbound = Outbound::new(false);

        let outcome = outbound
            .post_json("http://localhost:9/hook", &[], b"{}".to_vec())
            .await;

        assert_eq!(outcome, Outcome::Failed(PrivateTarget.to_string()));
    }
}
