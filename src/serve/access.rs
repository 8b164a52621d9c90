//! Who may see what (SPEC section 6): the decisions that follow from the
//! address serve is bound to and from `--expose-internal`.
//!
//! - **Loopback bind** (`127.0.0.0/8`, `::1`, `::ffff:127.x.y.z`): both
//!   sites and full diagnostics; a request is answered only when its `Host`
//!   is a localhost name or a loopback address, so that a web page cannot
//!   read the internal site by rebinding its own DNS name to 127.0.0.1.
//! - **Any other bind** (a LAN address, or `0.0.0.0` / `::`, which listen on
//!   every interface): only the public site, unless `--expose-internal`.
//!   `/internal/` and everything under it then answer 404, and build
//!   diagnostics (which quote record sources, internal fields included) are
//!   replaced by a pointer to the terminal. The `Host` must be an IP address
//!   literal or a localhost name: the server is reachable by address anyway,
//!   while a DNS name is what a rebinding attack needs, and through it a
//!   remote page could make a LAN visitor's browser read this server for
//!   it. Visitors therefore use `http://ADDRESS:PORT/`; a `Host` such as
//!   `laptop.local` gets 403 with that hint.

use std::net::IpAddr;

/// Whether `ip` is a loopback address: `127.0.0.0/8`, `::1`, or an
/// IPv4-mapped `::ffff:127.x.y.z`. The unspecified addresses `0.0.0.0` and
/// `::` are not: binding them listens on every interface.
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Who can reach the server, from the address it is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Bound to a loopback address: only this machine.
    Loopback,
    /// Bound to any other address: the network.
    Network {
        /// `--expose-internal` was given: serve the internal site too.
        expose_internal: bool,
    },
}

impl Audience {
    /// The audience of a server bound to `ip`.
    pub fn of_bind(ip: IpAddr, expose_internal: bool) -> Self {
        if is_loopback(ip) {
            Audience::Loopback
        } else {
            Audience::Network { expose_internal }
        }
    }

    /// Whether the internal audit site (`/internal/`) is served.
    pub fn serves_internal(self) -> bool {
        match self {
            Audience::Loopback => true,
            Audience::Network { expose_internal } => expose_internal,
        }
    }

    /// Whether build diagnostics (which quote record sources, internal
    /// fields included) may be shown in pages: exactly when the internal
    /// site is served.
    pub fn shows_diagnostics(self) -> bool {
        self.serves_internal()
    }

    /// Whether a request whose `Host` header is `host` (`None` when absent)
    /// is answered; see the module documentation.
    pub fn allows_host(self, host: Option<&str>) -> bool {
        let Some(name) = host.map(host_name) else {
            return false;
        };
        let is_ip = name.parse::<IpAddr>();
        match self {
            Audience::Loopback => is_localhost_name(&name) || is_ip.is_ok_and(is_loopback),
            Audience::Network { .. } => is_localhost_name(&name) || is_ip.is_ok(),
        }
    }
}

/// The host part of a `Host` header value, lowercase, without port or
/// IPv6 brackets.
fn host_name(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or("").to_string(),
        None => host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _)| name)
            .to_string(),
    }
}

/// `localhost` or a name under `.localhost` (RFC 6761: always loopback).
fn is_localhost_name(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_exactly_the_loopback_ranges() {
        for ip in [
            "127.0.0.1",
            "127.0.0.2",
            "127.255.255.254",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:127.9.8.7",
        ] {
            assert!(is_loopback(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "0.0.0.0",
            "::",
            "10.99.0.1",
            "192.168.1.20",
            "128.0.0.1",
            "::2",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "fe80::1",
        ] {
            assert!(!is_loopback(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_loopback_binds_serve_the_internal_site_by_default() {
        let cases = [
            ("127.0.0.1", false, true),
            ("::1", false, true),
            ("::ffff:127.0.0.1", false, true),
            ("0.0.0.0", false, false),
            ("::", false, false),
            ("10.99.0.1", false, false),
            ("10.99.0.1", true, true),
            ("0.0.0.0", true, true),
        ];
        for (ip, expose, served) in cases {
            let audience = Audience::of_bind(ip.parse().unwrap(), expose);
            assert_eq!(audience.serves_internal(), served, "{ip} {expose}");
            assert_eq!(audience.shows_diagnostics(), served, "{ip} {expose}");
        }
    }

    #[test]
    fn loopback_binds_answer_only_loopback_host_names() {
        let audience = Audience::Loopback;
        for host in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1111",
            "[::1]:1111",
            "127.0.0.2",
            "app.localhost:3000",
        ] {
            assert!(audience.allows_host(Some(host)), "{host}");
        }
        for host in [
            "attacker.example",
            "attacker.example:1111",
            "localhost.attacker.example",
            "10.0.0.1:1111",
            "[::2]:1",
            "",
        ] {
            assert!(!audience.allows_host(Some(host)), "{host}");
        }
        assert!(!audience.allows_host(None));
    }

    #[test]
    fn network_binds_answer_address_literals_and_localhost_only() {
        for audience in [
            Audience::Network {
                expose_internal: false,
            },
            Audience::Network {
                expose_internal: true,
            },
        ] {
            for host in [
                "10.99.0.1:8081",
                "10.99.0.1",
                "[fe80::1]:1111",
                "localhost:1111",
                "127.0.0.1",
            ] {
                assert!(audience.allows_host(Some(host)), "{host}");
            }
            for host in [
                "attacker.example",
                "laptop.local:1111",
                "10.99.0.1.nip.io",
                "",
            ] {
                assert!(!audience.allows_host(Some(host)), "{host}");
            }
            assert!(!audience.allows_host(None));
        }
    }
}
