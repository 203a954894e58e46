//! Graphviz DOT text.

use crate::{
    Diagram, ERROR_STROKE, EVENT_STROKE, Highlight, Kind, Label, TAKEN_FILL, TAKEN_STROKE,
    UNDO_LABEL, UNDO_STROKE, id,
};
use std::fmt::Write;

pub(crate) fn render(diagram: &Diagram<'_>, highlight: Option<&Highlight>) -> String {
    let mut out = String::new();
    let name = quoted(diagram.name);
    let _ = writeln!(out, "digraph {name} {{");
    let _ = writeln!(
        out,
        "    graph [rankdir=LR, label={name}, labelloc=t, fontname=\"Helvetica\"];"
    );
    out.push_str("    node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=10];\n");

    let ids: Vec<String> = (diagram.nodes.iter().enumerate())
        .map(|(index, node)| id::node(index, node.name))
        .collect();
    for (index, node) in diagram.nodes.iter().enumerate() {
        let taken = highlight.is_some_and(|highlight| highlight.has_node(index));
        let mut attributes = Attributes::default();
        let mut style = Vec::new();
        match node.kind.gateway_marker() {
            Some(marker) => {
                // BPMN writes a gateway's name beside its diamond.
                attributes.push_text("label", marker);
                attributes.push_text("xlabel", node.name);
                attributes.push("shape", "diamond");
            }
            None => {
                let mut label = node.name.to_owned();
                if let Some(marker) = node.kind.event_marker() {
                    label = format!("{marker} {label}");
                }
                if let Some(detail) = node.detail {
                    label = format!("{label}\n{detail}");
                }
                attributes.push_text("label", &label);
                match node.kind {
                    Kind::Start => attributes.push("shape", "circle"),
                    Kind::End => {
                        attributes.push("shape", "doublecircle");
                        if !taken {
                            attributes.push("penwidth", "2");
                        }
                    }
                    // Graphviz has no subroutine shape; a double border reads
                    // as one (`rounded` would drop the second border).
                    Kind::SubFlow => {
                        attributes.push("shape", "box");
                        attributes.push("peripheries", "2");
                    }
                    Kind::Wait => {
                        attributes.push("shape", "hexagon");
                        if !taken {
                            attributes.push("color", EVENT_STROKE);
                        }
                    }
                    // A thin double ring, unlike the thick one of an `end`.
                    Kind::Timer => {
                        attributes.push("shape", "doublecircle");
                        if !taken {
                            attributes.push("color", EVENT_STROKE);
                        }
                    }
                    _ => {
                        attributes.push("shape", "box");
                        style.push("rounded");
                    }
                }
            }
        }
        if taken {
            style.push("filled");
            attributes.push("fillcolor", TAKEN_FILL);
            attributes.push("color", TAKEN_STROKE);
            attributes.push("penwidth", "3");
        }
        if !style.is_empty() {
            attributes.push("style", &style.join(","));
        }
        let _ = writeln!(out, "    {}{};", ids[index], attributes);

        if node.compensable {
            let undo = id::undo(index, node.name);
            let mut attributes = Attributes::default();
            attributes.push_text("label", UNDO_LABEL);
            attributes.push("shape", "box");
            attributes.push("style", "rounded,dashed");
            attributes.push("color", UNDO_STROKE);
            attributes.push("fontcolor", UNDO_STROKE);
            attributes.push("fontsize", "9");
            attributes.push("height", "0.3");
            let _ = writeln!(out, "    {undo}{attributes};");
        }
    }

    for (index, edge) in diagram.edges.iter().enumerate() {
        let (Some(from), Some(to)) = (ids.get(edge.from), ids.get(edge.to)) else {
            continue;
        };
        let mut attributes = Attributes::default();
        if let Some(label) = edge.label.text() {
            attributes.push_text("label", &label);
        }
        let taken = highlight.is_some_and(|highlight| highlight.has_edge(index));
        if edge.label == Label::OnError {
            attributes.push("style", "dotted");
            if !taken {
                attributes.push("color", ERROR_STROKE);
            }
            attributes.push("fontcolor", ERROR_STROKE);
        }
        if let Label::Timeout(_) = edge.label {
            attributes.push("style", "dashed");
            if !taken {
                attributes.push("color", EVENT_STROKE);
            }
            attributes.push("fontcolor", EVENT_STROKE);
        }
        if taken {
            attributes.push("color", TAKEN_STROKE);
            attributes.push("penwidth", "3");
        }
        let _ = writeln!(out, "    {from} -> {to}{attributes};");
    }

    for (index, node) in diagram.nodes.iter().enumerate() {
        if node.compensable {
            let undo = id::undo(index, node.name);
            let id = &ids[index];
            let mut attributes = Attributes::default();
            attributes.push("style", "dashed");
            attributes.push("arrowhead", "none");
            attributes.push("color", UNDO_STROKE);
            let _ = writeln!(out, "    {id} -> {undo}{attributes};");
            // The undo node sits beside (below, left to right) its task.
            let _ = writeln!(out, "    {{ rank=same; {id}; {undo}; }}");
        }
    }
    out.push_str("}\n");
    out
}

