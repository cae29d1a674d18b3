//! The money side of the scorecard (issue 12), worked by hand: the funnel
//! split per agent (询单 → 下单 → 付款, same day / next day / ever, 付款流失,
//! 询单流失), refunds, 落实客单价 and the share of the shop's sales.

use kefu::core::schema::{agent_daily as ad, agent_weekly as aw, shop_daily as sd};

use crate::helpers::*;

const ORDERS: &str = "order_id,shop_id,buyer_id,created_at,paid_at,amount,status,refund_amount\n";

/// 小美 takes four inquiries on Monday 2026-11-16 — b1 pays the same day, b2
/// orders that day and pays the next, b3 orders and never pays, b4 never
/// orders; 小雨 takes b5, who pays the same day. b1 later gets 40 back.
fn fixture() -> Fixture {
    let f = Fixture::new();
    for (name, buyer, at, agent) in [
        ("a1", "b1", "10:00:00", "小美"),
        ("a2", "b2", "10:10:00", "小美"),
        ("a3", "b3", "10:20:00", "小美"),
        ("a4", "b4", "10:30:00", "小美"),
        ("a5", "b5", "10:40:00", "小雨"),
    ] {
        let reply = format!("{}:10", &at[..5]);
        f.chat(
            name,
            buyer,
            "2026-11-16",
            &[(at, "buyer", "有货吗"), (&reply, agent, "有的亲")],
        );
    }
    f.write(
        "orders/orders.csv",
        format!(
            "{ORDERS}\
O1,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:05:00,100,refunded,40
O2,{SHOP},b2,2026-11-16 12:00:00,2026-11-17 09:00:00,200,paid,
O3,{SHOP},b3,2026-11-16 13:00:00,,300,created,
O5,{SHOP},b5,2026-11-16 14:00:00,2026-11-16 14:01:00,100,paid,
"
        ),
    );
    f
}

#[test]
fn funnel_refunds_and_order_value_per_agent() {
    let a = fixture().analyse();
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    // Four inquiries; b1, b2, b3 ordered (three orders, 100 + 200 + 300).
    assert_eq!(
        (&d[ad::INQUIRIES], &d[ad::ORDERED_BUYERS], &d[ad::ORDERED_ORDERS]),
        ("4", "3", "3")
    );
    assert_eq!(&d[ad::ORDERED_AMOUNT], "600.0");
    // b1 and b2 paid: b1 on Monday, b2 on Tuesday (by the end of the next day).
    assert_eq!((&d[ad::PAID_BUYERS], &d[ad::PAID_ORDERS]), ("2", "2"));
    assert_eq!((&d[ad::PAID_SAME_DAY_BUYERS], &d[ad::PAID_NEXT_DAY_BUYERS]), ("1", "2"));
    // 付款流失: b3 with its 300; 询单流失: b4.
    assert_eq!((&d[ad::UNPAID_BUYERS], &d[ad::UNPAID_AMOUNT]), ("1", "300.0"));
    assert_eq!(&d[ad::LOST_INQUIRIES], "1");
    assert_eq!(&d[ad::ORDER_TO_PAID_RATE], format!("{:?}", 2.0 / 3.0).as_str());
    assert_eq!(&d[ad::CONVERSION_RATE], "0.5");
    // Sales 100 + 200 = 300, of which 40 refunded (1 refund of 2 paid orders).
    assert_eq!((&d[ad::SALES_AMOUNT], &d[ad::NET_SALES_AMOUNT]), ("300.0", "260.0"));
    assert_eq!(
        (&d[ad::REFUND_ORDERS], &d[ad::REFUND_AMOUNT], &d[ad::REFUND_RATE]),
        ("1", "40.0", "0.5")
    );
    // 落实客单价 = 300 ÷ 2 paid buyers; share of the shop's credited 300 + 100.
    assert_eq!((&d[ad::AVG_ORDER_VALUE], &d[ad::SALES_SHARE]), ("150.0", "0.75"));
    let y = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小雨")]);
    assert_eq!((&y[ad::PAID_SAME_DAY_BUYERS], &y[ad::SALES_SHARE]), ("1", "0.25"));

    // The week adds up the same numerators: one day, the same figures.
    let w = row(&a.marts.agent_weekly, &[(aw::AGENT_ID, "测试店:小美")]);
    for (c, v) in [
        (aw::ORDERED_BUYERS, "3"),
        (aw::UNPAID_BUYERS, "1"),
        (aw::UNPAID_AMOUNT, "300.0"),
        (aw::LOST_INQUIRIES, "1"),
        (aw::PAID_NEXT_DAY_BUYERS, "2"),
        (aw::REFUND_RATE, "0.5"),
        (aw::AVG_ORDER_VALUE, "150.0"),
        (aw::SALES_SHARE, "0.75"),
    ] {
        assert_eq!(&w[c], v, "{}", c.name);
    }
}

