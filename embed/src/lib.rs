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
//! serde, no formatting machinery, and not even `js-sys` or `web-sys`: the few members of the page
//! this client uses are bound below, so nothing else reaches the download (js-sys alone brings
//! its global-object probing, its closure adapters for typed arrays and its JSPI task machinery,
//! a third of the former wasm). Every byte is downloaded by every partner page.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::Cell;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

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

#[wasm_bindgen]
extern "C" {
    /// Whatever of the page this client touches (an element, a window, an event), used through
    /// the members below by name: one type keeps the bindings, and the download, small.
    type Node;

    #[wasm_bindgen(method, catch, js_name = insertAdjacentHTML)]
    fn insert_html(this: &Node, position: &str, html: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter, js_name = firstElementChild)]
    fn first_child(this: &Node) -> Option<Node>;
    #[wasm_bindgen(method, getter, js_name = lastElementChild)]
    fn last_child(this: &Node) -> Option<Node>;
    #[wasm_bindgen(method, catch, js_name = querySelector)]
    fn query(this: &Node, selector: &str) -> Result<Option<Node>, JsValue>;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Node, name: &str, value: &str);
    #[wasm_bindgen(method)]
    fn focus(this: &Node);
    #[wasm_bindgen(method)]
    fn remove(this: &Node);
    #[wasm_bindgen(method, getter, js_name = contentWindow)]
    fn content_window(this: &Node) -> Option<Node>;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    fn post_message(this: &Node, message: &JsValue, target_origin: &str) -> Result<(), JsValue>;

    // The events this client listens to (`message`, `keydown`, `focusin`).
    #[wasm_bindgen(method, getter, js_name = "type")]
    fn kind(this: &Node) -> String;
    // Compared as JavaScript values: a script may dispatch a bare `Event("message")` or
    // `Event("keydown")` without them.
    #[wasm_bindgen(method, getter)]
    fn origin(this: &Node) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn source(this: &Node) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn data(this: &Node) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn key(this: &Node) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn target(this: &Node) -> JsValue;
    #[wasm_bindgen(method, js_name = preventDefault)]
    fn prevent_default(this: &Node);

    /// The page's `document` (its members are reached as `document.…`).
    #[wasm_bindgen(js_name = document)]
    type Document;
    #[wasm_bindgen(static_method_of = Document, catch, js_name = querySelector)]
    fn find(selector: &str) -> Result<Option<Node>, JsValue>;
    #[wasm_bindgen(static_method_of = Document, getter, js_name = activeElement)]
    fn active_element() -> Option<Node>;

    /// The page's `location`.
    #[wasm_bindgen(js_name = location)]
    type Location;
    #[wasm_bindgen(static_method_of = Location, getter, js_name = origin)]
    fn page_origin() -> JsValue;

    #[wasm_bindgen(js_namespace = window, js_name = addEventListener)]
    fn listen(kind: &str, listener: &Listener);
    #[wasm_bindgen(js_namespace = window, js_name = removeEventListener)]
    fn unlisten(kind: &str, listener: &Listener);

    /// A partner's callback.
    type Callback;
    #[wasm_bindgen(method, catch, js_name = call)]
    fn call(
        this: &Callback,
        this_arg: &JsValue,
        a: &JsValue,
        b: &JsValue,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    fn reflect_get(target: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &JsValue, key: &str, value: &JsValue);
    /// `Object()`: a new empty object.
    #[wasm_bindgen(js_name = Object)]
    fn new_object() -> JsValue;
    #[wasm_bindgen(js_namespace = Object)]
    fn entries(object: &JsValue) -> JsValue;
    #[wasm_bindgen(js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> bool;
    #[wasm_bindgen(catch, js_namespace = JSON)]
    fn stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    /// The widget's query string, encoded by the browser.
    #[wasm_bindgen(js_name = URLSearchParams)]
    type Query;
    #[wasm_bindgen(constructor, js_class = "URLSearchParams")]
    fn new() -> Query;
    #[wasm_bindgen(method, js_name = append)]
    fn add(this: &Query, name: &str, value: &JsValue);
    #[wasm_bindgen(method, js_name = toString)]
    fn text(this: &Query) -> String;
    #[wasm_bindgen(js_namespace = Math)]
    fn random() -> f64;

    /// `Error(message)`: what the constructor throws at a partner's mistake.
    #[wasm_bindgen(js_name = Error)]
    fn error(message: &str) -> JsValue;
}