/// A DOT attribute list: ` [key=value, ...]`, or nothing when empty.
#[derive(Default)]
struct Attributes(String);

impl Attributes {
    /// `key=value`, the value quoted unless it is a plain ID or number.
    fn push(&mut self, key: &str, value: &str) {
        if is_plain(value) {
            self.push_raw(key, value);
        } else {
            self.push_raw(key, &quoted(value));
        }
    }

    /// `key="text"`: labels are always quoted, whatever they say.
    fn push_text(&mut self, key: &str, text: &str) {
        self.push_raw(key, &quoted(text));
    }

    fn push_raw(&mut self, key: &str, value: &str) {
        self.0.push_str(if self.0.is_empty() { " [" } else { ", " });
        self.0.push_str(key);
        self.0.push('=');
        self.0.push_str(value);
    }
}

impl std::fmt::Display for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "{}]", self.0)
        }
    }
}

/// Whether `value` is a DOT ID that needs no quotes: a name of ASCII letters,
/// digits and `_` not starting with a digit (and not a keyword), or a number.
fn is_plain(value: &str) -> bool {
    let name = value
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["node", "edge", "graph", "digraph", "subgraph", "strict"]
            .iter()
            .any(|keyword| value.eq_ignore_ascii_case(keyword));
    let number = !value.is_empty()
        && value.chars().all(|c| c.is_ascii_digit() || c == '.')
        && value.chars().filter(|&c| c == '.').count() <= 1
        && value != ".";
    name || number
}

/// `text` as a double-quoted DOT string. Backslashes are doubled so that
/// Graphviz's label escapes (`\n`, `\l`, `\N`, ...) cannot be formed by the
/// text; line breaks become `\n`, a centred line break.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
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
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quoted(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quoted(r"a\nb"), r#""a\\nb""#);
        assert_eq!(quoted("ends with \\"), r#""ends with \\""#);
    }

    #[test]
    fn conditions_and_patterns_need_no_other_escaping() {
        assert_eq!(
            quoted("order.amount > 1000 && x < 3"),
            r#""order.amount > 1000 && x < 3""#
        );
        assert_eq!(
            quoted("Stock::Out(n) if *n > 3"),
            r#""Stock::Out(n) if *n > 3""#
        );
        assert_eq!(quoted("{ a | b } #1"), r#""{ a | b } #1""#);
    }

    #[test]
    fn line_breaks_become_graphviz_line_breaks() {
        assert_eq!(quoted("a\r\nb"), r#""a\nb""#);
    }

    #[test]
    fn only_plain_ids_and_numbers_go_unquoted() {
        assert!(is_plain("box"));
        assert!(is_plain("0.3"));
        assert!(is_plain("_x1"));
        assert!(!is_plain("1x"));
        assert!(!is_plain("rounded,dashed"));
        assert!(!is_plain("#e69500"));
        assert!(!is_plain("node"));
        assert!(!is_plain("Graph"));
        assert!(!is_plain(""));
        assert!(!is_plain("."));
        assert!(!is_plain("×"));
    }

    #[test]
    fn empty_attribute_lists_are_not_written() {
        assert_eq!(Attributes::default().to_string(), "");
        let mut attributes = Attributes::default();
        attributes.push_text("label", "done");
        attributes.push("penwidth", "3");
        attributes.push("color", "#e69500");
        assert_eq!(
            attributes.to_string(),
            r##" [label="done", penwidth=3, color="#e69500"]"##
        );
    }
}