/// With `sales_net_of_refunds`, 客单价 and the share count sales less refunds.
#[test]
fn order_value_net_of_refunds() {
    let f = fixture();
    let mut cfg = f.config();
    cfg.metrics.sales_net_of_refunds = true;
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    // (300 − 40) ÷ 2 = 130; 260 of the shop's 260 + 100.
    assert_eq!(&d[ad::AVG_ORDER_VALUE], "130.0");
    assert_eq!(&d[ad::SALES_SHARE], format!("{:?}", 260.0 / 360.0).as_str());
}

#[test]
fn shop_funnel_and_refunds() {
    let a = fixture().analyse();
    let d = row(&a.marts.shop_daily, &[(sd::DATE, "2026-11-16")]);
    // By inquiry date: b1–b5 inquired, four ordered, three paid (b1, b5 the same day, b2 the next).
    assert_eq!(
        (&d[sd::INQUIRIES], &d[sd::ORDERED_BUYERS], &d[sd::PAID_BUYERS]),
        ("5", "4", "3")
    );
    assert_eq!((&d[sd::PAID_SAME_DAY_BUYERS], &d[sd::PAID_NEXT_DAY_BUYERS]), ("2", "3"));
    assert_eq!(
        (&d[sd::UNPAID_BUYERS], &d[sd::UNPAID_AMOUNT], &d[sd::LOST_INQUIRIES]),
        ("1", "300.0", "1")
    );
    assert_eq!(&d[sd::ORDER_TO_PAID_RATE], "0.75");
    // By order date: O1, O2, O5 paid (400), O1 refunded 40.
    assert_eq!((&d[sd::PAID_ORDERS], &d[sd::SALES_AMOUNT]), ("3", "400.0"));
    assert_eq!(
        (&d[sd::REFUND_ORDERS], &d[sd::REFUND_AMOUNT], &d[sd::NET_SALES_AMOUNT]),
        ("1", "40.0", "360.0")
    );
}

/// A refund larger than the order is a reject, and a `refunded` status
/// without an amount refunds the whole order.
#[test]
fn refund_amounts_are_checked() {
    let f = Fixture::new();
    let p = f.write(
        "orders/orders.csv",
        format!(
            "{ORDERS}O1,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:05:00,100,refunded,150\n\
O2,{SHOP},b1,2026-11-16 12:00:00,2026-11-16 12:05:00,80,refunded,\n"
        ),
    );
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有货吗"), ("10:00:10", "小美", "有的")],
    );
    let a = f.analyse();
    let r: Vec<_> = a
        .staged
        .rejects
        .iter()
        .filter(|r| r.file == p.display().to_string())
        .collect();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].line, 2);
    assert!(r[0].reason.contains("refund_amount 150.00"), "{}", r[0].reason);
    assert_eq!(a.staged.orders.len(), 1);
    assert_eq!(a.staged.orders[0].refund(), Some(8000));
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&d[ad::REFUND_AMOUNT], &d[ad::NET_SALES_AMOUNT]), ("80.0", "0.0"));
}

