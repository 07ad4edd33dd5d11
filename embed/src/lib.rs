//! Tessera's embed client (`GET /embed.js`): puts Tessera's `/widget` on a partner's page as a
//! modal or inline, with the `persona` SDK's options (camelCase, plus `host`) and callbacks.
//!
//! ```js
//! import init, { Client } from "https://tessera.example/embed.js";
//! await init();
//! const client = new Client({
//!   host: "https://tessera.example", templateId: "itmpl_…", shareToken: "cnst_…",
//!   onReady: () => client.open(), onComplete: ({ inquiryId, status }) => …,
//! });
//! ```
//!
//! The iframe speaks the widget's message protocol (CONTRACT.md §7). Messages are accepted only
//! from that iframe's window at Tessera's origin, and actions go only to that origin. No Leptos, no
//! serde and no formatting machinery here, and the page's DOM is touched in as few calls as
//! possible: every byte is downloaded by every partner page.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    Document, Element, Event, HtmlElement, HtmlIFrameElement, KeyboardEvent, MessageEvent, Window,
};

/// The page's JavaScript runs on one thread, and so does this module.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32 without the atomics feature has exactly one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// A bug here stops the client (the browser shows `unreachable` in the console); nothing is
/// formatted, which keeps the formatting machinery out of the download.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The modal's look. Scoped by class names that start with `tessera-embed`.
const STYLE: &str = ".tessera-embed-overlay{position:fixed;inset:0;z-index:2147483000;display:none;align-items:center;justify-content:center;background:rgb(16 24 40/60%)}\
.tessera-embed-overlay.open{display:flex}\
.tessera-embed-dialog{width:100%;height:100%;background:#fff;outline:none}\
@media (min-width:600px) and (min-height:600px){.tessera-embed-dialog{width:420px;height:680px;max-height:95vh;border-radius:12px;overflow:hidden;box-shadow:0 12px 40px rgb(16 24 40/30%)}}\
.tessera-embed-dialog iframe,.tessera-embed-inline{display:block;width:100%;height:100%;border:0}\
.tessera-embed-inline{height:480px}\
.tessera-embed-sentinel{position:absolute;width:1px;height:1px;overflow:hidden}";

fn window() -> Window {
    web_sys::window().expect_throw("Tessera's embed client runs in a browser window")
}

fn document() -> Document {
    window()
        .document()
        .expect_throw("Tessera's embed client needs a document")
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    get(object, key).as_string().filter(|s| !s.is_empty())
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// `nameFirst` and `name_first` become `name-first` (the persona SDK sends field keys that way);
/// `address-street-1` and `name.first` stay as they are.
fn kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut previous_alpha = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' || c == ' ' {
            out.push('-');
        } else if c.is_ascii_digit() && previous_alpha && !out.ends_with('-') {
            out.push('-');
            out.push(c);
        } else {
            out.push(c);
        }
        previous_alpha = c.is_ascii_alphabetic();
    }
    out
}

/// `localhost:3000` → `http://localhost:3000`; `tessera.example` → `https://tessera.example`;
/// a URL keeps its scheme (and loses any path). Byte work only: no panicking string slicing.
/// Only http and https: anything else (`javascript:`) is refused by the caller.
fn origin_of(host: &str) -> String {
    let host = host.trim_end_matches('/');
    let scheme_end = host.as_bytes().windows(3).position(|w| w == b"://");
    let (scheme, rest) =
        match scheme_end.and_then(|end| Some((host.get(..end)?, host.get(end + 3..)?))) {
            Some(parts) => parts,
            None if host.starts_with("localhost") || host.starts_with("127.") => ("http", host),
            None => ("https", host),
        };
    let authority = rest.split('/').next().unwrap_or(rest);
    let mut origin = String::from(scheme);
    origin.push_str("://");
    origin.push_str(authority);
    origin
}

/// `n` in decimal digits (without the formatting machinery).
fn decimal(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| d as char).collect()
}

/// A random container id, as the persona SDK makes one.
fn container_id() -> String {
    let random = js_sys::Math::random();
    let digits = js_sys::Number::from(random)
        .to_string_with_radix(36)
        .map(String::from)
        .unwrap_or_default();
    let mut id = String::from("tessera-embed-");
    id.push_str(digits.strip_prefix("0.").unwrap_or(&digits));
    id
}

