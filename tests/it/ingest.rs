//! Readers and staging: encodings, CSV quoting, JSONL, Parquet, 千牛 transcripts,
//! rejects with file/line/reason, and the row reconciliation in the manifest.

use crate::helpers::*;
use kefu::core::model::{MsgType, Sender};

#[test]
fn rejects_duplicates_and_reconciliation() {
    let f = Fixture::new();
    let csv = format!(
        "{HEADER}\
{SHOP},b1,,buyer,2026-11-16 10:00:00,你好,text
{SHOP},b1,,buyer,2026-11-16 10:00:00,你好,text
{SHOP},b1,,buyer,2026-13-16 10:00:00,坏时间,text
{SHOP},,,buyer,2026-11-16 10:00:00,没有买家,text
{SHOP},b1,,customer,2026-11-16 10:00:01,不认识的发送方,text
{SHOP},b1,,agent,2026-11-16 10:00:05,没有客服号,text
{SHOP},b1,{SHOP}:小美,agent,2026-11-16 10:00:09,\"有的亲, 第一行
第二行\",text
{SHOP},b1
"
    );
    let p = f.write("messages/m.csv", csv.replace('\n', "\r\n"));
    f.write(
        "orders/o.csv",
        format!(
            "{ORDER_HEADER}O1,{SHOP},b1,2026-11-16 11:00:00,,abc,\nO2,{SHOP},b1,2026-11-16 11:00:00,,10.5,\nO2,{SHOP},b1,2026-11-16 11:00:00,,10.5,\nO2,{SHOP},b1,2026-11-16 11:00:00,,12,\n"
        ),
    );
    let a = f.analyse();
    let file = p.display().to_string();
    let rej: Vec<(u64, &str)> = a
        .staged
        .rejects
        .iter()
        .filter(|r| r.file == file)
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(rej.len(), 5, "{rej:?}");
    assert_eq!(rej[0].0, 4, "{rej:?}");
    assert!(rej[0].1.contains("sent_at"), "{}", rej[0].1);
    assert_eq!(rej[1], (5, "missing buyer_id"));
    assert!(rej[2].1.contains("unknown sender"));
    assert_eq!(rej[3], (7, "missing agent_id on an agent message"));
    assert_eq!(rej[4].0, 10);
    assert!(rej[4].1.contains("expected 7 fields, found 2"));
    // The quoted field keeps its comma and newline.
    assert!(a
        .staged
        .messages
        .iter()
        .any(|m| &*m.content == "有的亲, 第一行\r\n第二行" || &*m.content == "有的亲, 第一行\n第二行"));

    let mf = a.staged.files.iter().find(|x| x.path == file).unwrap();
    assert_eq!(
        (mf.rows_read, mf.rows_used, mf.rows_rejected, mf.rows_deduplicated),
        (8, 2, 5, 1)
    );
    let of = a.staged.files.iter().find(|x| x.table == "orders").unwrap();
    // O1 bad amount, O2 once, an exact repeat, and a conflicting repeat.
    assert_eq!(
        (of.rows_read, of.rows_used, of.rows_rejected, of.rows_deduplicated),
        (4, 1, 2, 1)
    );
    for x in &a.staged.files {
        assert_eq!(
            x.rows_read,
            x.rows_used + x.rows_rejected + x.rows_deduplicated,
            "{x:?}"
        );
    }
}

