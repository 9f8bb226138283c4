//! TLS on rustls + ring, in a process of its own (one test: the crypto provider is
//! process-wide): the SDK's clients build with no provider installed beforehand, and
//! finish a TLS handshake with a local rustls server whose self-signed certificate is
//! an extra root; without that root the platform verifier refuses it.
#![cfg(feature = "rustls")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A self-signed certificate for `localhost` and 127.0.0.1, and its key.
fn certificate() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("certificate");
    let key = PrivatePkcs8KeyDer::from(signing_key.serialize_der());
    (cert.der().clone(), key.into())
}

/// A TLS server on 127.0.0.1 (its own ring provider, not the process default) that
/// answers `connections` connections, each with one `200 pong`, and reports for each
/// whether its handshake and request succeeded.
fn serve(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    connections: usize,
) -> (SocketAddr, JoinHandle<Vec<Result<(), String>>>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = std::thread::spawn(move || {
        (0..connections)
            .map(|_| {
                let (mut tcp, _) = listener.accept().map_err(|e| e.to_string())?;
                let mut conn =
                    rustls::ServerConnection::new(config.clone()).map_err(|e| e.to_string())?;
                let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = tls.read(&mut buf).map_err(|e| e.to_string())?;
                    if n == 0 {
                        return Err("closed before the request ended".to_owned());
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                tls.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\npong",
                )
                .map_err(|e| e.to_string())?;
                tls.conn.send_close_notify();
                tls.flush().map_err(|e| e.to_string())?;
                Ok(())
            })
            .collect()
    });
    (addr, handle)
}

#[tokio::test]
async fn sdk_clients_speak_tls_on_ring() {
    assert!(
        CryptoProvider::get_default().is_none(),
        "no provider before the SDK builds a client"
    );
    // The default token client: reqwest would panic here without a provider.
    let token_client = cg_auth::token::default_token_client().expect("a token client");
    let provider = CryptoProvider::get_default().expect("the SDK installed a provider");
    assert_eq!(format!("{:?}", provider.key_provider), "Ring");

    let (cert, key) = certificate();
    let (addr, server) = serve(cert.clone(), key, 2);

    // With the certificate as an extra root (the platform's roots stay): a handshake.
    let trusting = cg_auth::tls::client_builder()
        .tls_certs_merge([reqwest::Certificate::from_der(&cert).expect("der")])
        .tls_info(true)
        .resolve("localhost", addr)
        .build()
        .expect("client");
    let answer = trusting
        .get(format!("https://localhost:{}/ping", addr.port()))
        .send()
        .await
        .expect("a TLS round trip");
    assert_eq!(answer.status(), 200);
    let info = answer
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .expect("TLS info")
        .clone();
    assert_eq!(info.peer_certificate(), Some(cert.as_ref()));
    assert_eq!(answer.text().await.expect("body"), "pong");

    // Without it, the platform verifier refuses the self-signed certificate.
    let refused = token_client
        .get(format!("https://127.0.0.1:{}/ping", addr.port()))
        .send()
        .await
        .expect_err("an unknown issuer");
    let mut chain = refused.to_string();
    let mut source = std::error::Error::source(&refused);
    while let Some(e) = source {
        chain.push_str(&format!(": {e}"));
        source = e.source();
    }
    assert!(chain.contains("invalid peer certificate"), "{chain}");

    let served = server.join().expect("server thread");
    assert_eq!(served[0], Ok(()));
    assert!(served[1].is_err(), "the second handshake fails: {served:?}");
}
