//! Each violation rule with a session that must fire it and one that must not.

use crate::helpers::*;
use kefu::core::schema::{agent_daily as ad, violations as vi};

/// The rules fired in one chat, with `off` switched off.
fn fired(rows: &[(&str, &str, &str)], off: &[&str]) -> Vec<&'static str> {
    let f = Fixture::new();
    f.chat("m", "b1", "2026-11-16", rows);
    let mut cfg = f.config();
    for r in off {
        cfg.rules.entry(r.to_string()).or_default().enabled = Some(false);
    }
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    a.violations.iter().map(|v| v.rule.name()).collect()
}

/// The service norms of the 售前 flow, which most fixtures here leave out on purpose.
const FLOW: [&str; 3] = ["no_greeting", "no_closing", "wait_no_apology"];

/// The rules fired in one chat, the 售前-flow norms switched off.
fn rules_of(rows: &[(&str, &str, &str)]) -> Vec<&'static str> {
    fired(rows, &FLOW)
}

#[test]
fn slow_first_response_and_slow_reply() {
    let slow = rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:31", "小美", "有的亲"),
        ("10:01:00", "buyer", "白色呢"),
        ("10:04:01", "小美", "白色也有"),
    ]);
    assert_eq!(slow, ["slow_first_response", "slow_reply"]);
    let fast = rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:30", "小美", "有的亲"),
        ("10:01:00", "buyer", "白色呢"),
        ("10:04:00", "小美", "白色也有"),
    ]);
    assert!(fast.is_empty(), "{fast:?}");
}

#[test]
fn unanswered_but_not_after_a_closing() {
    let fired = rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:10", "小美", "有的"),
        ("10:01:00", "buyer", "能发顺丰吗"),
    ]);
    assert_eq!(fired, ["unanswered"]);
    let closing = rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:10", "小美", "有的"),
        ("10:01:00", "buyer", "好的谢谢"),
    ]);
    assert!(closing.is_empty(), "{closing:?}");
}

#[test]
fn stalled_and_unanswered_first_question() {
    let stalled = rules_of(&[
        ("10:00:00", "buyer", "这个面料起球吗"),
        ("10:00:05", "小雨", "好的亲"),
        ("10:00:10", "小雨", "稍等亲"),
        ("10:01:00", "小雨", "不会起球的亲，是精梳棉"),
    ]);
    assert_eq!(stalled, ["stalled_first_question"]);
    let never = rules_of(&[("10:00:00", "buyer", "这个面料起球吗"), ("10:00:05", "小雨", "好的亲")]);
    assert_eq!(never, ["unanswered_first_question"]);
    let once = rules_of(&[
        ("10:00:00", "buyer", "这个面料起球吗"),
        ("10:00:05", "小雨", "好的亲"),
        ("10:00:20", "小雨", "不会起球的亲"),
    ]);
    assert!(once.is_empty(), "{once:?}");
}

#[test]
fn urged_while_waiting() {
    let urged = rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:20", "buyer", "人呢"),
        ("10:00:25", "小美", "有的亲"),
    ]);
    assert_eq!(urged, ["urged"]);
    let greeting = rules_of(&[
        ("10:00:00", "buyer", "在吗"),
        ("10:00:20", "小美", "在的亲，有什么可以帮您"),
    ]);
    assert!(greeting.is_empty(), "{greeting:?}");
}

#[test]
fn missed_follow_up() {
    let missed = rules_of(&[
        ("10:00:00", "buyer", "我的快递到哪了"),
        ("10:00:10", "小美", "我去查一下"),
        ("10:16:00", "小美", "非常抱歉，明天给您补发"),
    ]);
    assert_eq!(missed, ["missed_follow_up"]);
    let kept = rules_of(&[
        ("10:00:00", "buyer", "我的快递到哪了"),
        ("10:00:10", "小美", "我去查一下"),
        ("10:10:00", "小美", "非常抱歉，明天给您补发"),
    ]);
    assert!(kept.is_empty(), "{kept:?}");
}

