//! Durations on the command line: `30d`, `12h`, `90min`, `45s`, `2w`, or plain seconds.

/// Seconds in `text`: a whole number followed by `s`, `m`/`min`, `h`, `d` or `w` (none:
/// seconds).
pub(crate) fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a duration (say 45s, 90min, 12h, 30d or 2w)"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is not a duration (say 45s, 90min, 12h, 30d or 2w)"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::parse("30d"), Ok(30 * 86_400));
        assert_eq!(super::parse("90min"), Ok(5400));
        assert_eq!(super::parse("2w"), Ok(14 * 86_400));
        assert_eq!(super::parse("45"), Ok(45));
        assert_eq!(
            super::parse("soon"),
            Err("`soon` is not a duration (say 45s, 90min, 12h, 30d or 2w)".to_owned())
        );
        assert!(super::parse("d").is_err());
    }
}
