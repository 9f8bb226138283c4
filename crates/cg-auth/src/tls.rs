//! The TLS crypto provider of the SDK's HTTP clients.
//!
//! With the `rustls` feature (the default), reqwest is built with `rustls-no-provider`
//! and rustls with *ring* as its only crypto provider. reqwest's own `rustls` feature
//! brings aws-lc-rs, whose aws-lc-sys builds C with cmake and is the largest single
//! cost of a clean build (BENCHMARKS.md, case 6).
//!
//! Without a provider of its own, reqwest panics when it builds a rustls client and no
//! process-wide default provider is installed. The SDK therefore installs ring as the
//! process default ([`install_crypto_provider`]) before it builds any client: in
//! [`client_builder`], in the default token client, and when a [`Pipeline`] is made
//! (which every generated client needs). Why the process default rather than a
//! preconfigured `rustls::ClientConfig` per client:
//!
//! - reqwest then builds its TLS configuration exactly as with its `rustls` feature:
//!   the platform verifier (`rustls-platform-verifier`, the system's roots),
//!   `tls_certs_merge`, ALPN (`h2`, `http/1.1`), version bounds, client identities;
//! - a `reqwest::Client` that the application builds itself works as well, once an SDK
//!   client exists or after the application calls [`install_crypto_provider`] itself;
//! - a provider that the application installed first is kept, never replaced.
//!
//! With `native-tls` alone these functions install nothing.
//!
//! [`Pipeline`]: crate::Pipeline

/// Installs rustls' *ring* provider as the process default, unless a provider is
/// installed already. Cheap after the first call; safe to call from any thread.
///
/// An application that builds its own `reqwest::Client` (for
/// [`AuthenticatorBuilder::http_client`](crate::AuthenticatorBuilder::http_client), say)
/// before any SDK client should call this first, unless it enables a provider of its
/// own (reqwest's `rustls` feature, or its own `install_default`).
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An error means another thread installed one in between: any provider will do.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// `reqwest::Client::builder()`, after [`install_crypto_provider`]: the SDK builds every
/// HTTP client of its own from this.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

#[cfg(all(test, feature = "rustls"))]
mod tests {
    use super::*;

    #[test]
    fn installs_ring_once_and_builds_clients() {
        install_crypto_provider();
        install_crypto_provider();
        let provider = rustls::crypto::CryptoProvider::get_default().expect("installed");
        assert_eq!(format!("{:?}", provider.key_provider), "Ring");
        client_builder().build().expect("a TLS client");
    }
}
