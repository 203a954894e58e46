//! Node ids that are valid identifiers in Mermaid and DOT.

use std::fmt::Write;

/// The id of the node at `index`: `n{index}_{name}`, the name without a
/// leading `r#` and with every character that is not an ASCII letter, digit
/// or `_` replaced by `_`.
///
/// The index makes it unique; the leading `n` keeps it from starting with a
/// digit and from being a keyword of either language (`end`, `graph`,
/// `node`, `subgraph`, ...).
pub(crate) fn node(index: usize, name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut id = String::with_capacity(name.len() + 4);
    write!(id, "n{index}").expect("writing to a String cannot fail");
    if !name.is_empty() {
        id.push('_');
    }
    id.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    id
}

/// The id of the undo node of the compensable task at `index`.
pub(crate) fn undo(index: usize, name: &str) -> String {
    let mut id = node(index, name);
    id.push_str("_undo");
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_kept_after_the_index() {
        assert_eq!(node(0, "start"), "n0_start");
        assert_eq!(node(12, "check_stock"), "n12_check_stock");
    }

    #[test]
    fn keywords_and_raw_identifiers_become_safe() {
        assert_eq!(node(3, "end"), "n3_end");
        assert_eq!(node(4, "r#match"), "n4_match");
        assert_eq!(node(5, "graph"), "n5_graph");
    }

    #[test]
    fn other_characters_become_underscores() {
        assert_eq!(node(1, "größe"), "n1_gr__e");
        assert_eq!(node(2, "a b-c\"d"), "n2_a_b_c_d");
        assert_eq!(node(3, ""), "n3");
    }

    #[test]
    fn undo_ids_cannot_collide_with_node_ids() {
        // Node 1's undo node and a node named `pay_undo` differ by index.
        assert_eq!(undo(1, "pay"), "n1_pay_undo");
        assert_eq!(node(2, "pay_undo"), "n2_pay_undo");
    }
}
