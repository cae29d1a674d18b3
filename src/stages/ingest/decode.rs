//! Text encoding detection: Chinese shops export UTF-8, UTF-8 with BOM,
//! GB18030/GBK (Excel on Chinese Windows) and UTF-16 (some 千牛 versions).
//! Detection looks at the bytes, never at the file name.

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

/// Decodes a whole file, reusing the buffer when it is already UTF-8 (the
/// common case, and the one that matters for memory on large exports).
pub fn decode_owned(bytes: Vec<u8>) -> Result<(String, &'static str), String> {
    if !bytes.starts_with(b"\xEF\xBB\xBF") && !bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF") {
        return match String::from_utf8(bytes) {
            Ok(s) => Ok((s, "utf-8")),
            Err(e) => decode(e.as_bytes()),
        };
    }
    decode(&bytes)
}

/// Decodes a whole file. Returns the text and the encoding's name.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_owned(), "utf-8-bom"))
            .map_err(|e| format!("has a UTF-8 BOM but invalid UTF-8 at byte {}", e.valid_up_to() + 3));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, name) = if bytes[0] == 0xFF {
            (UTF_16LE, "utf-16le")
        } else {
            (UTF_16BE, "utf-16be")
        };
        let (text, had_errors) = enc.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(format!("invalid {name} text"));
        }
        return Ok((text.into_owned(), name));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_owned(), "utf-8")),
        Err(_) if mostly_utf8(bytes) => mixed(bytes),
        Err(_) => {
            let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                // A GBK export with a few broken lines (cut mid-character).
                mixed(bytes)
            } else {
                Ok((text.into_owned(), "gb18030"))
            }
        }
    }
}

/// Whether a file that is not all UTF-8 still has at least as many non-ASCII
/// lines in UTF-8 as not: a UTF-8 export with GBK lines pasted in. Read
/// whole as GB18030 its UTF-8 lines would be mojibake (GB18030 maps any
/// bytes), a phantom shop among them.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_ascii()) {
        if std::str::from_utf8(line).is_ok() {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    valid > 0 && valid >= invalid
}

/// Each line in its own encoding: UTF-8 where it is, else GB18030 (a line
/// break is the byte 0x0A in both, never inside a GB18030 character). A
/// line that is neither (a corrupt byte, a file cut mid-character) is read
/// with U+FFFD in place of the bad bytes rather than failing the whole
/// file. The lines read either way are named in a warning and the manifest
/// says `utf-8+gb18030`, so the mix is never silent.
fn mixed(bytes: &[u8]) -> Result<(String, &'static str), String> {
    let mut out = String::with_capacity(bytes.len());
    let (mut gbk_lines, mut broken_lines, mut text_lines) = (Vec::new(), Vec::new(), 0usize);
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        text_lines += usize::from(!line.is_ascii());
        match std::str::from_utf8(line) {
            Ok(s) => out.push_str(s),
            Err(_) => {
                let (text, had_errors) = GB18030.decode_without_bom_handling(line);
                if had_errors {
                    broken_lines.push(i + 1);
                    out.push_str(&String::from_utf8_lossy(line));
                } else {
                    gbk_lines.push(i + 1);
                    out.push_str(&text);
                }
            }
        }
    }
    if !gbk_lines.is_empty() {
        tracing::warn!(lines = ?gbk_lines, "a UTF-8 file with lines in GB18030/GBK: each read in its own encoding");
    }
    if broken_lines.len() > 3 && broken_lines.len() * 10 > text_lines {
        // Not text with a few bad lines: a binary file, or another encoding.
        return Err(format!(
            "neither UTF-8 nor GB18030/GBK text ({} of {text_lines} non-ASCII lines undecodable, first line {})",
            broken_lines.len(),
            broken_lines[0]
        ));
    }
    if !broken_lines.is_empty() {
        tracing::warn!(lines = ?broken_lines, "lines in no known encoding: bad bytes read as U+FFFD");
    }
    Ok((out, "utf-8+gb18030"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_encoding() {
        let s = "店铺,买家\n旗舰店,小王\n";
        assert_eq!(decode(s.as_bytes()).unwrap(), (s.to_string(), "utf-8"));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(s.as_bytes());
        assert_eq!(decode(&bom).unwrap(), (s.to_string(), "utf-8-bom"));
        let (gbk, _, _) = encoding_rs::GBK.encode(s);
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode(&gbk).unwrap(), (s.to_string(), "gb18030"));
        let mut u16 = vec![0xFF, 0xFE];
        for c in s.encode_utf16() {
            u16.extend_from_slice(&c.to_le_bytes());
        }
        assert_eq!(decode(&u16).unwrap(), (s.to_string(), "utf-16le"));
    }

    /// A few undecodable lines (a corrupt byte, a file cut mid-character)
    /// are read with U+FFFD; a file that is mostly undecodable is no text.
    #[test]
    fn broken_lines_and_binary_files() {
        let mut cut = "店铺,买家\n旗舰店,小王\n".as_bytes().to_vec();
        cut.extend_from_slice(&"旗舰店,小张".as_bytes()[..15]);
        let (text, _) = decode(&cut).unwrap();
        assert!(
            text.starts_with("店铺,买家\n旗舰店,小王\n旗舰店,小") && text.ends_with('\u{fffd}'),
            "{text}"
        );
        let binary: Vec<u8> = (0..40).flat_map(|i| [0x80 | (i as u8), 0xff, b'\n']).collect();
        assert!(decode(&binary).unwrap_err().contains("undecodable"));
    }

    /// A UTF-8 file with one GBK line: each line read right, not the whole
    /// file as GB18030 mojibake (issue 16, item 6).
    #[test]
    fn a_gbk_line_in_a_utf8_file() {
        let (gbk, _, _) = encoding_rs::GBK.encode("悦然旗舰店,小李\n");
        let mut bytes = "shop,buyer\n悦然旗舰店,小王\n悦然旗舰店,小张\n".as_bytes().to_vec();
        bytes.extend_from_slice(&gbk);
        let (text, enc) = decode(&bytes).unwrap();
        assert_eq!(enc, "utf-8+gb18030");
        assert_eq!(text, "shop,buyer\n悦然旗舰店,小王\n悦然旗舰店,小张\n悦然旗舰店,小李\n");
        // Mostly GBK stays a GBK file.
        let (all, _, _) = encoding_rs::GBK.encode("悦然旗舰店,小王\n悦然旗舰店,小张\n");
        assert_eq!(decode(&all).unwrap().1, "gb18030");
    }
}