#[test]
fn pushback_and_repeat_question() {
    let fired = rules_of(&[
        ("10:00:00", "buyer", "黑色和白色哪个好看"),
        ("10:00:10", "小美", "都挺好的亲"),
        ("10:00:40", "buyer", "黑色和白色到底哪个好看"),
        ("10:00:50", "小美", "白色更显气质，搭配也多"),
    ]);
    assert_eq!(fired, ["pushback", "repeat_question"]);
    let fine = rules_of(&[
        ("10:00:00", "buyer", "黑色和白色哪个好看"),
        ("10:00:10", "小美", "白色更显气质"),
        ("10:00:40", "buyer", "那尺码怎么选"),
        ("10:00:50", "小美", "按平时尺码拍就可以"),
    ]);
    assert!(fine.is_empty(), "{fine:?}");
}

#[test]
fn after_sales_apology_remedy_argue_complaint() {
    let bad = rules_of(&[
        ("10:00:00", "buyer", "收到的杯子破了"),
        ("10:00:20", "阿明", "这个不是我们的问题，是快递的问题"),
        ("10:01:00", "buyer", "什么态度，我要投诉"),
        ("10:01:20", "阿明", "那您去找快递"),
    ]);
    assert_eq!(bad, ["no_apology", "no_solution", "argue", "complaint", "unhappy_end"]);
    let good = rules_of(&[
        ("10:00:00", "buyer", "收到的杯子破了"),
        ("10:00:20", "阿明", "非常抱歉给您带来不便"),
        ("10:00:30", "阿明", "这边马上给您补发一个"),
        ("10:01:00", "buyer", "好的谢谢"),
    ]);
    assert!(good.is_empty(), "{good:?}");
}

#[test]
fn forbidden_phrases_and_no_false_complaint() {
    let f = rules_of(&[
        ("10:00:00", "buyer", "正品吗"),
        ("10:00:10", "小美", "绝对正品，假一赔十"),
    ]);
    assert_eq!(f, ["forbidden_phrase"]);
    let ok = rules_of(&[
        ("10:00:00", "buyer", "尺码没问题吧"),
        ("10:00:10", "小美", "没问题的亲，第一次买可以参考尺码表"),
    ]);
    assert!(ok.is_empty(), "{ok:?}");
}

#[test]
fn rule_switched_off_in_config() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "有货吗"),
            ("10:00:31", "小美", "您好，有的亲，祝您购物愉快"),
        ],
    );
    let mut cfg = f.config();
    cfg.rules.entry("slow_first_response".into()).or_default().enabled = Some(false);
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    assert!(a.violations.is_empty(), "{:?}", a.violations);
    // A rule off by default runs once switched on: the buyer says nothing closing here.
    let mut cfg = f.config();
    cfg.rules.entry("no_review_invite".into()).or_default().enabled = Some(true);
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    let fired: Vec<&str> = a.violations.iter().map(|v| v.rule.name()).collect();
    assert_eq!(fired, ["slow_first_response"]);
}

#[test]
fn quiet_after_transfer() {
    let quiet = rules_of(&[
        ("10:00:00", "buyer", "这款能开发票吗"),
        ("10:00:10", "小美", "亲，这边帮您转接同事"),
        ("10:04:00", "阿杰", "可以开电子发票的亲"),
    ]);
    assert_eq!(quiet, ["quiet_after_transfer"]);
    let prompt = rules_of(&[
        ("10:00:00", "buyer", "这款能开发票吗"),
        ("10:00:10", "小美", "亲，这边帮您转接同事"),
        ("10:01:00", "阿杰", "可以开电子发票的亲"),
    ]);
    assert!(prompt.is_empty(), "{prompt:?}");
}

#[test]
fn canned_repeat_to_different_questions() {
    let canned = rules_of(&[
        ("10:00:00", "buyer", "这件衣服会掉色吗"),
        ("10:00:10", "小美", "亲，我们家都是品质保证的哦"),
        ("10:01:00", "buyer", "发什么快递？"),
        ("10:01:10", "小美", "亲，我们家都是品质保证的哦"),
    ]);
    assert_eq!(canned, ["canned_repeat"]);
    // The same answer to the same question asked twice is not canned.
    let same = rules_of(&[
        ("10:00:00", "buyer", "发什么快递？"),
        ("10:00:10", "小美", "默认中通快递，可以补差价发顺丰"),
        ("10:01:00", "buyer", "发什么快递？"),
        ("10:01:10", "小美", "默认中通快递，可以补差价发顺丰"),
    ]);
    assert!(!same.contains(&"canned_repeat"), "{same:?}");
}