/// A query string built by hand (one import, `encodeURIComponent`, instead of URLSearchParams').
struct Query(String);

impl Query {
    fn append(&mut self, name: &str, value: &str) {
        if !self.0.ends_with('?') {
            self.0.push('&');
        }
        self.0
            .push_str(&String::from(js_sys::encode_uri_component(name)));
        self.0.push('=');
        self.0
            .push_str(&String::from(js_sys::encode_uri_component(value)));
    }
}

/// The widget's URL for these options.
fn widget_url(origin: &str, options: &JsValue, container: &str, inline: bool) -> String {
    let mut url = String::from(origin);
    url.push_str("/widget?");
    let mut query = Query(url);
    query.append("container-id", container);
    query.append("flow-type", if inline { "inline" } else { "embedded" });
    query.append(
        "iframe-origin",
        &window().location().origin().unwrap_or_default(),
    );
    for (param, option) in [
        ("inquiry-template-id", "templateId"),
        ("inquiry-id", "inquiryId"),
        ("session-token", "sessionToken"),
        ("share-token", "shareToken"),
        ("reference-id", "referenceId"),
        ("language", "language"),
    ] {
        if let Some(value) = text(options, option) {
            query.append(param, &value);
        }
    }
    let fields = get(options, "fields");
    if fields.is_object() {
        for entry in Object::entries(fields.unchecked_ref()).iter() {
            let key = get(&entry, "0").as_string().unwrap_or_default();
            let value = get(&entry, "1");
            if value.is_null() || value.is_undefined() {
                continue;
            }
            let value = value
                .as_string()
                .or_else(|| {
                    js_sys::JSON::stringify(&value)
                        .ok()
                        .and_then(|s| s.as_string())
                })
                .unwrap_or_default();
            let mut name = String::from("fields[");
            name.push_str(&kebab(&key));
            name.push(']');
            query.append(&name, &value);
        }
    }
    let mappings = get(options, "fieldMappings");
    if js_sys::Array::is_array(&mappings) {
        let mappings: &js_sys::Array = mappings.unchecked_ref();
        for (index, mapping) in mappings.iter().enumerate() {
            let index = decimal(index as u64);
            for (part, option) in [
                ("source-field-name", "sourceFieldName"),
                ("destination-field-name", "destinationFieldName"),
            ] {
                if let Some(value) = text(&mapping, option) {
                    let mut name = String::from("field-mappings[");
                    name.push_str(&index);
                    name.push_str("][");
                    name.push_str(part);
                    name.push(']');
                    query.append(&name, &value);
                }
            }
        }
    }
    query.0
}

/// Text for a double-quoted HTML attribute.
fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
    out
}

/// The element `parent` names (an element, or a CSS selector); `Ok(None)` without `parent` (a
/// modal). A `parent` that names nothing is the partner's mistake, said at once rather than
/// silently turned into a modal.
fn parent_element(options: &JsValue) -> Result<Option<Element>, JsValue> {
    let parent = get(options, "parent");
    if parent.is_undefined() || parent.is_null() {
        return Ok(None);
    }
    let found = match parent.as_string() {
        Some(selector) => document().query_selector(&selector).ok().flatten(),
        None => parent.dyn_into::<Element>().ok(),
    };
    found
        .map(Some)
        .ok_or_else(|| js_sys::Error::new("Tessera: `parent` names no element on this page").into())
}

