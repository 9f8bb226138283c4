//! The facade's clients on rustls + ring, in a process of its own (one test: the
//! crypto provider is process-wide): `Client::builder().build()` needs no provider
//! installed beforehand, and its HTTP client does a TLS handshake, verifying the
//! server's certificate with the platform's roots (which refuse a self-signed one).
#![cfg(feature = "rustls")]

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;

use cg_facade::{Client, Credentials, HostFamily, Region};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::PrivatePkcs8KeyDer;

#[tokio::test]
async fn facade_client_builds_and_handshakes_on_ring() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "no provider before the facade builds its clients"
    );
    let client = Client::builder()
        .region(Region::Eu)
        .credentials(Credentials::client_credentials("id", "secret"))
        .build()
        .expect("the facade client builds");
    let provider = CryptoProvider::get_default().expect("the SDK installed a provider");
    assert_eq!(format!("{:?}", provider.key_provider), "Ring");

    // A rustls server on 127.0.0.1 with a self-signed certificate.
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("certificate");
    let key = PrivatePkcs8KeyDer::from(signing_key.serialize_der());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key.into())
    .expect("server config");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || -> Result<(), String> {
        let (mut tcp, _) = listener.accept().map_err(|e| e.to_string())?;
        let mut conn =
            rustls::ServerConnection::new(Arc::new(config)).map_err(|e| e.to_string())?;
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let mut buf = [0u8; 1024];
        tls.read(&mut buf).map(|_| ()).map_err(|e| e.to_string())
    });

    let (_, http, _) = client.raw_parts(HostFamily::Api);
    let refused = http
        .get(format!("https://127.0.0.1:{port}/v4.1/ping"))
        .send()
        .await
        .expect_err("a self-signed certificate is refused");
    let mut chain = refused.to_string();
    let mut source = std::error::Error::source(&refused);
    while let Some(e) = source {
        chain.push_str(&format!(": {e}"));
        source = e.source();
    }
    assert!(chain.contains("invalid peer certificate"), "{chain}");
    // The server got as far as the client's verdict on its certificate.
    let served = server.join().expect("server thread");
    assert!(served.is_err(), "{served:?}");
}
