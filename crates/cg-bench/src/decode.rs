//! Case 5: decoding the `Data` envelope of a bounce page, JSON vs XML, same content.
//!
//! The facade has no public decode entry point (its XML decoder is private), so the
//! XML side is measured through the public API: `client.bounces().list().send()` on
//! a canned local server that answers the same pre-rendered page every time, minus
//! the transport (the same body fetched with reqwest `.bytes()`). The JSON side is
//! measured both that way and directly: `serde_json::from_slice` into the generated
//! type, which is exactly the facade's JSON path.

use std::time::Instant;

use cg_facade::{Client, Credentials, Endpoints, Format};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::report::{CaseOut, Row};
use crate::stats::{median, rounded};
use crate::workload;

const ITEMS: usize = 1000;

/// A page of `ITEMS` bounces as the sandbox renders it, in both formats.
async fn bodies() -> Result<(Vec<u8>, Vec<u8>), String> {
    let sandbox = cg_sandbox::Sandbox::builder()
        .request_log_capacity(0)
        .try_start()
        .await
        .map_err(|e| e.to_string())?;
    sandbox.seed_bounces(ITEMS);
    let http = workload::raw_http()?;
    let mut out = Vec::new();
    for suffix in ["json", "xml"] {
        let body = http
            .get(format!("{}/v4.1/lists/bounce.{suffix}", sandbox.api_url()))
            .query(&[("limit", ITEMS)])
            .header(
                reqwest::header::AUTHORIZATION,
                format!("api_key {}", sandbox.demo_api_key()),
            )
            .send()
            .await
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        out.push(body.to_vec());
    }
    sandbox.shutdown().await;
    let xml = out.pop().unwrap_or_default();
    let json = out.pop().unwrap_or_default();
    Ok((json, xml))
}

/// An HTTP/1.1 server (keep-alive) answering every `.xml` path with `xml` and
/// everything else with `json`. Returns its root URL.
async fn canned(json: Vec<u8>, xml: Vec<u8>) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let answer = |body: &[u8], kind: &str| {
        let mut a = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        a.extend_from_slice(body);
        std::sync::Arc::new(a)
    };
    let json = answer(&json, "application/json");
    let xml = answer(&xml, "application/xml");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let (json, xml) = (json.clone(), xml.clone());
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(4096);
                let mut chunk = [0u8; 4096];
                loop {
                    // Requests here are GETs without a body: read up to the blank line.
                    let end = loop {
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break Some(end + 4);
                        }
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => break None,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let Some(end) = end else { return };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    buf.drain(..end);
                    let path = head.split_whitespace().nth(1).unwrap_or("");
                    let body = if path.contains(".xml") { &xml } else { &json };
                    if stream.write_all(body).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(format!("http://{addr}"))
}

