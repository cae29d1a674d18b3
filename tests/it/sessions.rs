//! Sessions, turns and response times (CONTRACT §4), each figure worked out by hand.

use crate::helpers::*;
use kefu::core::schema::agent_daily as ad;

#[test]
fn waiting_buyer_keeps_session_open_past_30_minutes() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "这款有货吗"),
            // 40 min later, still unanswered: the buyer is waiting, same session.
            ("10:40:00", "buyer", "在吗？"),
            ("10:41:00", "小美", "有现货的亲"),
            // 39 min after the answer, nobody waiting: a new session.
            ("11:20:00", "buyer", "还有别的颜色吗"),
            // A waiting buyer 24 h + 1 s later: the 24 h rule still opens a new session.
            ("2026-11-17 11:20:01", "buyer", "还在吗"),
        ],
    );
    let a = f.analyse();
    let s = &a.conv.sessions;
    assert_eq!(s.len(), 3);
    assert_eq!((s[0].n_buyer_msgs, s[0].n_agent_msgs, s[0].n_turns), (2, 1, 1));
    // 10:41:00 − 10:00:00 = 2460 s, uncapped in sessions; the average is capped at 600.
    assert_eq!(s[0].first_response_ms, Some(2_460_000));
    assert_eq!(s[0].avg_response_secs(), Some(600.0));
    assert_eq!(s[0].n_unanswered_turns, 0);
    assert!(s[0].is_inquiry);
    assert_eq!(
        (s[1].n_turns, s[1].n_unanswered_turns, s[1].first_response_ms),
        (1, 1, None)
    );
    assert!(!s[1].is_inquiry, "no agent message: not an inquiry");
    assert_eq!(s[2].n_buyer_msgs, 1);
}

/// A closing waits for nothing: 谢谢 after the answer does not keep the
/// session open until the buyer's next question the following evening.
#[test]
fn closing_does_not_keep_session_open() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("21:00:00", "buyer", "这款有货吗"),
            ("21:00:10", "小美", "有现货的亲"),
            ("21:01:00", "buyer", "好的谢谢"),
            // 22 h later: under max_wait_hours, but nobody was waiting.
            ("2026-11-17 19:00:00", "buyer", "发货了吗"),
            ("2026-11-17 19:00:30", "小美", "今天发出了亲"),
        ],
    );
    let a = f.analyse();
    let s = &a.conv.sessions;
    assert_eq!(s.len(), 2);
    // The first session lasts 21:00:00–21:01:00, not 22 hours.
    assert_eq!(s[0].ended_ts - s[0].started_ts, 60_000);
    let d = row(&a.marts.agent_daily, &[(ad::DATE, "2026-11-16")]);
    assert_eq!((&d[ad::RECEPTION_SECS], &d[ad::LONG_RECEPTIONS]), ("60.0", "0"));
}

#[test]
fn bot_reply_does_not_end_a_turn() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("09:00:00", "buyer", "在吗"),
            ("09:00:01", "bot", "您好，欢迎光临"),
            ("09:00:30", "buyer", "这个多少钱"),
            ("09:01:00", "小美", "89元包邮的亲"),
        ],
    );
    let a = f.analyse();
    let s = &a.conv.sessions[0];
    assert_eq!((s.n_turns, s.n_buyer_msgs, s.n_agent_msgs), (1, 2, 1));
    assert_eq!(s.first_response_ms, Some(60_000));
    let t = &a.conv.turns[0];
    assert_eq!((t.n_buyer_msgs, t.agent_id.as_deref()), (2, Some("测试店:小美")));
    // The greeting is not a question; 这个多少钱 is, answered 30 s later.
    let fq = s.first_question.as_ref().unwrap();
    assert_eq!(&*a.staged.messages[fq.msg].content, "这个多少钱");
    assert_eq!((fq.answer_ms, fq.stall_rounds), (Some(30_000), 0));
}