#[test]
fn unhappy_end_of_after_sales() {
    let unhappy = rules_of(&[
        ("10:00:00", "buyer", "少发了一件"),
        ("10:00:20", "阿明", "非常抱歉，这边给您补发"),
        ("10:01:00", "buyer", "上次也这么说，还是不行"),
    ]);
    assert!(unhappy.contains(&"unhappy_end"), "{unhappy:?}");
    let happy = rules_of(&[
        ("10:00:00", "buyer", "少发了一件"),
        ("10:00:20", "阿明", "非常抱歉，这边给您补发"),
        ("10:01:00", "buyer", "好的谢谢"),
    ]);
    assert!(!happy.contains(&"unhappy_end"), "{happy:?}");
}

#[test]
fn violations_table_carries_evidence_value_and_agent() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "有货吗？电话13812345678"),
            ("10:00:45", "小美", "有的亲"),
        ],
    );
    let a = f.analyse();
    let df = kefu::stages::sink::frames::violations(&a.conv, &a.staged.messages, &a.violations, 0..a.violations.len())
        .unwrap();
    let r = row(&df, &[(vi::RULE, "slow_first_response")]);
    assert_eq!(&r[vi::CATEGORY], "wait");
    assert_eq!(&r[vi::AGENT_ID], "测试店:小美");
    assert_eq!((&r[vi::VALUE], &r[vi::THRESHOLD]), ("45.0", "30.0"));
    assert_eq!(&r[vi::EVIDENCE], "有货吗？电话1**********");
    assert_eq!(&r[vi::AT], "2026-11-16 10:00:00");
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&d[ad::VIOLATIONS_WAIT], &d[ad::VIOLATIONS_THINK]), ("1", "0"));
}

#[test]
fn closing_answered_late_is_no_slow_reply() {
    let fired = rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:10", "小美", "有的亲"),
        ("10:01:00", "buyer", "好的谢谢"),
        ("10:30:00", "小美", "亲，记得付款哦"),
    ]);
    assert!(fired.is_empty(), "{fired:?}");
}

/// README's rule table agrees with the registry (the one place a rule's id,
/// category and lexicon are defined): every rule has a row with its
/// category and lexicon file, and every row names a rule.
#[test]
fn readme_rule_table_matches_the_registry() {
    use kefu::core::registry::{RuleId, RULES};
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let rows: Vec<Vec<&str>> = readme
        .lines()
        .filter(|l| l.starts_with("| "))
        .map(|l| l.split('|').map(str::trim).skip(1).collect())
        .filter(|cells: &Vec<&str>| cells.len() >= 3 && cells[1].starts_with('`') && cells[1].ends_with('`'))
        .filter(|cells| ["wait", "think", "annoy"].iter().any(|c| cells[0].starts_with(c)))
        .collect();
    for r in &RULES {
        let row = rows
            .iter()
            .find(|c| c[1] == format!("`{}`", r.name))
            .unwrap_or_else(|| panic!("README has no row for {}", r.name));
        assert!(
            row[0].starts_with(r.category.as_str()),
            "{}: category {}",
            r.name,
            row[0]
        );
        assert_eq!(
            row[2].contains("**off by default**"),
            !r.default_on,
            "{}: README and registry disagree on whether it is on by default",
            r.name
        );
        if let Some(lex) = r.lexicon {
            assert!(
                row[2].contains(&format!("`{lex}.txt`")),
                "{}: lexicon {lex}.txt",
                r.name
            );
        }
    }
    for c in &rows {
        let id = c[1].trim_matches('`');
        assert!(
            RuleId::parse(id).is_some(),
            "README names a rule the registry lacks: {id}"
        );
    }
    assert_eq!(rows.len(), RULES.len());
}

