//! 售前 / 售中 / 售后 (CONTRACT §6): a session takes the latest stage its
//! buyer's messages reached, and only a buyer-started, answered 售前 session
//! is an inquiry (询单). Worked by hand on Monday 2026-11-16.

use kefu::core::model::Stage;
use kefu::core::schema::{agent_daily as ad, shop_daily as sd};

use crate::helpers::*;

/// A problem stated as a fact (收到的杯子是裂的) is after-sales: no inquiry,
/// and an agent who offers no remedy is charged `no_solution`. The same words
/// asked before buying (会不会裂) are a 售前 question.
#[test]
fn after_sales_stated_as_a_fact() {
    let f = Fixture::new();
    f.chat(
        "a",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "收到的杯子是裂的"),
            ("10:00:20", "小美", "您好，我看一下"),
        ],
    );
    f.chat(
        "b",
        "b2",
        "2026-11-16",
        &[
            ("11:00:00", "buyer", "这个杯子会不会裂"),
            ("11:00:20", "小美", "您好，不会的亲"),
        ],
    );
    let a = f.analyse();
    let s = |b: &str| a.conv.sessions.iter().find(|s| &*s.buyer_id == b).unwrap();
    assert_eq!((s("b1").stage, s("b1").is_inquiry), (Stage::Aftersale, false));
    assert_eq!((s("b2").stage, s("b2").is_inquiry), (Stage::Presale, true));
    let rules: Vec<_> = a
        .violations
        .iter()
        .filter(|v| v.rule.name() == "no_solution")
        .map(|v| &*a.conv.sessions[v.session].buyer_id)
        .collect();
    assert_eq!(rules, ["b1"]);
}

/// 售中: b1 asked before buying (an inquiry, credited O1), then came back to
/// change the address — a 售中 session, no second inquiry; b2 asks for an
/// invoice (售中). 小美 wrote in all three.
#[test]
fn insale_sessions_are_no_inquiries() {
    let f = Fixture::new();
    f.chat(
        "a",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有现货吗"), ("10:00:10", "小美", "有的亲")],
    );
    f.chat(
        "b",
        "b1",
        "2026-11-16",
        &[
            ("15:00:00", "buyer", "我刚拍的，地址错了帮我改一下"),
            ("15:00:30", "小美", "好的已改"),
        ],
    );
    f.chat(
        "c",
        "b2",
        "2026-11-16",
        &[
            ("16:00:00", "buyer", "发票抬头写公司可以吗"),
            ("16:00:20", "小美", "可以的亲"),
        ],
    );
    f.orders(&[("O1", "b1", "2026-11-16 14:00:00", "2026-11-16 14:01:00", "100")]);
    let a = f.analyse();
    let stages: Vec<Stage> = a.conv.sessions.iter().map(|s| s.stage).collect();
    assert_eq!(stages, [Stage::Presale, Stage::Insale, Stage::Insale]);
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!(
        (
            &d[ad::SESSIONS],
            &d[ad::INQUIRIES],
            &d[ad::INSALE_SESSIONS],
            &d[ad::AFTERSALE_SESSIONS]
        ),
        ("3", "1", "2", "0")
    );
    assert_eq!((&d[ad::PAID_BUYERS], &d[ad::CONVERSION_RATE]), ("1", "1.0"));
    let day = row(&a.marts.shop_daily, &[(sd::SHOP_ID, SHOP)]);
    assert_eq!((&day[sd::INQUIRIES], &day[sd::INSALE_SESSIONS]), ("1", "2"));
}