/// The modal's look, in `style` attributes: nothing is added to the partner's stylesheets, and
/// their rules cannot hide or move the flow by accident. (The class names stay, for a partner's
/// own CSS.) The overlay's style ends with its `display`.
const OVERLAY_STYLE: &str =
    "position:fixed;inset:0;z-index:2147483000;background:#10182899;display:";
const DIALOG_STYLE: &str = "position:absolute;inset:0;margin:auto;width:min(100%,420px);height:min(95%,680px);background:#fff;outline:none;border-radius:12px;overflow:hidden;box-shadow:0 12px 40px #1018284d";
/// An inline flow's frame; its style ends with its height (480 px until the flow says).
const INLINE_STYLE: &str = "display:block;width:100%;border:0;height:";

/// What the constructor throws when the page cannot take the flow (no `<body>`, or markup the
/// page's own scripts removed at once).
const NOT_ADDED: &str = "Tessera: the flow could not be added to this page";

/// The client's one listener on `window`.
type Listener = Closure<dyn Fn(Node)>;

/// What the constructor throws when `parent` names no element of the page.
const NO_PARENT: &str = "Tessera: `parent` names no element on this page";

/// The window events the client listens to, all with one listener.
const EVENTS: [&str; 3] = ["message", "keydown", "focusin"];

fn get(object: &JsValue, key: &str) -> JsValue {
    reflect_get(object, key).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    get(object, key).as_string().filter(|s| !s.is_empty())
}

/// The items of a JavaScript array.
fn items(array: &JsValue) -> impl Iterator<Item = JsValue> + '_ {
    let length = get(array, "length").as_f64().unwrap_or_default() as u64;
    (0..length).map(move |index| get(array, &digits(index, 10)))
}

/// `nameFirst` and `name_first` become `name-first` (the persona SDK sends field keys that way);
/// `address-street-1` and `name.first` stay as they are.
fn kebab(key: &str) -> String {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(key.len() + 4);
    // Text that is not ASCII is copied as it is, a run at a time (an ASCII byte is always a
    // character boundary).
    let mut run = 0;
    let mut previous_alpha = false;
    for (at, byte) in key.bytes().enumerate() {
        if !byte.is_ascii() {
            previous_alpha = false;
            continue;
        }
        out.push_str(key.get(run..at).unwrap_or_default());
        run = at + 1;
        let boundary = byte.is_ascii_uppercase() || (byte.is_ascii_digit() && previous_alpha);
        if boundary && !out.is_empty() && !out.ends_with("-") {
            // Not `push('-')`: at opt-level "z" that keeps the UTF-8 encoder (+50 bytes gzip).
            #[allow(clippy::single_char_add_str)]
            out.push_str("-");
        }
        let letter = usize::from(byte.wrapping_sub(b'A'));
        out.push_str(match byte {
            b'_' | b' ' => "-",
            b'A'..=b'Z' => LOWER.get(letter..=letter).unwrap_or_default(),
            _ => key.get(at..=at).unwrap_or_default(),
        });
        previous_alpha = byte.is_ascii_alphabetic();
    }
    out.push_str(key.get(run..).unwrap_or_default());
    out
}

/// `n` in base `radix` (2 to 36), lower-case digits, without the formatting machinery.
fn digits(n: u64, radix: u64) -> String {
    const DIGITS: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::new();
    if n >= radix {
        out = digits(n / radix, radix);
    }
    let digit = (n % radix) as usize;
    out.push_str(DIGITS.get(digit..=digit).unwrap_or_default());
    out
}