/// The 售前 flow norms, each with a session that fires it and one that does
/// not (the other norms switched off).
#[test]
fn service_flow_norms() {
    let others = |keep: &str| -> Vec<&'static str> { FLOW.iter().copied().filter(|r| *r != keep).collect() };
    let chat = |answer: &'static str| [("10:00:00", "buyer", "有货吗"), ("10:00:10", "小美", answer)];
    // no_greeting: the first agent message must welcome; a bot's welcome is not the agent's.
    assert_eq!(fired(&chat("有的亲"), &others("no_greeting")), ["no_greeting"]);
    assert!(fired(&chat("您好，有的亲"), &others("no_greeting")).is_empty());
    let bot_first = [
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:01", "bot", "您好，欢迎光临"),
        ("10:00:10", "小美", "有的亲"),
    ];
    assert_eq!(fired(&bot_first, &others("no_greeting")), ["no_greeting"]);
    // no_closing: an inquiry's last agent message says goodbye.
    assert_eq!(fired(&chat("有的亲"), &others("no_closing")), ["no_closing"]);
    assert!(fired(&chat("有的亲，祝您购物愉快"), &others("no_closing")).is_empty());
    // wait_no_apology: answered after 240 s (> 180) with no apology in the answer.
    let late = |answer: &'static str| [("10:00:00", "buyer", "有货吗"), ("10:04:00", "小美", answer)];
    let mut off = others("wait_no_apology");
    off.push("slow_first_response");
    assert_eq!(fired(&late("有的亲"), &off), ["wait_no_apology"]);
    assert!(fired(&late("让您久等了，有的亲"), &off).is_empty());
}

#[test]
fn off_platform_and_false_promise() {
    let one = |answer: &'static str| rules_of(&[("10:00:00", "buyer", "几天能到"), ("10:00:10", "小美", answer)]);
    assert_eq!(one("加我微信详聊吧"), ["off_platform"]);
    assert_eq!(one("看这里 https://example.com/deal"), ["off_platform"]);
    assert!(one("链接发您 https://item.taobao.com/item.htm?id=1").is_empty());
    assert_eq!(one("保证明天到的亲"), ["false_promise"]);
    assert!(one("一般两天左右到，以物流为准").is_empty());
}

#[test]
fn no_review_invite_when_switched_on() {
    let f = |answer: &'static str| {
        let rows = [
            ("10:00:00", "buyer", "有货吗"),
            ("10:00:10", "小美", answer),
            ("10:01:00", "buyer", "好的谢谢"),
        ];
        let fx = Fixture::new();
        fx.chat("m", "b1", "2026-11-16", &rows);
        let mut cfg = fx.config();
        for r in FLOW {
            cfg.rules.entry(r.to_string()).or_default().enabled = Some(false);
        }
        cfg.rules.entry("no_review_invite".into()).or_default().enabled = Some(true);
        let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
        a.violations.iter().map(|v| v.rule.name()).collect::<Vec<_>>()
    };
    assert_eq!(f("有的亲"), ["no_review_invite"]);
    assert!(f("有的亲，收到满意的话给个五星好评哦").is_empty());
    // Off by default.
    assert!(rules_of(&[
        ("10:00:00", "buyer", "有货吗"),
        ("10:00:10", "小美", "有的"),
        ("10:01:00", "buyer", "好的谢谢")
    ])
    .is_empty());
}