#[test]
fn gbk_and_bom_files_read_like_utf8() {
    let rows = chat_rows(
        "买家甲",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "这款有货吗？"),
            ("10:00:10", "小美", "有现货的亲"),
        ],
    );
    let text = format!("{HEADER}{rows}");
    let utf8 = Fixture::new();
    utf8.write("messages/m.csv", &text);
    let gbk = Fixture::new();
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    gbk.write("messages/m.csv", &bytes);
    let bom = Fixture::new();
    bom.write("messages/m.csv", [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
    let a = utf8.analyse();
    for (f, enc) in [(gbk, "gb18030"), (bom, "utf-8-bom")] {
        let b = f.analyse();
        assert_eq!(b.staged.files[0].encoding, enc);
        let strip = |m: &kefu::core::model::Message| (m.buyer_id.clone(), m.content.clone(), m.ts, m.agent_id.clone());
        assert_eq!(
            a.staged.messages.iter().map(strip).collect::<Vec<_>>(),
            b.staged.messages.iter().map(strip).collect::<Vec<_>>()
        );
    }
}

#[test]
fn jsonl_with_rfc3339_offsets() {
    let f = Fixture::new();
    f.write(
        "messages/m.jsonl",
        format!(
            "{{\"shop_id\":\"{SHOP}\",\"buyer_id\":\"b1\",\"sender\":\"buyer\",\"sent_at\":\"2026-11-16T02:00:00Z\",\"content\":\"有货吗\"}}\n\
             \n\
             {{\"shop_id\":\"{SHOP}\",\"buyer_id\":\"b1\",\"agent_id\":\"{SHOP}:小美\",\"sender\":\"agent\",\"sent_at\":\"2026-11-16T10:00:30+08:00\",\"content\":\"有的\"}}\n\
             not json\n"
        ),
    );
    let a = f.analyse();
    assert_eq!(a.staged.messages.len(), 2);
    assert_eq!(a.conv.sessions[0].first_response_ms, Some(30_000));
    assert_eq!(a.staged.rejects.len(), 1);
    assert_eq!(a.staged.rejects[0].line, 4);
}

#[test]
fn parquet_input() {
    use polars::prelude::*;
    let f = Fixture::new();
    let mut df = df!(
        "shop_id" => [SHOP, SHOP],
        "buyer_id" => ["b1", "b1"],
        "agent_id" => [None, Some("测试店:小美")],
        "sender" => ["buyer", "agent"],
        "sent_at" => ["2026-11-16 10:00:00", "2026-11-16 10:00:12"],
        "content" => ["有货吗", "有的亲"],
    )
    .unwrap();
    let p = f.path().join("messages/m.parquet");
    kefu::stages::sink::write_parquet(&p, &mut df).unwrap();
    let a = f.analyse();
    assert_eq!(a.staged.messages.len(), 2);
    assert_eq!(a.conv.sessions[0].first_response_ms, Some(12_000));
}

#[test]
fn qianniu_transcripts_in_every_header_style() {
    let f = Fixture::new();
    let txt = "================================================================\n\
消息对象:小鱼儿\n\
================================================================\n\
\n\
小鱼儿 2026-11-16 10:00:00\n\
在吗\n\
\n\
悦然旗舰店:小美 2026-11-16 10:00:01\n\
[自动回复]您好，欢迎光临\n\
\n\
2026-11-16 10:00:20 小鱼儿\n\
这个有现货吗\n\
还有白色吗\n\
小鱼儿(2026-11-16 10:00:30):\n\
[图片]\n\
悦然旗舰店:小美(2026-11-16 10:01:00):\n\
有的亲\n\
\n\
悦然旗舰店:小美 2026-11-16 10:01:05\n\
https://item.taobao.com/item.htm?id=123\n";
    f.write("messages/export.txt", txt.replace('\n', "\r\n"));
    let a = f.analyse();
    let m = &a.staged.messages;
    assert_eq!(m.len(), 6);
    assert!(m.iter().all(|x| x.shop_id == "悦然旗舰店" && x.buyer_id == "小鱼儿"));
    assert_eq!((m[1].sender, &*m[1].content), (Sender::Bot, "您好，欢迎光临"));
    assert_eq!(&*m[2].content, "这个有现货吗\n还有白色吗");
    assert_eq!((m[3].sender, m[3].msg_type), (Sender::Buyer, MsgType::Image));
    assert_eq!(
        (m[4].sender, m[4].agent_id.as_deref()),
        (Sender::Agent, Some("悦然旗舰店:小美"))
    );
    assert_eq!(m[5].msg_type, MsgType::ItemCard);
    // Bot greeting does not answer: the turn runs from 10:00:00 to 10:01:00.
    assert_eq!(a.conv.sessions[0].first_response_ms, Some(60_000));
}

#[test]
fn transcript_shop_from_flag_when_nicks_have_none() {
    let f = Fixture::new();
    f.write("messages/小店导出.txt", "买家A 2026-11-16 10:00:00\n有货吗\n");
    let a = f.analyse();
    assert_eq!(a.staged.messages[0].shop_id, "小店导出");
    let mut cfg = f.config();
    cfg.input.shop = Some("旗舰店".into());
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    assert_eq!(a.staged.messages[0].shop_id, "旗舰店");
}

#[test]
fn custom_transcript_header_regex() {
    let f = Fixture::new();
    f.write(
        "messages/x.txt",
        "[2026-11-16 10:00:00] <买家A>\n有货吗\n[2026-11-16 10:00:09] <店:小美>\n有的\n",
    );
    let mut cfg = f.config();
    cfg.input.transcript_header = Some(r"^\[(?P<time>[^\]]+)\] <(?P<nick>[^>]+)>$".into());
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    assert_eq!(a.staged.messages.len(), 2);
    assert_eq!(a.conv.sessions[0].first_response_ms, Some(9_000));
}

#[test]
fn missing_required_column_names_file_and_column() {
    let f = Fixture::new();
    let p = f.write("messages/m.csv", "shop_id,buyer_id,sender,content\nA,b,buyer,hi\n");
    let err = kefu::pipeline::analyse(&f.settings())
        .err()
        .expect("must fail")
        .to_string();
    assert!(
        err.contains(&p.display().to_string()) && err.contains("sent_at"),
        "{err}"
    );
}

/// A header regex whose `nick` group is optional: a header line without a
/// nick is a reject (with its content lines), never a panic, and the
/// messages around it are read as usual.
#[test]
fn custom_header_with_an_optional_group_rejects_the_line() {
    let f = Fixture::new();
    f.write(
        "messages/x.txt",
        "[2026-11-16 10:00:00] <买家A>\n有货吗\n[2026-11-16 10:00:05]\n这行没有昵称\n第二行\n[2026-11-16 10:00:09] <店:小美>\n有的\n",
    );
    let mut cfg = f.config();
    cfg.input.transcript_header = Some(r"^\[(?P<time>[^\]]+)\](?: <(?P<nick>[^>]+)>)?$".into());
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    assert_eq!(a.staged.messages.len(), 2);
    assert_eq!(a.conv.sessions[0].first_response_ms, Some(9_000));
    let r = &a.staged.rejects;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].line, 3);
    assert!(
        r[0].reason.contains("(?P<nick>…) group took no part"),
        "{}",
        r[0].reason
    );
    assert_eq!(r[0].raw, "[2026-11-16 10:00:05]\n这行没有昵称\n第二行");
    let fi = &a.staged.files[0];
    assert_eq!((fi.rows_read, fi.rows_used, fi.rows_rejected), (3, 2, 1));
}