/// Moves focus to `element`, if any.
fn refocus(element: Option<Node>) {
    if let Some(element) = element {
        element.focus();
    }
}

/// The pieces, one after the other.
fn concat(pieces: &[&str]) -> String {
    let mut out = String::new();
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

/// `localhost:3000` → `http://localhost:3000`; `tessera.example` → `https://tessera.example`;
/// a URL keeps its scheme (and loses any path). Byte work only: no panicking string slicing.
/// Only http and https: anything else (`javascript:`) is refused by the caller.
fn origin_of(host: &str) -> String {
    let bytes = host.as_bytes();
    let scheme_end = (0..bytes.len()).find(|&at| bytes.get(at..at + 3) == Some(b"://"));
    let (scheme, rest) =
        match scheme_end.and_then(|end| Some((host.get(..end)?, host.get(end + 3..)?))) {
            Some(parts) => parts,
            None if host.starts_with("localhost") || host.starts_with("127.") => ("http", host),
            None => ("https", host),
        };
    let authority_end = rest.bytes().position(|b| b == b'/').unwrap_or(rest.len());
    concat(&[scheme, "://", rest.get(..authority_end).unwrap_or(rest)])
}

/// The options that are text, and the widget's query parameters they become.
const PARAMETERS: [(&str, &str); 6] = [
    ("inquiry-template-id", "templateId"),
    ("inquiry-id", "inquiryId"),
    ("session-token", "sessionToken"),
    ("share-token", "shareToken"),
    ("reference-id", "referenceId"),
    ("language", "language"),
];

/// A text option that is given (not empty).
fn given(value: &JsValue) -> bool {
    value.is_string() && value.is_truthy()
}

/// The widget's URL for these options. The values go from the partner's options to the query
/// string without a copy into this module.
fn widget_url(origin: &str, options: &JsValue, container: &str, inline: bool) -> String {
    let query = Query::new();
    query.add("container-id", &container.into());
    query.add(
        "flow-type",
        &(if inline { "inline" } else { "embedded" }).into(),
    );
    query.add("iframe-origin", &Location::page_origin());
    for (parameter, option) in PARAMETERS {
        let value = get(options, option);
        if given(&value) {
            query.add(parameter, &value);
        }
    }
    let fields = get(options, "fields");
    if fields.is_object() {
        for entry in items(&entries(&fields)) {
            let value = get(&entry, "1");
            if value.is_null() || value.is_undefined() {
                continue;
            }
            // Text as it is, anything else as JSON; what has no JSON (a function) is left out.
            let value = if value.is_string() {
                value
            } else {
                stringify(&value).unwrap_or_default()
            };
            if !value.is_string() {
                continue;
            }
            let key = kebab(&get(&entry, "0").as_string().unwrap_or_default());
            query.add(&concat(&["fields[", &key, "]"]), &value);
        }
    }
    let mappings = get(options, "fieldMappings");
    if is_array(&mappings) {
        for (index, mapping) in items(&mappings).enumerate() {
            let index = digits(index as u64, 10);
            for (part, option) in [
                ("source-field-name", "sourceFieldName"),
                ("destination-field-name", "destinationFieldName"),
            ] {
                let value = get(&mapping, option);
                if given(&value) {
                    query.add(
                        &concat(&["field-mappings[", &index, "][", part, "]"]),
                        &value,
                    );
                }
            }
        }
    }
    concat(&[origin, "/widget?", &query.text()])
}

/// The element `parent` names (an element, or a CSS selector); `Ok(None)` without `parent` (a
/// modal). A `parent` that names nothing is the partner's mistake, said at once rather than
/// silently turned into a modal.
fn parent_element(options: &JsValue) -> Result<Option<Node>, JsValue> {
    let parent = get(options, "parent");
    if parent.is_undefined() || parent.is_null() {
        return Ok(None);
    }
    let found = match parent.as_string() {
        Some(selector) => Document::find(&selector).ok().flatten(),
        // Anything else is taken for an element; one that is not fails below, when the flow
        // is added to it.
        None => Some(parent.unchecked_into()),
    };
    found.map(Some).ok_or_else(|| error(NO_PARENT))
}

/// A client's state. Every field that changes is a `Cell`, so nothing is borrowed while the page's
/// own code runs: a partner's callback, or the focus handlers a focus move fires, may call
/// `open()`, `cancel()` or `destroy()`.
struct Inner {
    options: JsValue,
    origin: String,
    container: String,
    iframe: Node,
    /// The modal's overlay; `None` when inline.
    overlay: Option<Node>,
    /// What had focus when the modal opened: it gets focus back when the modal closes.
    opener: Cell<Option<Node>>,
    open: Cell<bool>,
    /// The flow said `ready`: it answers `{action: "exit"}` from then on.
    ready: Cell<bool>,
    /// The one listener on `window` (for every event of `EVENTS`), removed by `destroy`.
    listener: Cell<Option<Listener>>,
}

impl Inner {
    /// Calls the partner's callback `name`, if it gave one, with `a` and `b` (`undefined` for
    /// what it does not take). A callback that throws does not stop the client.
    fn callback(&self, name: &str, a: &JsValue, b: &JsValue) {
        let function = get(&self.options, name);
        if function.is_function() {
            let _ = function
                .unchecked_into::<Callback>()
                .call(&JsValue::NULL, a, b);
        }
    }

    fn show(&self) {
        let Some(overlay) = &self.overlay else {
            return;
        };
        if self.open.replace(true) {
            return;
        }
        self.opener.set(Document::active_element());
        overlay.set_attribute("style", &concat(&[OVERLAY_STYLE, "block"]));
        refocus(self.focus_target());
    }

    /// Where focus belongs in the open modal: the flow once it is ready, the dialog before (a
    /// frame that never loads would swallow Escape).
    fn focus_target(&self) -> Option<Node> {
        if self.ready.get() {
            return Some(JsValue::clone(&self.iframe).unchecked_into());
        }
        self.overlay.as_ref()?.first_child()
    }

    /// Closes the overlay. Returns what had focus before it opened: the caller gives focus back
    /// once its own state is settled (a focus move runs the page's handlers).
    fn hide(&self) -> Option<Node> {
        let overlay = self.overlay.as_ref()?;
        if !self.open.replace(false) {
            return None;
        }
        overlay.set_attribute("style", &concat(&[OVERLAY_STYLE, "none"]));
        self.opener.take()
    }

    /// Closes the modal: through the flow once it is ready (it answers `exit` with the session
    /// token), at once before that (a flow that never loads must not trap the user).
    fn close(&self, metadata: &JsValue) -> Option<Node> {
        if self.ready.get() {
            self.post_action("exit", metadata);
            None
        } else {
            self.hide()
        }
    }

    /// Sends the widget an action (`exit`, `destroy`), only to Tessera's origin.
    fn post_action(&self, action: &str, metadata: &JsValue) {
        let message = new_object();
        reflect_set(&message, "action", &JsValue::from_str(action));
        reflect_set(&message, "metadata", metadata);
        if let Some(frame) = self.iframe.content_window() {
            let _ = frame.post_message(&message, &self.origin);
        }
    }

    /// One of the window's events this client listens to.
    fn handle(&self, event: &Node) {
        match event.kind().as_str() {
            "message" => self.receive(event),
            "keydown" => self.key(event),
            _ => self.focus_in(event),
        }
    }

    /// A message from the widget, only from our iframe at Tessera's origin. The client's state
    /// changes first; then `onEvent`, the focus move and the event's own callback, which see it
    /// (and may call `open()`, `cancel()` or `destroy()`).
    fn receive(&self, event: &Node) {
        let ours = event.origin() == self.origin.as_str()
            && self
                .iframe
                .content_window()
                .is_some_and(|frame| event.source() == *frame);
        if !ours {
            return;
        }
        let data = event.data();
        let container = text(&data, "containerId");
        if container.is_some_and(|c| c != self.container) {
            return;
        }
        let Some(name) = text(&data, "name") else {
            return;
        };
        let metadata = get(&data, "metadata");
        let none = &JsValue::UNDEFINED;
        // What had focus before the modal opened, when this message closes it.
        let opener = match name.as_str() {
            "ready" => {
                self.ready.set(true);
                None
            }
            "complete" | "fail" | "exit" => self.hide(),
            _ => None,
        };
        self.callback("onEvent", &JsValue::from_str(&name), &metadata);
        refocus(opener);
        match name.as_str() {
            "load" => self.callback("onLoad", none, none),
            "ready" => {
                if self.open.get() {
                    self.iframe.focus();
                }
                self.callback("onReady", none, none);
            }
            "complete" | "fail" => self.callback("onComplete", &metadata, none),
            "exit" => self.callback("onCancel", &metadata, none),
            "error" => self.callback("onError", &get(&data, "error"), none),
            "page-change" if self.overlay.is_none() => {
                let height = get(&metadata, "pageHeight").as_f64().unwrap_or_default();
                if height > 0.0 {
                    let whole = height as u64;
                    let pixels = digits(whole + u64::from((whole as f64) < height), 10);
                    self.iframe
                        .set_attribute("style", &concat(&[INLINE_STYLE, &pixels, "px"]));
                }
            }
            _ => {}
        }
    }

    /// Keys on the partner's page while the modal is open: Escape closes it.
    fn key(&self, event: &Node) {
        if self.open.get() && event.key() == "Escape" {
            event.prevent_default();
            refocus(self.close(&new_object()));
        }
    }

    /// Focus may not leave an open modal: whatever else takes it (a sentinel next to the flow, or
    /// anything on the page behind) gives it back to the flow.
    fn focus_in(&self, event: &Node) {
        let (true, Some(home)) = (self.open.get(), self.focus_target()) else {
            return;
        };
        if event.target() != *home {
            home.focus();
        }
    }
}

/// A Tessera flow on this page, as a modal (the default) or inline in `parent`.
#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
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
            return Err(error("Tessera: `host` is required (Tessera's address)"));
        };
        if text(&options, "templateId").is_some() == text(&options, "inquiryId").is_some() {
            return Err(error(
                "Tessera: give either `templateId` or `inquiryId` (with `sessionToken`)",
            ));
        }
        let origin = origin_of(&host);
        if !(origin.starts_with("https://") || origin.starts_with("http://")) {
            return Err(error("Tessera: `host` is Tessera's http or https address"));
        }
        // Like the persona SDK's: random, for the widget to name this frame in its messages.
        let container = concat(&[
            "tessera-embed-",
            &digits((random() * 9_007_199_254_740_992.0) as u64, 36),
        ]);
        let parent = parent_element(&options)?;
        let inline = parent.is_some();
        let title =
            text(&options, "iframeTitle").unwrap_or_else(|| String::from("Verify your identity"));
        // The markup is built here, in one piece (one call into the page instead of a dozen), and
        // holds nothing of the partner's: what comes from the options is set as attributes after.
        let frame = |height: &str, class: &str| {
            concat(&[
                "<iframe allow=\"camera\" style=\"",
                INLINE_STYLE,
                height,
                "\"",
                class,
                "></iframe>",
            ])
        };
        let (host_element, markup) = match parent {
            Some(parent) => (parent, frame("480px", " class=\"tessera-embed-inline\"")),
            None => {
                // Focus leaving the flow by Tab lands on a sentinel and is sent back.
                let sentinel = "<span tabindex=\"0\"></span>";
                let body = Document::find("body")?.ok_or_else(|| error(NOT_ADDED))?;
                let overlay = concat(&[
                    "<div class=\"tessera-embed-overlay\" id=\"",
                    &container,
                    "\" style=\"",
                    OVERLAY_STYLE,
                    "none\"><div class=\"tessera-embed-dialog\" role=\"dialog\" aria-modal=\"true\" tabindex=\"-1\" style=\"",
                    DIALOG_STYLE,
                    "\">",
                    sentinel,
                    &frame("100%", ""),
                    sentinel,
                    "</div></div>",
                ]);
                (body, overlay)
            }
        };
        // A `parent` that is not an element has no `insertAdjacentHTML`.
        host_element
            .insert_html("beforeend", &markup)
            .map_err(|_| error(if inline { NO_PARENT } else { NOT_ADDED }))?;
        let added = host_element.last_child().ok_or_else(|| error(NOT_ADDED))?;
        let (iframe, overlay) = if inline {
            (added, None)
        } else {
            let iframe = added.query("iframe")?.ok_or_else(|| error(NOT_ADDED))?;
            if let Some(dialog) = added.first_child() {
                dialog.set_attribute("aria-label", &title);
            }
            (iframe, Some(added))
        };
        iframe.set_attribute("title", &title);
        iframe.set_attribute("src", &widget_url(&origin, &options, &container, inline));
        let inner = Rc::new(Inner {
            options,
            origin,
            container,
            iframe,
            overlay,
            opener: Cell::new(None),
            open: Cell::new(false),
            ready: Cell::new(false),
            listener: Cell::new(None),
        });
        let listener = {
            let inner = Rc::clone(&inner);
            Closure::new(move |event: Node| inner.handle(&event))
        };
        for kind in EVENTS {
            listen(kind, &listener);
        }
        inner.listener.set(Some(listener));
        Ok(Client { inner })
    }

    /// Shows the modal (an inline flow is always shown).
    pub fn open(&self) {
        self.inner.show();
    }

    /// Asks the flow to close; it answers with `onCancel` and the session token to resume with.
    /// With `force`, the modal closes at once as well.
    pub fn cancel(&self, force: Option<bool>) {
        let force = force.unwrap_or(false);
        let metadata = new_object();
        reflect_set(&metadata, "force", &JsValue::from_bool(force));
        let mut opener = self.inner.close(&metadata);
        if force {
            opener = opener.or(self.inner.hide());
        }
        refocus(opener);
    }

    /// Removes the flow from the page and stops listening.
    pub fn destroy(&self) {
        let inner = &self.inner;
        let opener = inner.hide();
        inner.post_action("destroy", &new_object());
        if let Some(listener) = inner.listener.take() {
            for kind in EVENTS {
                unlisten(kind, &listener);
            }
        }
        match &inner.overlay {
            Some(overlay) => overlay.remove(),
            None => inner.iframe.remove(),
        }
        refocus(opener);
    }

    /// Warms the connection to Tessera before the flow is needed.
    pub fn preload(&self) {
        if let Ok(Some(head)) = Document::find("head")
            && head
                .insert_html("beforeend", "<link rel=\"preconnect\">")
                .is_ok()
            && let Some(link) = head.last_child()
        {
            link.set_attribute("href", &self.inner.origin);
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

    #[test]
    fn numbers_are_written_in_the_radix_asked_for() {
        assert_eq!(digits(0, 10), "0");
        assert_eq!(digits(1207, 10), "1207");
        assert_eq!(digits(35, 36), "z");
        assert_eq!(digits(36 * 36, 36), "100");
    }

    #[test]
    fn kebab_case_keeps_text_that_is_not_ascii() {
        assert_eq!(kebab("nombreÉlan"), "nombreÉlan");
        assert_eq!(kebab("straße_2"), "straße-2");
    }
}