#[test]
fn service_hours_and_cap_in_agent_daily() {
    let f = Fixture::new();
    // X: answered after 900 s (capped to 600 in averages).
    f.chat(
        "x",
        "bx",
        "2026-11-16",
        &[
            ("14:00:00", "buyer", "有货吗"),
            ("14:15:00", "小美", "有的亲，今天能发"),
        ],
    );
    // Y: at 23:30, outside 08:00–23:00: counted as a turn, not in averages or rates.
    f.chat(
        "y",
        "by",
        "2026-11-16",
        &[("23:30:00", "buyer", "发什么快递"), ("23:30:40", "小美", "默认中通")],
    );
    // Z: two turns answered in 10 s and 240 s.
    f.chat(
        "z",
        "bz",
        "2026-11-16",
        &[
            ("15:00:00", "buyer", "能便宜点吗"),
            ("15:00:10", "小美", "可以领10元优惠券"),
            ("15:01:00", "buyer", "那黑色的呢"),
            ("15:05:00", "小美", "黑色也有货"),
        ],
    );
    let a = f.analyse();
    let y = a.conv.sessions.iter().find(|s| s.buyer_id == "by").unwrap();
    assert_eq!(
        y.first_response_ms,
        Some(40_000),
        "first response is kept in sessions at any hour"
    );
    assert_eq!(y.avg_response_secs(), None, "no in-hours turn to average");
    let x = a.conv.sessions.iter().find(|s| s.buyer_id == "bx").unwrap();
    assert_eq!(
        (x.first_response_ms, x.avg_response_secs()),
        (Some(900_000), Some(600.0))
    );

    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!(&d[ad::DATE], "2026-11-16");
    assert_eq!((&d[ad::SESSIONS], &d[ad::BUYERS], &d[ad::INQUIRIES]), ("3", "3", "3"));
    assert_eq!((&d[ad::N_TURNS], &d[ad::TURNS_IN_HOURS]), ("4", "3"));
    // (600 + 10 + 240) / 3 in-hours answered turns.
    let avg: f64 = d[ad::RESPONSE_AVG_SECS].parse().unwrap();
    assert!((avg - 850.0 / 3.0).abs() < 1e-9, "{avg}");
    // First turns in hours: X 600 (capped), Z 10 → 305.
    assert_eq!(&d[ad::FIRST_RESPONSE_AVG_SECS], "305.0");
    // Within 180 s among the 3 in-hours turns: only Z's first.
    let rate: f64 = d[ad::RESPONSE_3MIN_RATE].parse().unwrap();
    assert!((rate - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(&d[ad::UNANSWERED_TURNS], "0");
}

#[test]
fn unanswered_turn_credit_and_stalled_first_question() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "这件偏大还是偏小？"),
            ("10:00:05", "小雨", "好的亲"),
            ("10:00:20", "buyer", "亲？"),
            ("10:00:25", "小雨", "稍等亲"),
            ("10:00:40", "buyer", "？？"),
            ("10:00:45", "小雨", "嗯我看一下"),
            ("10:05:00", "小雨", "标准码的亲，按平时尺码拍就可以"),
            ("10:06:00", "buyer", "那我要M码的白色，有现货吗"),
        ],
    );
    let a = f.analyse();
    let s = &a.conv.sessions[0];
    // Three fillers before the answer at 10:05:00: first response 5 s, first answer 300 s.
    assert_eq!(s.first_response_ms, Some(5_000));
    let fq = s.first_question.as_ref().unwrap();
    assert_eq!((fq.stall_rounds, fq.answer_ms), (3, Some(300_000)));
    assert_eq!((s.n_turns, s.n_unanswered_turns), (4, 1));
    // The last turn has no agent after it: credited to the session's last agent.
    let last = a.conv.turns.last().unwrap();
    assert_eq!(
        (last.answered(), last.agent_id.as_deref()),
        (false, Some("测试店:小雨"))
    );
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小雨")]);
    assert_eq!(
        (&d[ad::UNANSWERED_TURNS], &d[ad::FIRST_ANSWER_AVG_SECS]),
        ("1", "300.0")
    );
    assert_eq!(&d[ad::FIRST_RESPONSE_AVG_SECS], "5.0");
}

#[test]
fn given_session_ids_are_used() {
    let f = Fixture::new();
    let csv = format!(
        "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\n\
         {SHOP},b1,,buyer,2026-11-16 10:00:00,在吗,text,S-1\n\
         {SHOP},b1,{SHOP}:小美,agent,2026-11-16 10:00:09,在的亲,text,S-1\n\
         {SHOP},b1,,buyer,2026-11-16 10:05:00,有货吗,text,S-2\n"
    );
    f.write("messages/m.csv", csv);
    let a = f.analyse();
    let ids: Vec<_> = a.conv.sessions.iter().map(|s| s.session_id.as_str()).collect();
    assert_eq!(ids, ["S-1", "S-2"]);
}

#[test]
fn repeated_session_ids_stay_unique_per_shop() {
    // A given id is authoritative, so b1's S-1, S-9, S-1 are three sessions.
    // Sessions come in (shop, buyer, time) order: b1's get S-1, S-9, S-1~2 and
    // b2's S-1 becomes S-1~3. Another shop's S-1 is its own.
    let f = Fixture::new();
    let csv = format!(
        "shop_id,buyer_id,agent_id,sender,sent_at,content,msg_type,session_id\n\
         {SHOP},b1,,buyer,2026-11-16 10:00:00,在吗,text,S-1\n\
         {SHOP},b2,,buyer,2026-11-16 11:00:00,有货吗,text,S-1\n\
         {SHOP},b1,,buyer,2026-11-16 12:00:00,退货,text,S-9\n\
         {SHOP},b1,,buyer,2026-11-17 10:00:00,发货了吗,text,S-1\n\
         别的店,b1,,buyer,2026-11-16 10:00:00,在吗,text,S-1\n"
    );
    f.write("messages/m.csv", csv);
    let a = f.analyse();
    let ids: Vec<String> = a
        .conv
        .sessions
        .iter()
        .map(|s| format!("{}|{}|{}", s.shop_id, s.buyer_id, s.session_id))
        .collect();
    let want = [
        "别的店|b1|S-1".to_string(),
        format!("{SHOP}|b1|S-1"),
        format!("{SHOP}|b1|S-9"),
        format!("{SHOP}|b1|S-1~2"),
        format!("{SHOP}|b2|S-1~3"),
    ];
    assert_eq!(ids, want);
}