/// An `--agents` folder: a repeated agent is counted against the file it
/// came from. Before, every repeat was charged to the last roster file,
/// whose `rows_used` went below zero (a panic in a debug build).
#[test]
fn agents_folder_counts_repeats_against_their_own_file() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有货吗"), ("10:00:09", "小美", "有的")],
    );
    let a_csv = f.write(
        "agents/a.csv",
        format!("agent_id,name,team\n{SHOP}:小美,小美,presale\n{SHOP}:小美,小美,presale\n{SHOP}:小美,小美,presale\n"),
    );
    let b_csv = f.write(
        "agents/b.csv",
        format!("agent_id,name,team\n{SHOP}:小雨,小雨,aftersale\n"),
    );
    let mut cfg = f.config();
    cfg.input.agents = Some(f.path().join("agents"));
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    let counts = |p: &std::path::Path| {
        let x = a
            .staged
            .files
            .iter()
            .find(|x| x.path == p.display().to_string())
            .unwrap();
        (x.rows_read, x.rows_used, x.rows_rejected, x.rows_deduplicated)
    };
    assert_eq!(counts(&a_csv), (3, 1, 0, 2));
    assert_eq!(counts(&b_csv), (1, 1, 0, 0));
    let ids: Vec<&str> = a.staged.agents.iter().map(|x| x.agent_id.as_str()).collect();
    assert_eq!(ids, [format!("{SHOP}:小美"), format!("{SHOP}:小雨")]);
}

/// An amount past what one order may hold, or too long for any integer, is a
/// reject naming why — never a wrapped or zero sum (issue 16, item 11).
#[test]
fn huge_amounts_are_rejected_not_summed() {
    let f = Fixture::new();
    f.chat("c", "b1", "2026-11-16", &[("10:00:00", "buyer", "在吗")]);
    f.write(
        "orders/o.csv",
        format!(
            "{ORDER_HEADER}O1,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:01:00,92233720368547758,\n\
O2,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:01:00,99999999999999999999999,\n\
O3,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:01:00,1000000000.01,\n\
O4,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:01:00,1000000000,\n"
        ),
    );
    let a = f.analyse();
    let reasons: Vec<(u64, &str)> = a.staged.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(reasons[0].0, 2);
    assert!(reasons[0].1.contains("one order may hold"), "{reasons:?}");
    assert!(reasons[1].1.contains("unparsable amount"), "{reasons:?}");
    assert!(reasons[2].1.contains("one order may hold"), "{reasons:?}");
    assert_eq!(a.staged.orders.len(), 1);
    assert_eq!(a.staged.orders[0].amount_fen, 100_000_000_000);
}