/// 催付 on Monday 2026-11-16, worked by hand (wait 300 s, window 24 h):
/// - O1 (b1, after 小美's inquiry) unpaid at 10:10; 小雨 asks for payment at
///   10:20, paid 10:30: chased by 小雨, paid after the chase;
/// - O2 paid within 300 s: not chaseable;
/// - O3 unpaid; 小美 writes at 12:03 (too early) and 12:10 (亲在吗): chased, never paid;
/// - O4 a silent order chased by 小美 (拍下…付款) at 14:00 and paid at 15:00;
/// - O5 chased by 小美 at 15:30 (记得付款), paid the next day after the window.
fn chase_fixture() -> Fixture {
    let f = Fixture::new();
    f.chat(
        "b1",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "有货吗"),
            ("10:00:10", "小美", "有的亲"),
            ("10:20:00", "小雨", "亲，库存紧张，记得尽快付款哦"),
        ],
    );
    f.chat(
        "b3",
        "b3",
        "2026-11-16",
        &[("12:03:00", "小美", "亲收到了吗"), ("12:10:00", "小美", "亲在吗")],
    );
    f.chat(
        "b4",
        "b4",
        "2026-11-16",
        &[("14:00:00", "小美", "亲，拍下的宝贝还没付款哦")],
    );
    f.chat("b5", "b5", "2026-11-16", &[("15:30:00", "小美", "亲，记得付款哦")]);
    f.write(
        "orders/orders.csv",
        format!(
            "{ORDERS}\
O1,{SHOP},b1,2026-11-16 10:05:00,2026-11-16 10:30:00,100,paid,
O2,{SHOP},b2,2026-11-16 11:00:00,2026-11-16 11:02:00,50,paid,
O3,{SHOP},b3,2026-11-16 12:00:00,,300,created,
O4,{SHOP},b4,2026-11-16 13:00:00,2026-11-16 15:00:00,80,paid,
O5,{SHOP},b5,2026-11-16 15:00:00,2026-11-17 16:00:00,60,paid,
"
        ),
    );
    f
}

#[test]
fn payment_chasing() {
    let a = chase_fixture().analyse();
    let mei = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    let yu = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小雨")]);
    // 小雨 chased O1 into payment although 小美 is credited with it (落实).
    assert_eq!(
        (
            &yu[ad::CHASED_ORDERS],
            &yu[ad::CHASED_PAID_ORDERS],
            &yu[ad::CHASED_PAID_AMOUNT]
        ),
        ("1", "1", "100.0")
    );
    assert_eq!(&yu[ad::CHASE_SUCCESS_RATE], "1.0");
    assert_eq!((&mei[ad::ORDERED_ORDERS], &mei[ad::PAID_BUYERS]), ("1", "1"));
    // 小美 chased O3, O4, O5; only O4 was paid inside the window (a silent order chased into payment).
    assert_eq!(
        (
            &mei[ad::CHASED_ORDERS],
            &mei[ad::CHASED_PAID_ORDERS],
            &mei[ad::CHASED_PAID_AMOUNT]
        ),
        ("3", "1", "80.0")
    );
    assert_eq!(&mei[ad::CHASE_SUCCESS_RATE], format!("{:?}", 1.0 / 3.0).as_str());
    // The shop: four chaseable orders (all but O2), four chased.
    let d = row(&a.marts.shop_daily, &[(sd::DATE, "2026-11-16")]);
    assert_eq!(
        (
            &d[sd::CHASEABLE_ORDERS],
            &d[sd::CHASED_ORDERS],
            &d[sd::CHASED_PAID_ORDERS]
        ),
        ("4", "4", "2")
    );
    assert_eq!((&d[sd::CHASE_COVERAGE], &d[sd::CHASED_PAID_AMOUNT]), ("1.0", "180.0"));
}

/// With `chase_requires_phrase`, 亲在吗 is no chase: O3 goes unchased.
#[test]
fn payment_chasing_with_a_required_phrase() {
    let f = chase_fixture();
    let mut cfg = f.config();
    cfg.metrics.chase_requires_phrase = true;
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    let mei = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&mei[ad::CHASED_ORDERS], &mei[ad::CHASED_PAID_ORDERS]), ("2", "1"));
    let d = row(&a.marts.shop_daily, &[(sd::DATE, "2026-11-16")]);
    assert_eq!((&d[sd::CHASED_ORDERS], &d[sd::CHASE_COVERAGE]), ("3", "0.75"));
}

