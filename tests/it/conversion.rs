//! Inquiries, the attribution window, credit after a transfer, paid vs created,
//! and silent orders (CONTRACT §4), each worked out by hand.

use crate::helpers::*;
use kefu::config::Credit;
use kefu::core::schema::{agent_daily as ad, shop_daily as sd};

fn inquiry_and_orders() -> Fixture {
    let f = Fixture::new();
    // An inquiry on Monday 2026-11-16 answered by 小美.
    f.chat(
        "b1",
        "b1",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "这件有M码吗"),
            ("10:00:20", "小美", "有的亲，M码有现货"),
            ("10:01:00", "buyer", "好的"),
        ],
    );
    // b2 only greets at 12:00 and gets no answer: no inquiry.
    f.chat("b2", "b2", "2026-11-16", &[("12:00:00", "buyer", "在吗")]);
    f.orders(&[
        // attribution_days = 2: until the end of Tuesday 2026-11-17.
        ("O1", "b1", "2026-11-17 23:59:59", "2026-11-18 00:05:00", "99.00"),
        ("O2", "b1", "2026-11-18 00:00:01", "2026-11-18 00:01:00", "59.90"),
        // b2's last message 12:00:00: exactly 24 h before is not silent, 24 h + 1 s is.
        ("O3", "b2", "2026-11-17 12:00:00", "", "10"),
        ("O4", "b2", "2026-11-17 12:00:01", "", "10"),
    ]);
    f
}

#[test]
fn attribution_window_ends_at_end_of_calendar_day() {
    let f = inquiry_and_orders();
    let a = f.analyse();
    let by_id = |id: &str| {
        let i = a.staged.orders.iter().position(|o| o.order_id == id).unwrap();
        a.attributions.iter().find(|x| x.order == i).unwrap().clone()
    };
    let o1 = by_id("O1");
    assert_eq!(o1.agent_id.as_deref(), Some("测试店:小美"));
    assert!(o1.session.is_some());
    assert!(o1.is_silent, "no buyer message in the 24 h before 2026-11-17 23:59:59");
    let o2 = by_id("O2");
    assert_eq!((o2.agent_id, o2.session), (None, None));
    assert!(!by_id("O3").is_silent);
    assert!(by_id("O4").is_silent);

    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!(
        (&d[ad::INQUIRIES], &d[ad::ORDERED_BUYERS], &d[ad::PAID_BUYERS]),
        ("1", "1", "1")
    );
    assert_eq!((&d[ad::CONVERSION_RATE], &d[ad::SALES_AMOUNT]), ("1.0", "99.0"));
}

#[test]
fn same_day_only_window() {
    let f = inquiry_and_orders();
    let mut cfg = f.config();
    cfg.metrics.attribution_days = 1;
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    assert!(a.attributions.iter().all(|x| x.agent_id.is_none()));
}

fn transfer() -> Fixture {
    let f = Fixture::new();
    f.chat(
        "b3",
        "b3",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "这个能便宜点吗"),
            ("10:00:10", "小美", "亲，这边帮您转接同事"),
            ("10:00:40", "阿杰", "可以领10元优惠券的亲"),
            ("10:02:00", "buyer", "那我拍了"),
            // After the order: does not change who is credited.
            ("10:40:00", "小美", "亲，记得付款哦"),
        ],
    );
    // Created, never paid.
    f.orders(&[("O5", "b3", "2026-11-16 10:30:00", "", "50")]);
    f
}

#[test]
fn last_credit_after_transfer_and_unpaid_order() {
    let f = transfer();
    let a = f.analyse();
    assert_eq!(a.attributions[0].agent_id.as_deref(), Some("测试店:阿杰"));
    let b = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:阿杰")]);
    assert_eq!(
        (&b[ad::INQUIRIES], &b[ad::ORDERED_BUYERS], &b[ad::PAID_BUYERS]),
        ("1", "1", "0")
    );
    assert_eq!((&b[ad::CONVERSION_RATE], &b[ad::SALES_AMOUNT]), ("0.0", "0.0"));
    // 小美 took part in the inquiry (询单) but the order is credited to 阿杰.
    let m = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&m[ad::INQUIRIES], &m[ad::ORDERED_BUYERS]), ("1", "0"));
}

#[test]
fn first_credit_after_transfer() {
    let f = transfer();
    let mut cfg = f.config();
    cfg.metrics.credit = Credit::First;
    let a = kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap();
    assert_eq!(a.attributions[0].agent_id.as_deref(), Some("测试店:小美"));
}

#[test]
fn after_sales_session_is_not_an_inquiry() {
    let f = Fixture::new();
    f.chat(
        "b",
        "b4",
        "2026-11-16",
        &[
            ("10:00:00", "buyer", "收到的杯子破了"),
            ("10:00:30", "小美", "非常抱歉，这边马上给您补发"),
        ],
    );
    f.orders(&[("O6", "b4", "2026-11-16 11:00:00", "2026-11-16 11:00:30", "20")]);
    let a = f.analyse();
    assert!(a.conv.sessions[0].is_after_sales);
    assert!(!a.conv.sessions[0].is_inquiry);
    assert_eq!(a.attributions[0].agent_id, None);
    assert!(!a.attributions[0].is_silent);
}

#[test]
fn empty_orders_file_is_valid() {
    let f = Fixture::new();
    f.chat(
        "m",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有货吗"), ("10:00:10", "小美", "有的")],
    );
    f.write("orders/orders.csv", ORDER_HEADER);
    let a = f.analyse();
    let d = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!((&d[ad::ORDERED_BUYERS], &d[ad::CONVERSION_RATE]), ("0", "0.0"));
}

#[test]
fn shop_daily_funnel_by_hand() {
    let f = inquiry_and_orders();
    let a = f.analyse();
    let d = &a.marts.shop_daily;
    // 2026-11-16: buyers b1 and b2 chatted; only b1 inquired; O1 (paid 99.00) converts it.
    let mon = row(d, &[(sd::DATE, "2026-11-16")]);
    assert_eq!(
        (&mon[sd::BUYERS], &mon[sd::INQUIRIES], &mon[sd::PAID_BUYERS]),
        ("2", "1", "1")
    );
    assert_eq!((&mon[sd::LOST_INQUIRIES], &mon[sd::CONVERSION_RATE]), ("0", "1.0"));
    // 2026-11-17: O1 (99.00, credited and silent), O3 (not paid), O4 (not paid, silent).
    let tue = row(d, &[(sd::DATE, "2026-11-17")]);
    assert_eq!(
        (&tue[sd::ORDERS], &tue[sd::PAID_ORDERS], &tue[sd::SILENT_ORDERS]),
        ("3", "1", "2")
    );
    assert_eq!(
        (&tue[sd::AGENT_SALES_AMOUNT], &tue[sd::SILENT_SALES_AMOUNT]),
        ("99.0", "0.0")
    );
    // 2026-11-18: O2 (59.90 paid, silent, outside the window).
    let wed = row(d, &[(sd::DATE, "2026-11-18")]);
    assert_eq!((&wed[sd::SILENT_PAID_ORDERS], &wed[sd::SILENT_SHARE]), ("1", "1.0"));
    assert_eq!(
        (&wed[sd::SILENT_SALES_AMOUNT], &wed[sd::AVG_ORDER_VALUE]),
        ("59.9", "59.9")
    );
}
