//! Reading one HTTP/1.1 request off a socket, for the loopback stand-ins of the
//! notification and language-model tests (chat services, OpenAI, Azure OpenAI).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use serde_json::Value;

/// One request as a stand-in saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request target: path and query.
    pub target: String,
    /// Headers, names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

/// Reads one request from `stream`.
pub fn read(stream: &TcpStream) -> Request {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let target = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.insert(k.to_ascii_lowercase(), v.trim().to_owned());
    }
    let len: usize = headers
        .get("content-length")
        .map_or(0, |v| v.parse().unwrap());
    let mut buf = vec![0; len];
    reader.read_exact(&mut buf).unwrap();
    let body = serde_json::from_slice(&buf).unwrap_or(Value::Null);
    Request {
        target,
        headers,
        body,
    }
}

/// Answers with `status`, extra `headers` and `body`, and closes.
pub fn answer(mut stream: TcpStream, status: u16, headers: &[(String, String)], body: &str) {
    let mut resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        resp.push_str(&format!("{k}: {v}\r\n"));
    }
    resp.push_str("\r\n");
    resp.push_str(body);
    let _ = stream.write_all(resp.as_bytes());
}
