//! The fields of a `multipart/form-data` body held in memory: each part's
//! name and its text (a file part's filename, as the FastAPI mock reads it).

/// Most parts read from one body.
const MAX_PARTS: usize = 100_000;

/// The `(name, value)` pairs of a multipart body; an error names what is
/// malformed.
pub(crate) fn fields(content_type: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let boundary = content_type
        .split(';')
        .skip(1)
        .filter_map(|param| param.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| "Missing boundary in multipart.".to_owned())?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut rest = match find(body, &delimiter) {
        Some(start) => &body[start + delimiter.len()..],
        None => return Err("no multipart boundary in the body".to_owned()),
    };
    loop {
        if rest.starts_with(b"--") {
            return Ok(out);
        }
        let rest_after_line = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .ok_or_else(|| "malformed multipart boundary line".to_owned())?;
        let end = find(rest_after_line, &delimiter)
            .ok_or_else(|| "the multipart body ends without its closing boundary".to_owned())?;
        let mut part = &rest_after_line[..end];
        part = part
            .strip_suffix(b"\r\n")
            .or_else(|| part.strip_suffix(b"\n"))
            .unwrap_or(part);
        out.push(read_part(part)?);
        if out.len() > MAX_PARTS {
            return Err(format!("more than {MAX_PARTS} parts"));
        }
        rest = &rest_after_line[end + delimiter.len()..];
    }
}

fn read_part(part: &[u8]) -> Result<(String, String), String> {
    let (head, content) = match find(part, b"\r\n\r\n") {
        Some(at) => (&part[..at], &part[at + 4..]),
        None => match find(part, b"\n\n") {
            Some(at) => (&part[..at], &part[at + 2..]),
            None => (part, &[][..]),
        },
    };
    let head = String::from_utf8_lossy(head);
    let disposition = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then(|| value.trim().to_owned())
        })
        .ok_or_else(|| "a multipart part has no Content-Disposition".to_owned())?;
    let mut name = None;
    let mut filename = None;
    for param in disposition.split(';').skip(1) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => filename = Some(value),
            _ => {}
        }
    }
    let name = name.ok_or_else(|| "a multipart part has no name".to_owned())?;
    let value = match filename {
        Some(filename) => filename,
        None => String::from_utf8_lossy(content).into_owned(),
    };
    Ok((name, value))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_files() {
        let body = b"--xx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xx\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--xx--\r\n";
        let found = fields("multipart/form-data; boundary=xx", body).unwrap_or_default();
        assert_eq!(
            found,
            vec![
                ("a".to_owned(), "1".to_owned()),
                ("f".to_owned(), "x.png".to_owned())
            ]
        );
    }
}
