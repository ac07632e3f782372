//! Splitting a configuration line into words with Redis's `sdssplitargs`
//! quoting: `"double \x41 \n quotes"` with escapes, `'single \' quotes'`.

/// The words of `line`, or `Err` for unbalanced quotes (kevy-commands'
/// `sdssplitargs`, which the function shebang, ACL selectors and the AOF
/// manifest use too).
pub fn split(line: &str) -> Result<Vec<String>, ()> {
    let words = kevy_commands::base::text::split_args(line.as_bytes()).ok_or(())?;
    Ok(words
        .iter()
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect())
}
