//! Mermaid `flowchart` text.

use crate::{
    Diagram, ERROR_STROKE, EVENT_STROKE, Highlight, Kind, Label, TAKEN_FILL, TAKEN_STROKE,
    UNDO_LABEL, UNDO_STROKE, id,
};
use std::fmt::Write;

/// The colours of start and end events.
const START_STROKE: &str = "#2e7d32";
const END_STROKE: &str = "#b71c1c";

pub(crate) fn render(diagram: &Diagram<'_>, highlight: Option<&Highlight>) -> String {
    let mut out = String::new();
    // Mermaid's front matter is YAML; the title is drawn above the chart.
    out.push_str("---\ntitle: ");
    out.push_str(&yaml_string(diagram.name));
    out.push_str("\n---\nflowchart LR\n");

    let ids: Vec<String> = (diagram.nodes.iter().enumerate())
        .map(|(index, node)| id::node(index, node.name))
        .collect();
    let mut classes = Classes::default();
    for (index, node) in diagram.nodes.iter().enumerate() {
        let id = &ids[index];
        let mut label = text(node.name);
        if let Some(marker) = node.kind.event_marker() {
            label = format!("{marker} {label}");
        }
        if let Some(detail) = node.detail {
            label = format!("{label}<br/>{}", text(detail));
        }
        let _ = match node.kind.gateway_marker() {
            Some(marker) => writeln!(out, "    {id}{{\"{marker}<br/>{label}\"}}"),
            None => {
                let (open, close) = match node.kind {
                    Kind::Start => ("((", "))"),
                    Kind::End | Kind::Timer => ("(((", ")))"),
                    Kind::SubFlow => ("[[", "]]"),
                    Kind::Wait => ("{{", "}}"),
                    _ => ("(", ")"),
                };
                writeln!(out, "    {id}{open}\"{label}\"{close}")
            }
        };
        match node.kind {
            Kind::Start => classes.start.push(id.clone()),
            Kind::End => classes.end.push(id.clone()),
            Kind::Wait => classes.wait.push(id.clone()),
            Kind::Timer => classes.timer.push(id.clone()),
            _ => {}
        }
        if node.compensable {
            let undo = id::undo(index, node.name);
            let _ = writeln!(out, "    {undo}(\"{}\")", text(UNDO_LABEL));
            classes.undo.push(undo);
        }
        if highlight.is_some_and(|highlight| highlight.has_node(index)) {
            classes.taken.push(id.clone());
        }
    }

    // Mermaid numbers links in the order they are written; `linkStyle`
    // refers to those numbers.
    let mut link_styles = LinkStyles::default();
    let mut link = 0;
    for (index, edge) in diagram.edges.iter().enumerate() {
        let (Some(from), Some(to)) = (ids.get(edge.from), ids.get(edge.to)) else {
            continue;
        };
        let arrow = match edge.label {
            Label::OnError | Label::Timeout(_) => "-.->",
            _ => "-->",
        };
        let _ = match edge.label.text() {
            Some(label) => writeln!(out, "    {from} {arrow}|\"{}\"| {to}", text(&label)),
            None => writeln!(out, "    {from} {arrow} {to}"),
        };
        let taken = highlight.is_some_and(|highlight| highlight.has_edge(index));
        let style = match (taken, edge.label) {
            (true, _) => Some(format!("stroke:{TAKEN_STROKE},stroke-width:3px")),
            (false, Label::OnError) => Some(format!("stroke:{ERROR_STROKE}")),
            (false, Label::Timeout(_)) => {
                Some(format!("stroke:{EVENT_STROKE},stroke-dasharray:6 4"))
            }
            (false, _) => None,
        };
        if let Some(style) = style {
            link_styles.add(style, link);
        }
        link += 1;
    }
    for (index, node) in diagram.nodes.iter().enumerate() {
        if node.compensable {
            let _ = writeln!(out, "    {} -.- {}", ids[index], id::undo(index, node.name));
            link_styles.add(format!("stroke:{UNDO_STROKE},stroke-dasharray:4 3"), link);
            link += 1;
        }
    }

    classes.write(&mut out);
    link_styles.write(&mut out);
    out
}

/// The nodes of each class, in the order they were written.
#[derive(Default)]
struct Classes {
    start: Vec<String>,
    end: Vec<String>,
    wait: Vec<String>,
    timer: Vec<String>,
    undo: Vec<String>,
    taken: Vec<String>,
}

impl Classes {
    fn write(&self, out: &mut String) {
        // `taken` comes last so that its fill and stroke win.
        let classes = [
            (
                "startEvent",
                format!("stroke:{START_STROKE},stroke-width:2px"),
                &self.start,
            ),
            (
                "endEvent",
                format!("stroke:{END_STROKE},stroke-width:4px"),
                &self.end,
            ),
            (
                "waitEvent",
                format!("stroke:{EVENT_STROKE},stroke-width:2px"),
                &self.wait,
            ),
            (
                "timerEvent",
                format!("stroke:{EVENT_STROKE},stroke-width:1px"),
                &self.timer,
            ),
            (
                "undo",
                format!(
                    "stroke:{UNDO_STROKE},stroke-dasharray:4 3,color:{UNDO_STROKE},font-size:11px"
                ),
                &self.undo,
            ),
            (
                "taken",
                format!("fill:{TAKEN_FILL},stroke:{TAKEN_STROKE},stroke-width:3px"),
                &self.taken,
            ),
        ];
        for (name, style, _) in classes.iter().filter(|(.., ids)| !ids.is_empty()) {
            let _ = writeln!(out, "    classDef {name} {style}");
        }
        for (name, _, ids) in classes.iter().filter(|(.., ids)| !ids.is_empty()) {
            let _ = writeln!(out, "    class {} {name}", ids.join(","));
        }
    }
}

