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
        Err(utf8_err) => {
            let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                Err(format!(
                    "neither UTF-8 (invalid at byte {}) nor GB18030/GBK text",
                    utf8_err.valid_up_to()
                ))
            } else {
                Ok((text.into_owned(), "gb18030"))
            }
        }
    }
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
}
