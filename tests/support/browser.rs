//! Renders Mermaid text to SVG in headless Chromium: writes an HTML page that
//! loads mermaid from a local file, lets Chromium run it with
//! `--dump-dom`, and cuts each `<svg>` out of the dumped DOM.
//!
//! Used by `tests/diagram_render.rs` and `examples/diagram.rs`.
//! `.ci/setup-browser` installs both parts: the Debian package `chromium`,
//! and mermaid from the npm registry into `.cache/npm`.

// Each file that includes this module uses a different part of it.
#![allow(dead_code)]

use std::fmt;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Overrides where Chromium is; by default `chromium` on `PATH`.
pub const CHROMIUM_VAR: &str = "FLOW_CHROMIUM";
/// Overrides where `mermaid.min.js` is; by default where `.ci/setup-browser`
/// puts it.
pub const MERMAID_VAR: &str = "FLOW_MERMAID_JS";
/// Set to `1` (as `.ci/run` does) to make a missing browser a failure
/// instead of a skip.
pub const REQUIRE_VAR: &str = "FLOW_REQUIRE_BROWSER";

/// How long Chromium may take for one page, in real time.
const DEADLINE: Duration = Duration::from_secs(90);

/// Chromium and the mermaid script, both found.
pub struct Browser {
    chromium: PathBuf,
    mermaid_js: PathBuf,
}

/// What is missing to render.
#[derive(Debug)]
pub enum Missing {
    Chromium,
    Mermaid(PathBuf),
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Chromium => write!(
                f,
                "chromium not found (install the Debian package chromium, run .ci/setup-browser, \
                 or set {CHROMIUM_VAR} to the browser's path)"
            ),
            Missing::Mermaid(path) => write!(
                f,
                "mermaid not found at {} (run .ci/setup-browser, which runs \
                 `npm install --prefix .cache/npm mermaid@11...`, or set {MERMAID_VAR} to mermaid.min.js)",
                path.display()
            ),
        }
    }
}

