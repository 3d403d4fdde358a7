//! The label codec: class folder names and the labels they stand for.

/// A label as augsafe keeps and shows it: control characters (escape sequences that recolour a
/// terminal or retitle its window, newlines that split a table's rows, characters XML forbids)
/// written out as `\u{1b}`, everything else as it is.
pub fn visible_label(label: &str) -> std::borrow::Cow<'_, str> {
    if !label.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(label);
    }
    std::borrow::Cow::Owned(
        label
            .chars()
            .map(|c| {
                if c.is_control() {
                    format!("\\u{{{:x}}}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// The label a class folder stands for.
///
/// Folders written by `augsafe render` encode every label that is not a lower-case ASCII letter
/// or a digit as `U+XXXX` followed by an optional `_` and a readable form (`U+0041_A` for `A`),
/// so that `A` and `a` never collide on a case-insensitive file system. Any other folder name is
/// the label itself, as in the ImageFolder convention.
pub fn label_from_folder_name(name: &str) -> String {
    let decoded = name
        .strip_prefix("U+")
        .or_else(|| name.strip_prefix("u+"))
        .and_then(|rest| {
            let hex_end = rest
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(rest.len());
            let (hex, tail) = rest.split_at(hex_end);
            let tail_ok = tail.is_empty() || tail.starts_with('_');
            if (4..=6).contains(&hex.len()) && tail_ok {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else {
                None
            }
        });
    match decoded {
        Some(c) => c.to_string(),
        None => name.to_string(),
    }
}

/// The folder name `augsafe render` gives a one-character label (see [`label_from_folder_name`]).
pub fn folder_name_for_char(c: char) -> String {
    if c.is_ascii_lowercase() || c.is_ascii_digit() {
        c.to_string()
    } else if c.is_alphanumeric() {
        format!("U+{:04X}_{c}", u32::from(c))
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_round_trip_and_never_collide_by_case() {
        let chars: Vec<char> = ('0'..='9')
            .chain('a'..='z')
            .chain('A'..='Z')
            .chain(['%', 'é', 'É'])
            .collect();
        let mut folded: Vec<String> = chars
            .iter()
            .map(|&c| folder_name_for_char(c).to_lowercase())
            .collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), chars.len());
        for c in chars {
            assert_eq!(
                label_from_folder_name(&folder_name_for_char(c)),
                c.to_string()
            );
        }
    }

    #[test]
    fn plain_folder_names_are_labels() {
        assert_eq!(label_from_folder_name("cat"), "cat");
        assert_eq!(label_from_folder_name("U+"), "U+");
        assert_eq!(label_from_folder_name("U+12"), "U+12");
        assert_eq!(label_from_folder_name("U+0041x"), "U+0041x");
        assert_eq!(label_from_folder_name("u+0062"), "b");
    }
}