/// An event name and the listener this client added to `window` for it.
type Listener = (&'static str, Closure<dyn Fn(Event)>);

struct Inner {
    options: JsValue,
    origin: String,
    container: String,
    iframe: HtmlIFrameElement,
    /// The modal's overlay; `None` when inline.
    overlay: Option<HtmlElement>,
    /// What had focus when the modal opened: it gets focus back when the modal closes.
    opener: Option<HtmlElement>,
    open: bool,
    /// The flow said `ready`: it answers `{action: "exit"}` from then on.
    ready: bool,
    /// The listeners on `window`, removed by `destroy`.
    listeners: Vec<Listener>,
}

/// What to do once the client is no longer borrowed: a partner's callback, or a focus move (both
/// run the page's own handlers, which may call `open()`, `cancel()` or `destroy()`).
enum After {
    Call(JsValue, js_sys::Array),
    Focus(HtmlElement),
}

impl After {
    fn run(self) {
        match self {
            After::Call(function, arguments) => {
                if let Some(function) = function.dyn_ref::<Function>() {
                    let _ = function.apply(&JsValue::NULL, &arguments);
                }
            }
            After::Focus(element) => {
                let _ = element.focus();
            }
        }
    }
}

/// Runs what a borrow of the client left to do, after the borrow ends.
fn run_all(after: Vec<After>) {
    after.into_iter().for_each(After::run);
}

impl Inner {
    fn callback(&self, name: &str, arguments: &[&JsValue]) -> After {
        After::Call(
            get(&self.options, name),
            arguments.iter().copied().collect(),
        )
    }

    fn show(&mut self) -> Vec<After> {
        let Some(overlay) = &self.overlay else {
            return Vec::new();
        };
        if self.open {
            return Vec::new();
        }
        self.open = true;
        self.opener = document()
            .active_element()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        let _ = overlay.class_list().add_1("open");
        self.focus_target().map(After::Focus).into_iter().collect()
    }

    /// Where focus belongs in the open modal: the flow once it is ready, the dialog before (a
    /// frame that never loads would swallow Escape).
    fn focus_target(&self) -> Option<HtmlElement> {
        if self.ready {
            return Some(self.iframe.clone().unchecked_into());
        }
        self.overlay
            .as_ref()?
            .first_element_child()?
            .dyn_into::<HtmlElement>()
            .ok()
    }

    fn hide(&mut self) -> Vec<After> {
        let Some(overlay) = &self.overlay else {
            return Vec::new();
        };
        if !self.open {
            return Vec::new();
        }
        self.open = false;
        let _ = overlay.class_list().remove_1("open");
        self.opener.take().map(After::Focus).into_iter().collect()
    }

    /// Closes the modal: through the flow once it is ready (it answers `exit` with the session
    /// token), at once before that (a flow that never loads must not trap the user).
    fn close(&mut self, metadata: &Object) -> Vec<After> {
        if self.ready {
            self.post_action("exit", metadata);
            Vec::new()
        } else {
            self.hide()
        }
    }

    /// Asks the widget to exit: it answers with `exit` (and the session token to resume with).
    fn post_action(&self, action: &str, metadata: &Object) {
        let message = Object::new();
        set(&message, "action", &JsValue::from_str(action));
        set(&message, "metadata", metadata);
        if let Some(frame) = self.iframe.content_window() {
            let _ = frame.post_message(&message, &self.origin);
        }
    }

    /// A message from the widget, only from our iframe at Tessera's origin: the callbacks to call.
    fn receive(&mut self, event: &MessageEvent) -> Vec<After> {
        if event.origin() != self.origin {
            return Vec::new();
        }
        let ours = match (event.source(), self.iframe.content_window()) {
            (Some(source), Some(frame)) => Object::is(&source, frame.as_ref()),
            _ => false,
        };
        let data = event.data();
        let container = text(&data, "containerId");
        if !ours || container.as_deref().is_some_and(|c| c != self.container) {
            return Vec::new();
        }
        let Some(name) = text(&data, "name") else {
            return Vec::new();
        };
        let metadata = get(&data, "metadata");
        let mut calls = vec![self.callback("onEvent", &[&JsValue::from_str(&name), &metadata])];
        match name.as_str() {
            "load" => calls.push(self.callback("onLoad", &[])),
            "ready" => {
                self.ready = true;
                if self.open {
                    calls.extend(self.focus_target().map(After::Focus));
                }
                calls.push(self.callback("onReady", &[]));
            }
            "complete" | "fail" => {
                calls.extend(self.hide());
                calls.push(self.callback("onComplete", &[&metadata]));
            }
            "exit" => {
                calls.extend(self.hide());
                calls.push(self.callback("onCancel", &[&metadata]));
            }
            "error" => calls.push(self.callback("onError", &[&get(&data, "error")])),
            "page-change" if self.overlay.is_none() => {
                let height = get(&metadata, "pageHeight").as_f64().unwrap_or_default();
                if height > 0.0 {
                    let whole = height as u64;
                    let mut value = decimal(whole + u64::from((whole as f64) < height));
                    value.push_str("px");
                    let _ = self.iframe.style().set_property("height", &value);
                }
            }
            _ => {}
        }
        calls
    }

    /// Keys on the partner's page while the modal is open: Escape closes it.
    fn key(&mut self, event: &KeyboardEvent) -> Vec<After> {
        if self.open && event.key() == "Escape" {
            event.prevent_default();
            return self.close(&Object::new());
        }
        Vec::new()
    }

    /// Focus may not leave an open modal: whatever else takes it (a sentinel next to the flow, or
    /// anything on the page behind) gives it back to the flow.
    fn focus_in(&self, event: &Event) {
        let (true, Some(home)) = (self.open, self.focus_target()) else {
            return;
        };
        let at_home = event
            .target()
            .is_some_and(|t| Object::is(t.as_ref(), home.as_ref()));
        if !at_home {
            let _ = home.focus();
        }
    }
}

/// A Tessera flow on this page, as a modal (the default) or inline in `parent`.
#[wasm_bindgen]
pub struct Client {
    inner: Rc<RefCell<Inner>>,
}

#[wasm_bindgen]
impl Client {
    /// Loads the flow (hidden until `open()` for a modal). Options: `host` (Tessera's origin, or
    /// `localhost:3000` as the persona SDK takes it), `templateId` or `inquiryId` + `sessionToken`,
    /// `shareToken`, `fieldMappings`, `fields`, `referenceId`, `language`, `parent`,
    /// `iframeTitle`, and the callbacks `onLoad`, `onReady`, `onComplete`, `onCancel`,
    /// `onError`, `onEvent`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
        let Some(host) = text(&options, "host") else {
            return Err(
                js_sys::Error::new("Tessera: `host` is required (Tessera's address)").into(),
            );
        };
        if text(&options, "templateId").is_some() == text(&options, "inquiryId").is_some() {
            return Err(js_sys::Error::new(
                "Tessera: give either `templateId` or `inquiryId` (with `sessionToken`)",
            )
            .into());
        }
        let document = document();
        let root = document
            .document_element()
            .ok_or_else(|| js_sys::Error::new("Tessera: the page has no document element"))?;
        if document.get_element_by_id("tessera-embed-style").is_none() {
            let mut style = String::from("<style id=\"tessera-embed-style\">");
            style.push_str(STYLE);
            style.push_str("</style>");
            root.first_element_child()
                .unwrap_or_else(|| root.clone())
                .insert_adjacent_html("beforeend", &style)?;
        }
        let origin = origin_of(&host);
        if !(origin.starts_with("https://") || origin.starts_with("http://")) {
            return Err(
                js_sys::Error::new("Tessera: `host` is Tessera's http or https address").into(),
            );
        }
        let container = container_id();
        let parent = parent_element(&options)?;
        let inline = parent.is_some();
        let title = attribute(
            &text(&options, "iframeTitle").unwrap_or_else(|| String::from("Verify your identity")),
        );
        let mut frame = String::from("<iframe allow=\"camera\" title=\"");
        frame.push_str(&title);
        frame.push_str("\" src=\"");
        frame.push_str(&attribute(&widget_url(
            &origin, &options, &container, inline,
        )));
        frame.push('"');
        // The markup is built here, in one piece: one call into the page instead of a dozen.
        let (host_element, markup) = match parent {
            Some(parent) => {
                frame.push_str(" class=\"tessera-embed-inline\"></iframe>");
                (parent, frame)
            }
            None => {
                // Focus leaving the flow by Tab lands on a sentinel and is sent back.
                let sentinel = "<span tabindex=\"0\" class=\"tessera-embed-sentinel\"></span>";
                let mut overlay = String::from("<div class=\"tessera-embed-overlay\" id=\"");
                overlay.push_str(&container);
                overlay.push_str(
                    "\"><div class=\"tessera-embed-dialog\" role=\"dialog\" aria-modal=\"true\" tabindex=\"-1\" aria-label=\"",
                );
                overlay.push_str(&title);
                overlay.push_str("\">");
                overlay.push_str(sentinel);
                overlay.push_str(&frame);
                overlay.push_str("></iframe>");
                overlay.push_str(sentinel);
                overlay.push_str("</div></div>");
                let body = document
                    .body()
                    .ok_or_else(|| js_sys::Error::new("Tessera: the page has no body"))?;
                (body.into(), overlay)
            }
        };
        host_element.insert_adjacent_html("beforeend", &markup)?;
        let added = host_element
            .last_element_child()
            .ok_or_else(|| js_sys::Error::new("Tessera: the flow could not be added"))?;
        let (iframe, overlay) = if inline {
            (added.unchecked_into::<HtmlIFrameElement>(), None)
        } else {
            let iframe = added
                .query_selector("iframe")?
                .ok_or_else(|| js_sys::Error::new("Tessera: the flow could not be added"))?;
            (
                iframe.unchecked_into(),
                Some(added.unchecked_into::<HtmlElement>()),
            )
        };
        let inner = Rc::new(RefCell::new(Inner {
            options,
            origin,
            container,
            iframe,
            overlay,
            opener: None,
            open: false,
            ready: false,
            listeners: Vec::new(),
        }));
        let window = window();
        let listeners: [Listener; 3] = [
            ("message", {
                let inner = Rc::clone(&inner);
                Closure::new(move |event: Event| {
                    let (Some(event), Ok(mut inner)) =
                        (event.dyn_ref::<MessageEvent>(), inner.try_borrow_mut())
                    else {
                        return;
                    };
                    let after = inner.receive(event);
                    drop(inner);
                    run_all(after);
                })
            }),
            ("keydown", {
                let inner = Rc::clone(&inner);
                Closure::new(move |event: Event| {
                    if let (Some(event), Ok(mut inner)) =
                        (event.dyn_ref::<KeyboardEvent>(), inner.try_borrow_mut())
                    {
                        let after = inner.key(event);
                        drop(inner);
                        run_all(after);
                    }
                })
            }),
            ("focusin", {
                let inner = Rc::clone(&inner);
                // Moving focus ourselves (open, close) fires `focusin` while the client is
                // borrowed: that one is ours and needs nothing.
                Closure::new(move |event: Event| {
                    if let Ok(inner) = inner.try_borrow() {
                        inner.focus_in(&event);
                    }
                })
            }),
        ];
        for (name, listener) in listeners {
            window.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())?;
            inner.borrow_mut().listeners.push((name, listener));
        }
        Ok(Client { inner })
    }

    /// Shows the modal (an inline flow is always shown).
    pub fn open(&self) {
        let after = self.inner.borrow_mut().show();
        run_all(after);
    }

    /// Asks the flow to close; it answers with `onCancel` and the session token to resume with.
    /// With `force`, the modal closes at once as well.
    pub fn cancel(&self, force: Option<bool>) {
        let force = force.unwrap_or(false);
        let metadata = Object::new();
        set(&metadata, "force", &JsValue::from_bool(force));
        let mut inner = self.inner.borrow_mut();
        let mut after = inner.close(&metadata);
        if force {
            after.extend(inner.hide());
        }
        drop(inner);
        run_all(after);
    }

    /// Removes the flow from the page and stops listening.
    pub fn destroy(&self) {
        let mut inner = self.inner.borrow_mut();
        let after = inner.hide();
        inner.post_action("destroy", &Object::new());
        let window = window();
        for (name, listener) in inner.listeners.drain(..) {
            let _ =
                window.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
        match &inner.overlay {
            Some(overlay) => overlay.remove(),
            None => inner.iframe.remove(),
        }
        drop(inner);
        run_all(after);
    }

    /// Warms the connection to Tessera before the flow is needed.
    pub fn preload(&self) {
        let inner = self.inner.borrow();
        let mut link = String::from("<link rel=\"preconnect\" href=\"");
        link.push_str(&attribute(&inner.origin));
        link.push_str("\">");
        if let Some(root) = document().document_element() {
            let _ = root
                .first_element_child()
                .unwrap_or(root)
                .insert_adjacent_html("beforeend", &link);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_keys_are_kebab_cased_as_the_persona_sdk_sends_them() {
        assert_eq!(kebab("nameFirst"), "name-first");
        assert_eq!(kebab("name_last"), "name-last");
        assert_eq!(kebab("addressStreet1"), "address-street-1");
        assert_eq!(kebab("address-street-1"), "address-street-1");
        assert_eq!(kebab("name.first"), "name.first");
    }

    #[test]
    fn a_host_becomes_an_origin() {
        assert_eq!(origin_of("localhost:3000"), "http://localhost:3000");
        assert_eq!(origin_of("tessera.example"), "https://tessera.example");
        assert_eq!(origin_of("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("https://tessera.example/widget"),
            "https://tessera.example"
        );
    }
}