impl Browser {
    /// Finds Chromium and the mermaid script.
    pub fn find() -> Result<Self, Missing> {
        let chromium = match std::env::var_os(CHROMIUM_VAR) {
            Some(path) => Some(PathBuf::from(path)).filter(|path| path.is_file()),
            None => on_path("chromium"),
        }
        .ok_or(Missing::Chromium)?;
        let mermaid_js = std::env::var_os(MERMAID_VAR)
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(".cache/npm/node_modules/mermaid/dist/mermaid.min.js")
            });
        if !mermaid_js.is_file() {
            return Err(Missing::Mermaid(mermaid_js));
        }
        Ok(Self {
            chromium,
            mermaid_js: fs::canonicalize(&mermaid_js).unwrap_or(mermaid_js),
        })
    }

    /// Finds Chromium and mermaid, or says what is missing: a skip, or a
    /// failure when `FLOW_REQUIRE_BROWSER=1`.
    ///
    /// The skip message goes straight to the process's stderr, which the
    /// test harness does not capture, so `cargo test` shows it.
    pub fn find_or_skip(test: &str) -> Option<Self> {
        match Self::find() {
            Ok(browser) => Some(browser),
            Err(missing) if std::env::var(REQUIRE_VAR).is_ok_and(|value| value == "1") => {
                panic!("{missing}; {REQUIRE_VAR}=1 requires the browser")
            }
            Err(missing) => {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "SKIPPED: {missing} [{test}]");
                None
            }
        }
    }

    /// Renders each of `diagrams` (Mermaid text) in one page and returns
    /// their SVGs, in order. `workdir` receives the page, the DOM Chromium
    /// dumped and Chromium's profile; on failure, look there.
    pub fn render(&self, diagrams: &[&str], workdir: &Path) -> Result<Vec<String>, String> {
        fs::create_dir_all(workdir).map_err(|error| format!("{}: {error}", workdir.display()))?;
        let page = workdir.join("diagrams.html");
        fs::write(&page, self.page(diagrams))
            .map_err(|error| format!("{}: {error}", page.display()))?;
        let dom = self.dump_dom(&page, workdir)?;

        if let Some(message) = element_text(&dom, "flow-render-failed") {
            return Err(format!("mermaid failed: {message}"));
        }
        if !dom.contains("<div id=\"flow-rendered\">") {
            return Err(format!(
                "mermaid did not finish rendering within chromium's virtual time budget; \
                 see {}",
                workdir.display()
            ));
        }
        (0..diagrams.len())
            .map(|index| {
                svg_in(&dom, &format!("id=\"diagram-{index}\""))
                    .map(str::to_owned)
                    .ok_or_else(|| format!("no <svg> in diagram {index}"))
            })
            .collect()
    }

    /// A page that renders every diagram, then adds `#flow-rendered` (or
    /// `#flow-render-failed` with the error) so the dump shows it finished.
    fn page(&self, diagrams: &[&str]) -> String {
        let mut page = format!(
            "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n\
             <script src=\"{}\"></script>\n</head>\n<body>\n",
            file_url(&self.mermaid_js)
        );
        for (index, diagram) in diagrams.iter().enumerate() {
            page.push_str(&format!(
                "<pre class=\"mermaid\" id=\"diagram-{index}\">\n{}</pre>\n",
                html_escape(diagram)
            ));
        }
        page.push_str(
            r#"<script>
(async () => {
  const done = document.createElement("div");
  try {
    // Fixed ids and a fixed seed for the shapes' curves: the same diagram
    // gives the same SVG.
    mermaid.initialize({
      startOnLoad: false,
      deterministicIds: true,
      handDrawnSeed: 1,
    });
    // Parse each diagram first, so that an error names its diagram.
    for (const pre of document.querySelectorAll("pre.mermaid")) {
      try {
        await mermaid.parse(pre.textContent);
      } catch (error) {
        throw new Error(pre.id + ": " + (error && error.message || error));
      }
    }
    await mermaid.run({ querySelector: "pre.mermaid", suppressErrors: false });
    done.id = "flow-rendered";
  } catch (error) {
    done.id = "flow-render-failed";
    done.textContent = String(error && error.message || error);
  }
  document.body.appendChild(done);
})();
</script>
</body>
</html>
"#,
        );
        page
    }

    /// Runs Chromium on `page` and returns the DOM it dumped.
    fn dump_dom(&self, page: &Path, workdir: &Path) -> Result<String, String> {
        let dom_path = workdir.join("dom.html");
        let log_path = workdir.join("chromium.log");
        let dom = File::create(&dom_path).map_err(|error| error.to_string())?;
        let log = File::create(&log_path).map_err(|error| error.to_string())?;
        let mut child = Command::new(&self.chromium)
            .args([
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--virtual-time-budget=10000",
                "--no-first-run",
            ])
            // Its own profile, so that parallel runs do not share one.
            .arg(format!(
                "--user-data-dir={}",
                workdir.join("profile").display()
            ))
            .arg("--dump-dom")
            .arg(file_url(page))
            .stdin(Stdio::null())
            .stdout(dom)
            .stderr(log)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", self.chromium.display()))?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|error| error.to_string())? {
                break status;
            }
            if started.elapsed() > DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "chromium still running after {DEADLINE:?}; killed it. Its log: {}",
                    log_path.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let dom = fs::read_to_string(&dom_path).map_err(|error| error.to_string())?;
        if !status.success() || dom.is_empty() {
            let log = fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            return Err(format!(
                "chromium exited with {status} and dumped {} bytes; the end of its log:\n{}",
                dom.len(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        Ok(dom)
    }
}

/// An SVG cut out of a dumped DOM, made a file of its own: valid XML, which
/// the HTML serializer does not write. Mermaid's labels are HTML inside
/// `<foreignObject>` (browsers draw them, also in an `<img>`); their line
/// breaks come out as `<br>` and spaces may come out as `&nbsp;`.
pub fn standalone_svg(svg: &str) -> String {
    let svg = svg.replace("<br>", "<br/>").replace("&nbsp;", "&#160;");
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}\n")
}

/// `text` as it appears in the text of a serialized DOM.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The first `<svg>...</svg>` after `marker` in `dom`, nested ones included.
fn svg_in<'a>(dom: &'a str, marker: &str) -> Option<&'a str> {
    let start = dom.find(marker)?;
    let start = start + dom[start..].find("<svg")?;
    let mut depth = 0;
    let mut at = start;
    loop {
        let open = dom[at..].find("<svg").map(|offset| at + offset);
        let close = dom[at..].find("</svg>").map(|offset| at + offset)?;
        match open {
            Some(open) if open < close => {
                depth += 1;
                at = open + "<svg".len();
            }
            _ => {
                depth -= 1;
                at = close + "</svg>".len();
                if depth == 0 {
                    return Some(&dom[start..at]);
                }
            }
        }
    }
}

/// The text of the `<div id="{id}">` in `dom`, if there is one.
fn element_text(dom: &str, id: &str) -> Option<String> {
    let open = format!("<div id=\"{id}\">");
    let start = dom.find(&open)? + open.len();
    let end = start + dom[start..].find("</div>")?;
    Some(dom[start..end].to_owned())
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A `file://` URL of `path`, made absolute, with the characters a URL
/// cannot hold percent-encoded.
fn file_url(path: &Path) -> String {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(byte as char)
            }
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}