/// JSONL keys match without case, like CSV headers; a value that is an
/// object, or a number JSON would round, is a reject, not a shop id (issue
/// 16, item 12).
#[test]
fn jsonl_keys_any_case_and_no_misread_values() {
    let f = Fixture::new();
    let row = |shop: &str, t: &str| {
        format!("{{\"Shop_ID\":{shop},\"BUYER_ID\":12345,\"Sender\":\"buyer\",\"sent_at\":\"2026-11-16T10:00:{t}+08:00\",\"content\":\"有货吗\"}}\n")
    };
    let text = [
        row(&format!("\"{SHOP}\""), "00"),
        row("{\"a\":1}", "01"),
        row("12345678901234567890123", "02"),
        row("[1]", "03"),
        format!("{{\"shop_id\":\"{SHOP}\",\"SHOP_ID\":\"x\",\"buyer_id\":\"b\",\"sender\":\"buyer\",\"sent_at\":\"2026-11-16T10:00:04+08:00\",\"content\":\"在\"}}\n"),
    ]
    .concat();
    f.write("messages/m.jsonl", text);
    let a = f.analyse();
    assert_eq!(a.staged.messages.len(), 1);
    assert_eq!(&*a.staged.messages[0].buyer_id, "12345");
    let reasons: Vec<(u64, &str)> = a.staged.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0], (2, "shop_id holds a JSON object, not a value"));
    assert!(reasons[1].1.contains("too long a number"), "{reasons:?}");
    assert_eq!(reasons[2], (4, "shop_id holds a JSON array, not a value"));
    assert!(reasons[3].1.contains("both name column shop_id"), "{reasons:?}");
}

/// A FIFO named like a data file is skipped, not read forever; a link to a
/// folder named `*.csv` is walked as a folder (issue 16, item 13).
#[cfg(unix)]
#[test]
fn fifos_and_links_to_folders_in_input_folders() {
    let f = Fixture::new();
    f.chat(
        "a",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "在吗"), ("10:00:05", "小雨", "您好")],
    );
    let fifo = f.path().join("messages/stuck.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let elsewhere = f.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("b.csv"),
        format!("{HEADER}{SHOP},b2,,buyer,2026-11-16 11:00:00,有货吗,text\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, f.path().join("messages/linked.csv")).unwrap();
    let a = f.analyse();
    let buyers: std::collections::BTreeSet<&str> = a.staged.messages.iter().map(|m| &*m.buyer_id).collect();
    assert_eq!(buyers.into_iter().collect::<Vec<_>>(), ["b1", "b2"]);
    // Named directly, the FIFO is a usage error, not a hang.
    let o = kefu()
        .args(["run", "--messages"])
        .arg(&fifo)
        .arg("--out")
        .arg(f.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
}

/// A header of thousands of columns is refused with a short error, not
/// mapped column by column into a megabyte message (issue 16, item 13).
#[test]
fn absurdly_wide_header_is_refused_briefly() {
    let f = Fixture::new();
    let header: Vec<String> = (0..5000).map(|i| format!("col{i}")).collect();
    let p = f.write("messages/wide.csv", format!("{}\n", header.join(",")));
    let err = kefu::pipeline::analyse(&f.settings()).err().unwrap().to_string();
    assert!(
        err.contains("header has 5000 columns; kefu reads at most 1024"),
        "{err}"
    );
    assert!(err.contains(&p.display().to_string()) && err.len() < 300, "{err}");
    // A missing column quotes only the first 20 header names.
    let header: Vec<String> = (0..100).map(|i| format!("col{i}")).collect();
    f.write("messages/wide.csv", format!("{}\n", header.join(",")));
    let err = kefu::pipeline::analyse(&f.settings()).err().unwrap().to_string();
    assert!(err.contains("col19, … 80 more"), "{err}");
}

/// In a 千牛 export a colon-free nick that is not the conversation's buyer
/// nor the shop's main account is a reject, not an agent: a second buyer
/// with no 消息对象 line, or a pasted line shaped like a header (issue 16,
/// item 3).
#[test]
fn transcript_unknown_colon_free_nicks_are_rejects() {
    let f = Fixture::new();
    let txt = "消息对象:小鱼儿\n\
小鱼儿 2026-11-16 10:00:00\n\
订单什么时候发\n\
悦然旗舰店:小美 2026-11-16 10:00:30\n\
亲 您的订单信息如下\n\
下单时间 2026-11-14 09:00:00\n\
今天发出\n\
大熊 2026-11-16 10:01:00\n\
我也要问\n\
悦然旗舰店 2026-11-16 10:01:30\n\
店长在的\n";
    f.write("messages/悦然旗舰店.txt", txt);
    let a = f.analyse();
    let m = &a.staged.messages;
    let who: Vec<(Sender, Option<&str>)> = m.iter().map(|x| (x.sender, x.agent_id.as_deref())).collect();
    assert_eq!(
        who,
        [
            (Sender::Buyer, None),
            (Sender::Agent, Some("悦然旗舰店:小美")),
            (Sender::Agent, Some("悦然旗舰店"))
        ]
    );
    let r: Vec<(u64, &str)> = a.staged.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0].0, 6);
    assert!(r[0].1.contains("nick \"下单时间\""), "{r:?}");
    assert_eq!(r[1].0, 8);
    assert!(r[1].1.contains("nick \"大熊\"") && r[1].1.contains("消息对象"), "{r:?}");
    assert_eq!(a.staged.files[0].rows_read, 5);
}