/// b1 paid in week 46 (O1, no chat); on Monday of week 47 小美 takes b1's and
/// b2's inquiries: b1 returning (老客), b2 new. b1 pays O2, b2 pays O3 and,
/// two days later, O4 without a word.
fn history_fixture() -> Fixture {
    let f = Fixture::new();
    f.chat(
        "b1",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有货吗"), ("10:00:10", "小美", "有的亲")],
    );
    f.chat(
        "b2",
        "b2",
        "2026-11-16",
        &[("10:30:00", "buyer", "包邮吗"), ("10:30:10", "小美", "包邮的亲")],
    );
    f.write(
        "orders/orders.csv",
        format!(
            "{ORDERS}\
O1,{SHOP},b1,2026-11-09 10:00:00,2026-11-09 10:05:00,100,paid,
O2,{SHOP},b1,2026-11-16 11:00:00,2026-11-16 11:05:00,100,paid,
O3,{SHOP},b2,2026-11-16 11:30:00,2026-11-16 11:35:00,200,paid,
O4,{SHOP},b2,2026-11-18 09:00:00,2026-11-18 09:10:00,50,paid,
"
        ),
    );
    f.write(
        "agents.csv",
        format!("agent_id,name,team\n{SHOP}:小美,小美,presale\n{SHOP}:小雨,小雨,aftersale\n"),
    );
    f
}

#[test]
fn new_and_returning_buyers_and_repeat_purchases() {
    use kefu::core::schema::{sessions as ss, shop_weekly as sw};
    let a = history_fixture().analyse();
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&d[ad::INQUIRIES_NEW], &d[ad::INQUIRIES_RETURNING]), ("1", "1"));
    assert_eq!((&d[ad::PAID_BUYERS_NEW], &d[ad::PAID_BUYERS_RETURNING]), ("1", "1"));
    assert_eq!(
        (&d[ad::CONVERSION_RATE_NEW], &d[ad::CONVERSION_RATE_RETURNING]),
        ("1.0", "1.0")
    );
    let s = row(&a.marts.shop_daily, &[(sd::DATE, "2026-11-16")]);
    assert_eq!((&s[sd::INQUIRIES_NEW], &s[sd::INQUIRIES_RETURNING]), ("1", "1"));
    let b1 = row(&a.marts.agent_weekly, &[(aw::AGENT_ID, "测试店:小美")]);
    assert_eq!(&b1[aw::INQUIRIES_RETURNING], "1");

    // Week 46: b1 alone paid. Week 47: b1 (O2) and b2 (O3, O4): b2 bought twice;
    // b1 is returning; repurchases O2 (7 days 1 h after O1) and O4 (1 day 21 h 35 min after O3).
    let w46 = row(&a.marts.shop_weekly, &[(sw::WEEK, "2026-W46")]);
    assert_eq!(
        (
            &w46[sw::PAYING_BUYERS],
            &w46[sw::REPEAT_BUYERS],
            &w46[sw::ORDER_HISTORY_DAYS]
        ),
        ("1", "0", "0")
    );
    let w47 = row(&a.marts.shop_weekly, &[(sw::WEEK, "2026-W47")]);
    assert_eq!(
        (
            &w47[sw::PAYING_BUYERS],
            &w47[sw::REPEAT_BUYERS],
            &w47[sw::REPEAT_PURCHASE_RATE]
        ),
        ("2", "1", "0.5")
    );
    assert_eq!(
        (
            &w47[sw::RETURNING_BUYERS],
            &w47[sw::REPURCHASES],
            &w47[sw::ORDER_HISTORY_DAYS]
        ),
        ("1", "2", "7")
    );
    let days = (7.0 + 1.0 / 24.0 + 1.0 + (21.0 * 60.0 + 35.0) / 1440.0) / 2.0;
    let got: f64 = w47[sw::REPURCHASE_DAYS_MEDIAN].parse().unwrap();
    assert!((got - days).abs() < 1e-9, "{got} vs {days}");
    let s1 = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!(&s1[ad::PAID_BUYERS], "2");
    let sess = row(
        &kefu::stages::sink::frames::sessions(
            &a.conv,
            &a.staged.messages,
            &a.marts,
            &a.engine,
            0..a.conv.sessions.len(),
        )
        .unwrap(),
        &[(ss::BUYER_ID, "b1")],
    );
    assert_eq!(&sess[ss::RETURNING_BUYER], "true");
}