/// Case 5.
pub async fn decoding(iterations: usize, reps: usize) -> Result<CaseOut, String> {
    let (json_body, xml_body) = bodies().await?;
    let (json_mb, xml_mb) = (json_body.len() as f64 / 1e6, xml_body.len() as f64 / 1e6);

    // Direct: serde_json into the generated type (the facade's JSON path).
    let mut direct = Vec::new();
    for _ in 0..reps {
        let mut times = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let t0 = Instant::now();
            let page: cg_raw_lists::types::BounceListResponse =
                serde_json::from_slice(&json_body).map_err(|e| e.to_string())?;
            std::hint::black_box(&page);
            times.push(t0.elapsed().as_secs_f64());
        }
        direct.push(median(&times));
    }

    let root = canned(json_body.clone(), xml_body.clone()).await?;
    let endpoints = Endpoints::from_urls(&root, &root, &root).map_err(|e| e.to_string())?;
    let client = Client::builder()
        .endpoints(endpoints)
        .credentials(Credentials::api_key("bench"))
        .build()
        .map_err(|e| e.to_string())?;
    let xml_client = client.with_format(Format::Xml);
    let http = workload::raw_http()?;
    let fetch = |suffix: &'static str| {
        let (http, url) = (http.clone(), format!("{root}/v4.1/lists/bounce.{suffix}"));
        async move {
            let t0 = Instant::now();
            let bytes = http.get(&url).send().await?.bytes().await?;
            std::hint::black_box(&bytes);
            Ok::<f64, reqwest::Error>(t0.elapsed().as_secs_f64())
        }
    };
    let facade = |client: &Client| {
        let client = client.clone();
        async move {
            let t0 = Instant::now();
            let page = client.bounces().list().send().await?;
            if page.len() != ITEMS {
                return Err(cg_facade::Error::Config(format!("{} items", page.len())));
            }
            std::hint::black_box(&page);
            Ok::<f64, cg_facade::Error>(t0.elapsed().as_secs_f64())
        }
    };
    // Warm-up.
    for _ in 0..20 {
        facade(&client).await.map_err(|e| e.to_string())?;
        facade(&xml_client).await.map_err(|e| e.to_string())?;
        fetch("json").await.map_err(|e| e.to_string())?;
        fetch("xml").await.map_err(|e| e.to_string())?;
    }
    let mut per_rep = Vec::new();
    for (rep, json_direct) in direct.iter().copied().enumerate() {
        let (mut fj, mut fx, mut bj, mut bx) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..iterations {
            // Interleaved, the order turning, so drift hits all four alike.
            for k in 0..4 {
                match (i + k) % 4 {
                    0 => fj.push(facade(&client).await.map_err(|e| e.to_string())?),
                    1 => fx.push(facade(&xml_client).await.map_err(|e| e.to_string())?),
                    2 => bj.push(fetch("json").await.map_err(|e| e.to_string())?),
                    _ => bx.push(fetch("xml").await.map_err(|e| e.to_string())?),
                }
            }
        }
        let (fj, fx, bj, bx) = (median(&fj), median(&fx), median(&bj), median(&bx));
        // Facade call minus transport: decode plus the facade's per-call work, which is
        // the same for both formats and cancels in the difference.
        let json_via = fj - bj;
        let xml_via = fx - bx;
        // The XML decode: the direct JSON decode plus what XML costs more than JSON.
        let xml_est = json_direct + (xml_via - json_via);
        eprintln!(
            "case 5: repetition {}: per page JSON {:.3} ms (via facade {:.3} ms), XML {:.3} ms (via facade {:.3} ms)",
            rep + 1,
            json_direct * 1e3,
            json_via * 1e3,
            xml_est * 1e3,
            xml_via * 1e3
        );
        per_rep.push(json!({
            "json_direct_s": json_direct,
            "facade_json_call_s": fj,
            "facade_xml_call_s": fx,
            "bytes_json_s": bj,
            "bytes_xml_s": bx,
            "json_via_facade_s": json_via,
            "xml_via_facade_s": xml_via,
            "xml_estimate_s": xml_est,
        }));
    }
    let pick = |key: &str| -> Vec<f64> {
        per_rep
            .iter()
            .map(|r| r[key].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let t_json = median(&pick("json_direct_s"));
    let t_xml = median(&pick("xml_estimate_s"));
    let t_json_via = median(&pick("json_via_facade_s"));
    let t_xml_via = median(&pick("xml_via_facade_s"));
    let json_mbs = json_mb / t_json;
    let xml_mbs = xml_mb / t_xml;
    let ratio = xml_mbs / json_mbs;
    let rows = vec![
        Row::info(
            "page of 1,000 bounces: JSON / XML body",
            format!(
                "{:.1} / {:.1} KB",
                json_body.len() as f64 / 1e3,
                xml_body.len() as f64 / 1e3
            ),
        ),
        Row::info(
            "JSON decode (serde_json into the generated types)",
            format!("{json_mbs:.0} MB/s ({:.3} ms per page)", t_json * 1e3),
        ),
        Row::info(
            "XML decode (facade XML path, from the public API)",
            format!("{xml_mbs:.0} MB/s ({:.3} ms per page)", t_xml * 1e3),
        ),
        Row::target(
            "XML MB/s / JSON MB/s",
            format!(
                "{ratio:.2}x (same content: XML takes {:.2}x the time)",
                t_xml / t_json
            ),
            ">= 0.5x",
            ratio >= 0.5,
        ),
        Row::info(
            "both through the facade (call minus transport): JSON / XML",
            format!(
                "{:.0} / {:.0} MB/s ({:.2}x)",
                json_mb / t_json_via,
                xml_mb / t_xml_via,
                (xml_mb / t_xml_via) / (json_mb / t_json_via)
            ),
        ),
    ];
    let details = json!({
        "items": ITEMS,
        "json_bytes": json_body.len(),
        "xml_bytes": xml_body.len(),
        "iterations": iterations,
        "repetitions": reps,
        "method": "JSON: median of serde_json::from_slice into cg_raw_lists BounceListResponse. XML: the facade has no public decoder, so XML = JSON direct + ((facade XML call - XML bytes fetch) - (facade JSON call - JSON bytes fetch)), medians of interleaved calls to a canned local server that answers the same pre-rendered page",
        "json_direct_s": rounded(&pick("json_direct_s"), 7),
        "xml_estimate_s": rounded(&pick("xml_estimate_s"), 7),
        "repetitions_detail": per_rep,
    });
    Ok(CaseOut {
        id: 5,
        title: "decoding",
        rows,
        details,
    })
}
