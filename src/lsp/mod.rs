//! `tokenward lsp`: a language server over stdio for rule YAML, `.kql` and `.spl` (lsp-server and
//! lsp-types). A thin shell over the CLI's checks ([`analysis`]), so editor and CI never disagree.

pub mod analysis;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lsp;
use serde_json::Value;

use analysis::{Context, Pos};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Serves one client on standard input and output until it asks to exit.
pub fn run() -> Result<(), Error> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join()?;
    Ok(())
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into()]),
            ..Default::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        ..Default::default()
    }
}

fn serve(connection: &Connection) -> Result<(), Error> {
    let caps = serde_json::to_value(capabilities())?;
    let init = connection.initialize(caps)?;
    let root = workspace_root(&init);
    let cx = Context::load(root.as_deref());
    let mut docs: HashMap<String, String> = HashMap::new();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                let resp = answer(&cx, &docs, req);
                connection.sender.send(Message::Response(resp))?;
            }
            Message::Notification(n) => {
                if let Some(uri) = update(&mut docs, &n) {
                    publish(connection, &cx, &docs, &uri)?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn workspace_root(init: &Value) -> Option<PathBuf> {
    let uri = init
        .pointer("/workspaceFolders/0/uri")
        .or_else(|| init.get("rootUri"))
        .and_then(Value::as_str)?;
    uri_to_path(uri)
}

/// Keeps the open documents' text; returns the document whose diagnostics changed.
fn update(docs: &mut HashMap<String, String>, n: &Notification) -> Option<String> {
    match n.method.as_str() {
        "textDocument/didOpen" => {
            let p: lsp::DidOpenTextDocumentParams =
                serde_json::from_value(n.params.clone()).ok()?;
            let uri = p.text_document.uri.as_str().to_string();
            docs.insert(uri.clone(), p.text_document.text);
            Some(uri)
        }
        "textDocument/didChange" => {
            let p: lsp::DidChangeTextDocumentParams =
                serde_json::from_value(n.params.clone()).ok()?;
            let uri = p.text_document.uri.as_str().to_string();
            // Full sync: the last change holds the whole text.
            let text = p.content_changes.into_iter().last()?.text;
            docs.insert(uri.clone(), text);
            Some(uri)
        }
        "textDocument/didClose" => {
            let p: lsp::DidCloseTextDocumentParams =
                serde_json::from_value(n.params.clone()).ok()?;
            docs.remove(p.text_document.uri.as_str());
            None
        }
        _ => None,
    }
}

fn publish(
    connection: &Connection,
    cx: &Context,
    docs: &HashMap<String, String>,
    uri: &str,
) -> Result<(), Error> {
    let (Some(text), Some(path)) = (docs.get(uri), uri_to_path(uri)) else {
        return Ok(());
    };
    let diagnostics: Vec<lsp::Diagnostic> = analysis::diagnostics(cx, &path, text)
        .iter()
        .filter_map(to_lsp)
        .collect();
    let params = lsp::PublishDiagnosticsParams {
        uri: lsp::Uri::from_str(uri)?,
        diagnostics,
        version: None,
    };
    connection
        .sender
        .send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        )))?;
    Ok(())
}

fn lsp_pos(p: Pos) -> lsp::Position {
    lsp::Position::new(p.line, p.character)
}

fn to_lsp(d: &crate::diag::Diagnostic) -> Option<lsp::Diagnostic> {
    let (start, end) = analysis::range_of(d)?;
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let href = crate::codes::find(d.code).and_then(|e| lsp::Uri::from_str(&e.help_uri()).ok());
    Some(lsp::Diagnostic {
        range: lsp::Range::new(lsp_pos(start), lsp_pos(end)),
        severity: Some(if d.is_error() {
            lsp::DiagnosticSeverity::ERROR
        } else {
            lsp::DiagnosticSeverity::WARNING
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        code_description: href.map(|href| lsp::CodeDescription { href }),
        source: Some("tokenward".into()),
        message,
        ..Default::default()
    })
}

/// The document and byte offset a position request is about.
fn located<'a>(
    docs: &'a HashMap<String, String>,
    p: &lsp::TextDocumentPositionParams,
) -> Option<(PathBuf, &'a str, usize)> {
    let uri = p.text_document.uri.as_str();
    let text = docs.get(uri)?;
    let path = uri_to_path(uri)?;
    let at = analysis::offset(
        text,
        Pos {
            line: p.position.line,
            character: p.position.character,
        },
    );
    Some((path, text.as_str(), at))
}

fn answer(cx: &Context, docs: &HashMap<String, String>, req: Request) -> Response {
    let result = match req.method.as_str() {
        "textDocument/hover" => serde_json::from_value::<lsp::HoverParams>(req.params)
            .ok()
            .and_then(|p| {
                let (path, text, at) = located(docs, &p.text_document_position_params)?;
                let md = analysis::hover(cx, &path, text, at)?;
                serde_json::to_value(lsp::Hover {
                    contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                        kind: lsp::MarkupKind::Markdown,
                        value: md,
                    }),
                    range: None,
                })
                .ok()
            }),
        "textDocument/completion" => serde_json::from_value::<lsp::CompletionParams>(req.params)
            .ok()
            .and_then(|p| {
                let (path, text, at) = located(docs, &p.text_document_position)?;
                let items: Vec<lsp::CompletionItem> = analysis::completions(&path, text, at)
                    .into_iter()
                    .map(|i| lsp::CompletionItem {
                        kind: Some(match i.kind {
                            "field" => lsp::CompletionItemKind::FIELD,
                            "list" => lsp::CompletionItemKind::VARIABLE,
                            _ => lsp::CompletionItemKind::OPERATOR,
                        }),
                        detail: Some(i.detail),
                        label: i.label,
                        ..Default::default()
                    })
                    .collect();
                serde_json::to_value(lsp::CompletionResponse::Array(items)).ok()
            }),
        "textDocument/definition" => {
            serde_json::from_value::<lsp::GotoDefinitionParams>(req.params)
                .ok()
                .and_then(|p| {
                    let (path, text, at) = located(docs, &p.text_document_position_params)?;
                    let (uri, pos) = match analysis::definition(&path, text, at)? {
                        analysis::Definition::Here(o) => (
                            p.text_document_position_params.text_document.uri.clone(),
                            analysis::position(text, o),
                        ),
                        analysis::Definition::File(f) => (
                            lsp::Uri::from_str(&path_to_uri(&f)).ok()?,
                            Pos {
                                line: 0,
                                character: 0,
                            },
                        ),
                    };
                    let range = lsp::Range::new(lsp_pos(pos), lsp_pos(pos));
                    serde_json::to_value(lsp::GotoDefinitionResponse::Scalar(lsp::Location {
                        uri,
                        range,
                    }))
                    .ok()
                })
        }
        _ => {
            return Response::new_err(
                req.id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("tokenward does not handle {}", req.method),
            )
        }
    };
    Response::new_ok(req.id, result.unwrap_or(Value::Null))
}

/// A `file:` URI's path, percent-decoded.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///C:/x` on Windows; `file:///x` elsewhere.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    let s = if cfg!(windows) {
        s.trim_start_matches('/').to_string()
    } else {
        s
    };
    Some(PathBuf::from(s))
}

/// A path as a `file:` URI, percent-encoding what a URI path cannot hold.
pub fn path_to_uri(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let s = abs.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_paths_round_trip() {
        let p = Path::new("/tmp/a b/ü%.yaml");
        let uri = path_to_uri(p);
        assert_eq!(uri, "file:///tmp/a%20b/%C3%BC%25.yaml");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
    }
}