/// Link numbers grouped by style, styles in the order first used.
#[derive(Default)]
struct LinkStyles(Vec<(String, Vec<usize>)>);

impl LinkStyles {
    fn add(&mut self, style: String, link: usize) {
        match self.0.iter_mut().find(|(known, _)| *known == style) {
            Some((_, links)) => links.push(link),
            None => self.0.push((style, vec![link])),
        }
    }

    fn write(&self, out: &mut String) {
        for (style, links) in &self.0 {
            let links: Vec<String> = links.iter().map(usize::to_string).collect();
            let _ = writeln!(out, "    linkStyle {} {style}", links.join(","));
        }
    }
}

/// `text` for inside a double-quoted Mermaid label (`n1("...")`,
/// `-->|"..."|`): characters that would end the string, start HTML or
/// Markdown, or be read as Mermaid syntax become Mermaid entity codes
/// (`#quot;`, `#lt;`, `#35;`), which Mermaid turns back into the characters
/// when it draws. Line breaks become spaces.
///
/// Mermaid 11 reads every label as Markdown: `Held(_) | Paid(_)` would draw
/// `) | Paid(` in italics, `\\` would draw one backslash. So `*`, `\` and
/// any `_` that is not inside a word (`check_stock` cannot start emphasis)
/// are entity codes too.
pub(crate) fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let next = rest[c.len_utf8()..].chars().next();
        // Mermaid (up to 11 at least) cuts the last `;` off any line where
        // `style` or `classDef` is followed by `:`, `#` and `;`, which would
        // break the entity codes below. Writing the word's first letter as
        // an entity code keeps the word from matching.
        if rest.starts_with("style") {
            out.push_str("#115;");
        } else if rest.starts_with("classDef") {
            out.push_str("#99;");
        } else {
            match c {
                '"' => out.push_str("#quot;"),
                '#' => out.push_str("#35;"),
                '&' => out.push_str("#amp;"),
                '<' => out.push_str("#lt;"),
                '>' => out.push_str("#gt;"),
                '|' => out.push_str("#124;"),
                '{' => out.push_str("#123;"),
                '}' => out.push_str("#125;"),
                '`' => out.push_str("#96;"),
                '*' => out.push_str("#42;"),
                '\\' => out.push_str("#92;"),
                '_' if !(is_word(previous) && is_word(next)) => out.push_str("#95;"),
                '\n' | '\r' | '\t' => out.push(' '),
                c => out.push(c),
            }
        }
        previous = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Whether `c` is a letter or digit: an `_` between two of them is inside
/// a word, where Markdown never starts or ends emphasis.
fn is_word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

/// `text` as a double-quoted YAML string.
fn yaml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_operators_are_entity_codes() {
        assert_eq!(text("order.amount > 1000"), "order.amount #gt; 1000");
        assert_eq!(text("a < b && c"), "a #lt; b #amp;#amp; c");
    }

    #[test]
    fn a_guarded_pattern_keeps_its_parentheses() {
        assert_eq!(
            text("Stock::Out(n) if *n > 3"),
            "Stock::Out(n) if #42;n #gt; 3"
        );
    }

    #[test]
    fn markdown_emphasis_cannot_form() {
        assert_eq!(text("Held(_) | Paid(_)"), "Held(#95;) #124; Paid(#95;)");
        assert_eq!(text("**bold**"), "#42;#42;bold#42;#42;");
        assert_eq!(text("_lead trail_"), "#95;lead trail#95;");
        assert_eq!(text("__init__"), "#95;#95;init#95;#95;");
    }

    #[test]
    fn underscores_inside_words_are_kept() {
        assert_eq!(text("check_stock"), "check_stock");
        assert_eq!(text("a_b_2"), "a_b_2");
        assert_eq!(text("größe_x"), "größe_x");
    }

    #[test]
    fn backslashes_cannot_escape_markdown() {
        assert_eq!(text(r"a\b\_"), "a#92;b#92;#95;");
    }

    #[test]
    fn quotes_pipes_braces_and_hashes_cannot_end_the_label() {
        assert_eq!(text(r#"say "hi""#), "say #quot;hi#quot;");
        assert_eq!(text("a | b"), "a #124; b");
        assert_eq!(text("Point { x, .. }"), "Point #123; x, .. #125;");
        assert_eq!(text("r#match"), "r#35;match");
        assert_eq!(text("`code`"), "#96;code#96;");
    }

    #[test]
    fn entity_codes_in_the_input_are_shown_not_decoded() {
        // `#quot;` written by the user must come out as those six characters.
        assert_eq!(text("#quot;"), "#35;quot;");
    }

    #[test]
    fn line_breaks_become_spaces() {
        assert_eq!(text("a\nb\r\nc\td"), "a b  c d");
    }

    #[test]
    fn style_and_class_def_are_broken_up() {
        assert_eq!(
            text("order.style == Style::Bold && n > 1"),
            "order.#115;tyle == Style::Bold #amp;#amp; n #gt; 1"
        );
        assert_eq!(text("classDef"), "#99;lassDef");
    }

    #[test]
    fn other_text_is_unchanged() {
        assert_eq!(text("check_stock"), "check_stock");
        assert_eq!(text("größe ×"), "größe ×");
        assert_eq!(text("[a] (b) ; : %"), "[a] (b) ; : %");
    }

    #[test]
    fn yaml_titles_are_quoted_and_escaped() {
        assert_eq!(yaml_string("Order"), r#""Order""#);
        assert_eq!(yaml_string(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(yaml_string("a\nb"), r#""a\nb""#);
    }
}