/// The optional inputs: a CRM that knows b2 bought before, refunds with
/// reasons, and sales targets; every bad row a reject.
#[test]
fn buyers_refunds_and_targets_inputs() {
    use kefu::core::schema::{order_attribution as oa, shop_weekly as sw, targets as tg};
    let f = history_fixture();
    f.write(
        "crm/buyers.csv",
        format!("shop_id,buyer_id,first_paid_at,member_level\n{SHOP},b2,2026-10-01 12:00:00,V2\n"),
    );
    let refunds = f.write(
        "refunds.csv",
        format!(
            "order_id,shop_id,refund_at,amount,stage,reason\n\
O2,{SHOP},2026-11-17 10:00:00,30,售后,尺码不符\n\
O3,,2026-11-17 11:00:00,50,售后,破损\n\
O3,,2026-11-18 11:00:00,60,售后,破损\n\
O9,,2026-11-18 11:00:00,10,售后,发错\n\
O4,,2026-11-19 11:00:00,40,售后,\n\
O4,,2026-11-19 12:00:00,20,售后,\n"
        ),
    );
    let targets = f.write(
        "targets.csv",
        format!(
            "shop_id,agent_id,team,period,target_sales\n\
{SHOP},{SHOP}:小美,,2026-W47,500\n\
{SHOP},,presale,2026-11,1000\n\
{SHOP},{SHOP}:小美,presale,2026-11,1000\n"
        ),
    );
    let mut cfg = f.config();
    cfg.input.agents = Some(f.path().join("agents.csv"));
    cfg.input.buyers = vec![f.path().join("crm")];
    cfg.input.refunds = vec![refunds.clone()];
    cfg.input.targets = vec![targets.clone()];
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();

    // The CRM makes b2 returning at the inquiry and in week 47.
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&d[ad::INQUIRIES_NEW], &d[ad::INQUIRIES_RETURNING]), ("0", "2"));
    let w47 = row(&a.marts.shop_weekly, &[(sw::WEEK, "2026-W47")]);
    assert_eq!(&w47[sw::RETURNING_BUYERS], "2");

    // Refunds: O2 30 (尺码不符), O3 50 + 60; O9 names no order; O4's 60 exceed its 50.
    let r: Vec<(u64, &str)> = a
        .staged
        .rejects
        .iter()
        .filter(|r| r.file == refunds.display().to_string())
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), [5, 6, 7], "{r:?}");
    assert!(
        r[0].1.contains("no order O9") && r[1].1.contains("above its amount 50.00"),
        "{r:?}"
    );
    assert_eq!((&d[ad::REFUND_ORDERS], &d[ad::REFUND_AMOUNT]), ("2", "140.0"));
    let oa_df = kefu::stages::sink::frames::order_attribution(
        &a.conv,
        &a.staged.orders,
        &a.attributions,
        0..a.attributions.len(),
    )
    .unwrap();
    let o2 = row(&oa_df, &[(oa::ORDER_ID, "O2")]);
    assert_eq!(
        (&o2[oa::REFUND_AMOUNT], &o2[oa::REFUND_REASON], &o2[oa::REFUND_AT]),
        ("30.0", "尺码不符", "2026-11-17 10:00:00")
    );

    // Targets: 小美's week 47 (credited 100 + 200 of 500), the presale team's
    // November (the same 300 of 1000); a row with both agent and team is a reject.
    let w = row(&a.marts.agent_weekly, &[(aw::AGENT_ID, "测试店:小美")]);
    assert_eq!((&w[aw::TARGET_SALES], &w[aw::TARGET_COMPLETION]), ("500.0", "0.6"));
    let team = row(&a.marts.targets, &[(tg::HOLDER, "presale")]);
    assert_eq!(
        (&team[tg::PERIOD], &team[tg::SALES_AMOUNT], &team[tg::TARGET_COMPLETION]),
        ("2026-11", "300.0", "0.3")
    );
    let bad: Vec<_> = a
        .staged
        .rejects
        .iter()
        .filter(|r| r.file == targets.display().to_string())
        .collect();
    assert_eq!((bad.len(), bad[0].line), (1, 4));
    let t = a.staged.files.iter().find(|x| x.table == "targets").unwrap();
    assert_eq!((t.rows_read, t.rows_used, t.rows_rejected), (3, 2, 1));
}

