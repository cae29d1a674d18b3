//! The weekly score recomputed by hand from agent_daily figures for two agents.

use crate::helpers::*;
use kefu::core::schema::agent_weekly as aw;

#[test]
fn weekly_score_and_rank_by_hand() {
    let f = Fixture::new();
    // 小美: answers in 10 s with substance; b1 converts (paid), b2 does not.
    f.chat(
        "a1",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有现货吗"), ("10:00:10", "小美", "有现货的亲")],
    );
    f.chat(
        "a2",
        "b2",
        "2026-11-16",
        &[("11:00:00", "buyer", "包邮吗"), ("11:00:10", "小美", "满99包邮的亲")],
    );
    // 小雨: 70 s to answer, after two fillers; no order.
    f.chat(
        "c1",
        "b3",
        "2026-11-16",
        &[
            ("12:00:00", "buyer", "这个面料起球吗"),
            ("12:00:05", "小雨", "好的亲"),
            ("12:00:10", "小雨", "稍等亲"),
            ("12:01:10", "小雨", "不会起球的亲"),
        ],
    );
    f.orders(&[("O1", "b1", "2026-11-16 12:00:00", "2026-11-16 12:01:00", "100")]);
    // The score's arithmetic is the subject here: the 售前-flow norms (greeting,
    // farewell, apology after a wait), which these terse chats all miss, are off.
    let mut cfg = f.config();
    for r in ["no_greeting", "no_closing", "wait_no_apology"] {
        cfg.rules.entry(r.into()).or_default().enabled = Some(false);
    }
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    let w = &a.marts.agent_weekly;
    let mei = row(w, &[(aw::AGENT_ID, "测试店:小美")]);
    let yu = row(w, &[(aw::AGENT_ID, "测试店:小雨")]);

    // 小美: conversion 1/2 = 0.5 → (0.5−0.2)/(0.6−0.2) = 75; first response 10 s → 100;
    // average response 10 s → 100; 3-min rate 1 → 100; first questions answered 2/2 → 100;
    // violations: none → 100 each. Weighted (0.3·75 + 0.7·100) / 1.0 = 92.5.
    assert_eq!(&mei[aw::CONVERSION_RATE], "0.5");
    assert_eq!(&mei[points("conversion_rate")], "75.0");
    assert_eq!(&mei[aw::SCORE], "92.5");
    // 小雨: conversion 0/1 = 0 → 0; first response 5 s → 100 (the filler counts as a response);
    // average 5 s → 100; 3-min rate → 100; first question answered (after 70 s) → 100;
    // one wait violation (stalled_first_question, two fillers) in one session.
    assert_eq!(&yu[aw::CONVERSION_RATE], "0.0");
    assert_eq!(&yu[points("conversion_rate")], "0.0");
    assert_eq!(&yu[aw::VIOLATIONS_WAIT], "1", "stalled_first_question");
    // wait per 100 sessions = 100 → past `bad` 30 → 0 points; think, annoy 0 → 100.
    // (0.3·0 + 0.1·100 + 0.1·100 + 0.1·100 + 0.1·100 + 0.1·0 + 0.1·100 + 0.1·100) / 1.0 = 60.
    assert_eq!(&yu[aw::SCORE], "60.0");
    assert_eq!((&mei[aw::RANK], &yu[aw::RANK]), ("1", "2"));
    assert_eq!(&mei[aw::WEEK], "2026-W47");
    assert_eq!(&mei[aw::INSUFFICIENT_SAMPLE], "true", "2 inquiries < min_inquiries 10");
}
