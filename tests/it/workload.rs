//! The platforms' workload and service-quality columns per agent-day,
//! worked by hand (issue 13).

use kefu::core::schema::agent_daily as ad;

use crate::helpers::*;

/// Monday 2026-11-16.
/// - b1: two messages at 10:00; 小美 answers at 10:02 (120 s: a slow buyer),
///   again at 10:03:30 (30 s), hands over at 10:04; 阿杰 greets at 10:05 and
///   answers at 10:26 (60 s); b1's 好的谢谢 at 10:45 gets no answer (a closing:
///   no failure). The session runs 45 min: a long reception for both.
/// - b2: 小美 writes first at 10:30 (主动跟进); b2's 马上付 gets no answer.
fn fixture() -> Fixture {
    let f = Fixture::new();
    f.chat(
        "b1",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "有货吗"),
            ("10:00:05", "buyer", "白色的"),
            ("10:02:00", "小美", "您好，有的亲"),
            ("10:03:00", "buyer", "发什么快递"),
            ("10:03:30", "小美", "默认中通"),
            ("10:04:00", "小美", "亲，这边帮您转接同事"),
            ("10:05:00", "阿杰", "您好，我是阿杰"),
            ("10:25:00", "buyer", "那明天能到吗"),
            ("10:26:00", "阿杰", "一般两天到"),
            ("10:45:00", "buyer", "好的谢谢"),
        ],
    );
    f.chat(
        "b2",
        "b2",
        "2026-11-16",
        &[
            ("10:30:00", "小美", "亲，您拍的宝贝还没付款哦"),
            ("10:31:00", "buyer", "马上付"),
        ],
    );
    f
}

#[test]
fn workload_per_agent_by_hand() {
    let a = fixture().analyse();
    let m = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    // Buyer messages of 小美's turns: 2 + 1 (b1) + 1 (b2); her own: 3 + 1, of 6 + 4 + 10 + 12 characters.
    assert_eq!(
        (&m[ad::BUYER_MSGS], &m[ad::AGENT_MSGS], &m[ad::AGENT_CHARS]),
        ("4", "4", "32")
    );
    assert_eq!(&m[ad::QA_RATIO], "1.0");
    // b1 and b2 asked; b2 got no reply.
    assert_eq!(
        (&m[ad::RECEIVED_BUYERS], &m[ad::UNREPLIED_BUYERS], &m[ad::REPLY_RATE]),
        ("2", "1", "0.5")
    );
    // Slow: b1 (120 s ≥ 100) and b2 (never answered).
    assert_eq!(&m[ad::SLOW_BUYERS], "2");
    // b1's 45 min session is long; b2's lasts a minute: 2700 + 60 s over 2 sessions.
    assert_eq!(
        (
            &m[ad::LONG_RECEPTIONS],
            &m[ad::RECEPTION_SECS],
            &m[ad::AVG_SESSION_SECS]
        ),
        ("1", "2760.0", "1380.0")
    );
    assert_eq!(
        (
            &m[ad::TRANSFERS_OUT],
            &m[ad::TRANSFERS_IN],
            &m[ad::AGENT_STARTED_SESSIONS]
        ),
        ("1", "0", "1")
    );
    // 平响: answered turns only (120 + 30) / 2; the platform's counts b2's unanswered turn as 600: 750 / 3.
    assert_eq!(
        (&m[ad::RESPONSE_AVG_SECS], &m[ad::RESPONSE_AVG_PLATFORM_SECS]),
        ("75.0", "250.0")
    );

    let j = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:阿杰")]);
    // 阿杰: b1's turns at 10:25 (answered in 60 s) and 10:45 (a closing, unanswered).
    assert_eq!(
        (&j[ad::BUYER_MSGS], &j[ad::AGENT_MSGS], &j[ad::TRANSFERS_IN]),
        ("2", "2", "1")
    );
    assert_eq!(
        (&j[ad::UNREPLIED_BUYERS], &j[ad::SLOW_BUYERS], &j[ad::LONG_RECEPTIONS]),
        ("0", "0", "1")
    );
    // The closing is left out of the platform's 平响 too.
    assert_eq!(&j[ad::RESPONSE_AVG_PLATFORM_SECS], "60.0");
}