/// 流失原因 on Monday 2026-11-16 (week 47), worked by hand. Eight buyers ask
/// 有货吗 (库存/现货): b1–b4 get their first answer after 60 s
/// (slow_first_response), b5–b8 after 10 s; b1, b5, b6, b7 pay 100 each. b9
/// and b10 ask 能便宜点吗 (价格/优惠/议价) and buy nothing.
#[test]
fn loss_reasons_by_hand() {
    use kefu::core::schema::loss_reasons as lr;
    let f = Fixture::new();
    let mut orders = String::from(ORDERS);
    for i in 1..=10 {
        let (q, wait) = match i {
            1..=4 => ("有货吗", 60),
            5..=8 => ("有货吗", 10),
            _ => ("能便宜点吗", 10),
        };
        let at = format!("{:02}:00:00", 9 + i);
        let reply = format!("{:02}:{:02}:{:02}", 9 + i, wait / 60, wait % 60);
        let b = format!("b{i}");
        f.chat(&b, &b, "2026-11-16", &[(&at, "buyer", q), (&reply, "小美", "有的亲")]);
        if [1, 5, 6, 7].contains(&i) {
            let o = format!(
                "O{i},{SHOP},{b},2026-11-16 {:02}:30:00,2026-11-16 {:02}:31:00,100,paid,\n",
                9 + i,
                9 + i
            );
            orders.push_str(&o);
        }
    }
    f.write("orders/orders.csv", orders);
    let a = f.analyse();
    let t = &a.marts.loss_reasons;
    // slow_first_response: 1 of 4 paid against 3 of 4 with the same intent.
    let r = row(t, &[(lr::FACTOR, "slow_first_response")]);
    assert_eq!(
        (
            &r[lr::FACTOR_KIND],
            &r[lr::WEEK],
            &r[lr::INQUIRIES],
            &r[lr::PAID_BUYERS]
        ),
        ("rule", "2026-W47", "4", "1")
    );
    assert_eq!(
        (
            &r[lr::CONVERSION_RATE],
            &r[lr::BASELINE_CONVERSION_RATE],
            &r[lr::DIFFERENCE]
        ),
        ("0.25", "0.75", "-0.5")
    );
    // Variance 0.25·0.75/4 + 0.75·0.25/4 = 0.09375; −0.5 ± 1.96·0.30619 = [−1.1001 → −1, 0.1001].
    let high: f64 = r[lr::DIFFERENCE_HIGH].parse().unwrap();
    assert!((high - (-0.5 + 1.96 * 0.09375f64.sqrt())).abs() < 1e-12, "{high}");
    assert_eq!(&r[lr::DIFFERENCE_LOW], "-1.0");
    // 2 buyers lost × 客单价 400 / 4 = 100.
    assert_eq!(
        (&r[lr::LOST_BUYERS_EST], &r[lr::LOST_SALES_EST], &r[lr::AVG_ORDER_VALUE]),
        ("2.0", "200.0", "100.0")
    );
    // 价格/优惠/议价: 0 of 2 against the other 8 inquiries' 4 of 8.
    let p = row(t, &[(lr::FACTOR, "价格/优惠/议价")]);
    assert_eq!(
        (
            &p[lr::INQUIRIES],
            &p[lr::CONVERSION_RATE],
            &p[lr::BASELINE_CONVERSION_RATE]
        ),
        ("2", "0.0", "0.5")
    );
    let low: f64 = p[lr::DIFFERENCE_LOW].parse().unwrap();
    assert!((low - (-0.5 - 1.96 * (0.25f64 / 8.0).sqrt())).abs() < 1e-12, "{low}");
    assert_eq!((&p[lr::LOST_BUYERS_EST], &p[lr::LOST_SALES_EST]), ("1.0", "100.0"));
    // 库存/现货 goes with more buyers, not fewer.
    let s = row(t, &[(lr::FACTOR, "库存/现货")]);
    assert_eq!((&s[lr::DIFFERENCE], &s[lr::LOST_BUYERS_EST]), ("0.5", "-4.0"));
    assert_eq!(t.height(), 3, "{t}");
}