/// After-sales reasons, worked by hand: each after-sales session takes the
/// reason its buyer names most; one naming none is 其他.
#[test]
fn after_sales_reasons_by_hand() {
    use kefu::core::schema::{after_sales_reasons as ar, sessions as ss};
    let f = Fixture::new();
    // Two broken parcels (one without a remedy), one late parcel, one with no reason named.
    f.chat(
        "a",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "收到的杯子破了"),
            ("10:00:20", "小美", "非常抱歉，给您补发一个"),
        ],
    );
    f.chat(
        "b",
        "b2",
        "2026-11-16",
        &[
            ("11:00:00", "buyer", "盘子碎了，我要退货"),
            ("11:01:00", "小美", "不好意思亲"),
        ],
    );
    f.chat(
        "c",
        "b3",
        "2026-11-16",
        &[
            ("12:00:00", "buyer", "快递三天没动了"),
            ("12:00:30", "小美", "抱歉，马上给您催"),
        ],
    );
    f.chat(
        "d",
        "b4",
        "2026-11-16",
        &[
            ("13:00:00", "buyer", "我要退款"),
            ("13:00:10", "小美", "好的亲，您申请退款就可以"),
        ],
    );
    let a = f.analyse();
    let sessions = kefu::stages::sink::frames::sessions(
        &a.conv,
        &a.staged.messages,
        &a.marts,
        &a.engine,
        0..a.conv.sessions.len(),
    )
    .unwrap();
    let reason = |b: &str| row(&sessions, &[(ss::BUYER_ID, b)])[ss::AFTER_SALES_REASON].to_owned();
    assert_eq!(
        [reason("b1"), reason("b2"), reason("b3"), reason("b4")],
        ["破损", "破损", "物流慢/未收到", "其他"]
    );
    let t = &a.marts.after_sales_reasons;
    let broken = row(t, &[(ar::REASON, "破损")]);
    // 2 of the 4 after-sales sessions; b2's got no remedy (no_solution); first responses 20 s and 60 s.
    assert_eq!(
        (&broken[ar::SESSIONS], &broken[ar::SHARE], &broken[ar::NO_SOLUTION_RATE]),
        ("2", "0.5", "0.5")
    );
    assert_eq!(&broken[ar::FIRST_RESPONSE_AVG_SECS], "40.0");
    assert_eq!(&row(t, &[(ar::REASON, "物流慢/未收到")])[ar::SHARE], "0.25");
}

/// The give-up family (没事了, 算了我再看看) asks nothing: no `unanswered`.
#[test]
fn give_up_closing_is_not_unanswered() {
    let gave_up = rules_of(&[
        ("10:00:00", "buyer", "有黑色吗"),
        ("10:00:10", "小美", "黑色没有了亲"),
        ("10:01:00", "buyer", "算了我再看看"),
    ]);
    assert!(gave_up.is_empty(), "{gave_up:?}");
    let asked = rules_of(&[
        ("10:00:00", "buyer", "有黑色吗"),
        ("10:00:10", "小美", "黑色没有了亲"),
        ("10:01:00", "buyer", "那白色呢"),
    ]);
    assert_eq!(asked, ["unanswered"]);
}

/// A pushback phrase inside a concrete answer (a size, a number, a
/// recommendation) is part of the answer; alone it hands the choice back.
#[test]
fn pushback_inside_a_concrete_answer() {
    let answer = rules_of(&[
        ("10:00:00", "buyer", "大杯和小杯选哪个"),
        ("10:00:10", "小美", "两款都可以，大的容量500ml更适合您"),
    ]);
    assert!(answer.is_empty(), "{answer:?}");
    let pushback = rules_of(&[
        ("10:00:00", "buyer", "大杯和小杯选哪个"),
        ("10:00:10", "小美", "都挺好的亲，看您自己"),
    ]);
    assert_eq!(pushback, ["pushback"]);
}

/// Asked again in other words, with only filler between: the same topic
/// (发货/物流) and a shared word (发货) is a repeat; another topic is not.
#[test]
fn repeat_question_in_other_words() {
    let again = rules_of(&[
        ("10:00:00", "buyer", "什么时候发货"),
        ("10:00:10", "小美", "稍等亲"),
        ("10:02:00", "buyer", "几号能发货"),
        ("10:02:30", "小美", "明天就发出"),
    ]);
    assert_eq!(again, ["repeat_question"]);
    let other = rules_of(&[
        ("10:00:00", "buyer", "什么时候发货"),
        ("10:00:10", "小美", "稍等亲"),
        ("10:02:00", "buyer", "有优惠券吗"),
        ("10:02:30", "小美", "明天就发出，券在首页领"),
    ]);
    assert!(other.is_empty(), "{other:?}");
}
