//! The outputs a manager reads: report.html and plan-staffing's measured
//! inputs, each worked by hand from a small fixture.

use kefu::cmd::plan_staffing::{measure, Given};

use crate::helpers::*;

/// The card's "worst violations" are the latest week's: an argument in
/// week 46 no longer shows once week 47 is the latest.
#[test]
fn report_cards_show_the_latest_weeks_violations_only() {
    let f = Fixture::new();
    // Week 46 (Tue 2026-11-10): 小美 argues — an annoy violation, the worst kind.
    f.chat(
        "w46",
        "b1",
        "2026-11-10",
        &[
            ("10:00:00", "buyer", "收到的杯子破了"),
            ("10:00:20", "小美", "这个不是我们的问题，是快递的问题"),
        ],
    );
    // Week 47 (Mon 2026-11-16): 小美 answers a first question 45 s late.
    f.chat(
        "w47",
        "b2",
        "2026-11-16",
        &[("10:00:00", "buyer", "这款有货吗"), ("10:00:45", "小美", "有的亲")],
    );
    let out = f.path().join("out");
    let o = f.run_cli(&out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("最新周 2026-W47"), "latest week");
    assert!(html.contains("⚠ slow_first_response"), "week 47's violation is shown");
    for old in ["⚠ argue", "⚠ no_apology", "这个不是我们的问题"] {
        assert!(!html.contains(old), "{old} is from week 46");
    }
}

/// plan-staffing measures 客单价 per paying buyer (as `shop_daily` and the
/// platforms do), not per paid order; every other input worked by hand.
#[test]
fn staffing_measures_by_hand() {
    let f = Fixture::new();
    // Two inquiries at 10:xx, both answered by 小美 and both paid.
    f.chat(
        "a",
        "b1",
        "2026-11-16",
        &[("10:00:00", "buyer", "有货吗"), ("10:00:10", "小美", "有的亲")],
    );
    f.chat(
        "b",
        "b2",
        "2026-11-16",
        &[("10:20:00", "buyer", "包邮吗"), ("10:20:05", "小美", "满99包邮的亲")],
    );
    // b1 pays twice (100 + 300), b2 once (200); b9 orders without a word (静默, 400).
    f.orders(&[
        ("O1", "b1", "2026-11-16 10:30:00", "2026-11-16 10:31:00", "100"),
        ("O2", "b1", "2026-11-16 12:00:00", "2026-11-16 12:05:00", "300"),
        ("O3", "b2", "2026-11-16 11:00:00", "2026-11-16 11:01:00", "200"),
        ("O4", "b9", "2026-11-16 15:00:00", "2026-11-16 15:01:00", "400"),
    ]);
    let out = f.path().join("out");
    let o = f.run_cli(&out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (i, shares) = measure(&out, SHOP, &Given::default()).unwrap();
    // 客单价: 1000 paid ÷ 3 paying buyers (per paid order it would be 1000 ÷ 4 = 250).
    assert!(
        (i.avg_order_value.0 - 1000.0 / 3.0).abs() < 1e-9,
        "{:?}",
        i.avg_order_value
    );
    assert_eq!(i.avg_order_value.1, "measured");
    // Inquiry share: 1 − 1 silent of 4 paid orders.
    assert_eq!(i.inquiry_share, (0.75, "measured"));
    // Conversion: 2 paid buyers ÷ 2 inquiries.
    assert_eq!(i.conversion_rate, (1.0, "measured"));
    // 小美 took 2 buyers that day, both in the 10:00 hour.
    assert_eq!(i.max_receptions, (2.0, "measured"));
    assert_eq!(i.max_receptions_per_hour, (2.0, "measured"));
    // Both inquiries started in the 10:00 hour.
    assert_eq!(shares, vec![(10, 1.0)]);
    let given = Given {
        avg_order_value: Some(250.0),
        ..Given::default()
    };
    assert_eq!(measure(&out, SHOP, &given).unwrap().0.avg_order_value, (250.0, "given"));
    let err = measure(&out, "没有这家店", &Given::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("没有这家店"), "{err}");
}
