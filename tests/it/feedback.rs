//! The optional ratings and reviews inputs, worked by hand on Monday
//! 2026-11-16 (week 47) in 测试店:
//! - b1 asks 有货吗 at 10:00, 小美 answers at 10:00:10; O1 (100) follows at
//!   10:30. On Wednesday 11-18 at 15:00 b1 writes 收到的杯子破了 and 小雨
//!   answers (an after-sales session).
//! - b2 asks 有优惠吗 at 11:00, 小美 answers; O2 (100) at 11:20. On Tuesday
//!   11-17 at 09:00 b2 asks 什么时候发货 and 小雨 answers (售中: after the
//!   order, not after-sales).
//! - b3 asks 尺码偏大吗 at 12:00, 小美 answers; O3 (100) at 12:10.
//! - b5 asks 这个能用多久 at 14:00, 小美 answers; O5 (100) at 14:05.
//! - b9 never writes: O4 at 13:00 and O6 at 13:00 are silent.

use kefu::core::schema::{agent_daily as ad, agent_weekly as aw, review_reasons as rr};

use crate::helpers::*;

fn fixture() -> Fixture {
    let f = Fixture::new();
    let d = "2026-11-16";
    f.chat(
        "b1",
        "b1",
        d,
        &[("10:00:00", "buyer", "这个有货吗"), ("10:00:10", "小美", "有的亲")],
    );
    f.chat(
        "b1b",
        "b1",
        "2026-11-18",
        &[
            ("15:00:00", "buyer", "收到的杯子破了"),
            ("15:00:30", "小雨", "非常抱歉，给您补发一个"),
        ],
    );
    f.chat(
        "b2",
        "b2",
        d,
        &[("11:00:00", "buyer", "有优惠吗"), ("11:00:20", "小美", "现在下单有券")],
    );
    f.chat(
        "b2b",
        "b2",
        "2026-11-17",
        &[("09:00:00", "buyer", "什么时候发货"), ("09:00:40", "小雨", "今天就发")],
    );
    f.chat(
        "b3",
        "b3",
        d,
        &[
            ("12:00:00", "buyer", "这个尺码偏大吗"),
            ("12:00:15", "小美", "正常尺码"),
        ],
    );
    f.chat(
        "b5",
        "b5",
        d,
        &[
            ("14:00:00", "buyer", "这个能用多久"),
            ("14:00:30", "小美", "三年没问题"),
        ],
    );
    f.orders(&[
        ("O1", "b1", "2026-11-16 10:30:00", "2026-11-16 10:31:00", "100"),
        ("O2", "b2", "2026-11-16 11:20:00", "2026-11-16 11:21:00", "100"),
        ("O3", "b3", "2026-11-16 12:10:00", "2026-11-16 12:11:00", "100"),
        ("O4", "b9", "2026-11-16 13:00:00", "2026-11-16 13:01:00", "100"),
        ("O5", "b5", "2026-11-16 14:05:00", "2026-11-16 14:06:00", "100"),
        ("O6", "b9", "2026-11-16 13:00:00", "2026-11-16 13:01:00", "100"),
    ]);
    f
}

/// Lines 2–5 match; 6 comes 26 h after b1's last session ended (over
/// `rating_window_hours = 24`), 7 rates line 2's session again (by buyer
/// and time; by its id it would be a repeated key), 8 names a
/// buyer with no session, 9 names no session at all.
fn ratings(f: &Fixture) -> std::path::PathBuf {
    f.write(
        "ratings.csv",
        format!(
            "shop_id,session_id,buyer_id,rated_at,agent_id,score\n\
{SHOP},b1/20261116T100000,,,,5\n\
{SHOP},,b2,2026-11-17 09:30:00,,2\n\
{SHOP},,b3,2026-11-16 12:05:00,{SHOP}:小美,4\n\
{SHOP},,b5,2026-11-16 14:10:00,,3\n\
{SHOP},,b1,2026-11-17 12:00:00,,5\n\
{SHOP},,b1,2026-11-16 10:05:00,,1\n\
{SHOP},,b8,2026-11-16 12:00:00,,5\n\
{SHOP},,b2,,,4\n"
        ),
    )
}

/// O1 (破损, served after-sales by 小雨), O2 (色差, 售中 by 小雨), O3 (尺码不符,
/// 售前 by 小美), O5 (good, 售前 by 小美), O4 (气味, no chat); then a second
/// review of O3, a review of no order, and one dated before O6 was created.
fn reviews(f: &Fixture) -> std::path::PathBuf {
    f.write(
        "reviews.csv",
        "order_id,shop_id,rating,text,created_at\n\
O1,,1,杯子碎了,2026-11-19 10:00:00\n\
O2,,3,颜色和图片不一样,2026-11-20 10:00:00\n\
O3,,3,尺码偏大，不合适,2026-11-19 11:00:00\n\
O5,,5,很满意,2026-11-19 12:00:00\n\
O4,,2,有股味道,2026-11-19 13:00:00\n\
O3,,4,还行,2026-11-19 11:00:00\n\
O7,,1,差,2026-11-19 11:00:00\n\
O6,,1,差,2026-11-16 12:00:00\n",
    )
}

fn with_feedback(f: &Fixture) -> kefu::pipeline::Analysis {
    let mut cfg = f.config();
    cfg.input.ratings = vec![ratings(f)];
    cfg.input.reviews = vec![reviews(f)];
    kefu::pipeline::analyse(&cfg.validate(None).unwrap()).unwrap()
}

fn rejected_lines(a: &kefu::pipeline::Analysis, file: &str) -> Vec<(u64, String)> {
    a.staged
        .rejects
        .iter()
        .filter(|r| r.file.ends_with(file))
        .map(|r| (r.line, r.reason.clone()))
        .collect()
}

#[test]
fn ratings_by_session_buyer_and_agent() {
    let f = fixture();
    let a = with_feedback(&f);
    let r = rejected_lines(&a, "ratings.csv");
    assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), [6, 7, 8, 9], "{r:?}");
    assert!(r[0].1.contains("rating_window_hours"), "{r:?}");
    assert!(
        r[1].1.contains("rated already") && r[1].1.contains("ratings.csv:2"),
        "{r:?}"
    );
    assert!(r[2].1.contains("buyer b8 has no session"), "{r:?}");
    let file = a.staged.files.iter().find(|x| x.table == "ratings").unwrap();
    assert_eq!((file.rows_read, file.rows_used, file.rows_rejected), (8, 4, 4));

    // 小美 on 11-16: b1's 5 (her session), b3's 4 (named), b5's 3: 2 of 3 satisfied.
    let mei = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!(
        (
            &mei[ad::RATINGS],
            &mei[ad::SATISFIED_RATINGS],
            &mei[ad::SATISFACTION_RATE]
        ),
        ("3", "2", "0.6666666666666666")
    );
    // 小雨: b2's 2 on Tuesday's session; none on Wednesday, where the rate is null.
    let yu = |date| row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小雨"), (ad::DATE, date)]);
    let tue = yu("2026-11-17");
    assert_eq!((&tue[ad::RATINGS], &tue[ad::SATISFACTION_RATE]), ("1", "0.0"));
    let wed = yu("2026-11-18");
    assert_eq!((&wed[ad::RATINGS], &wed[ad::SATISFACTION_RATE]), ("0", "null"));
    let w = row(&a.marts.agent_weekly, &[(aw::AGENT_ID, "测试店:小美")]);
    assert_eq!((&w[aw::RATINGS], &w[aw::SATISFIED_RATINGS]), ("3", "2"));
}

#[test]
fn reviews_charged_by_the_session_that_served_the_order() {
    let f = fixture();
    let a = with_feedback(&f);
    let r = rejected_lines(&a, "reviews.csv");
    assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), [7, 8, 9], "{r:?}");
    assert!(r[0].1.contains("repeated with different values"), "{r:?}");
    assert!(r[1].1.contains("no order O7"), "{r:?}");
    assert!(r[2].1.contains("before the order was created"), "{r:?}");

    // 小美 served O3 (3 stars: 中差评, 售前) and O5 (5 stars) before the orders.
    let mei = row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小美")]);
    assert_eq!(
        (&mei[ad::REVIEWS], &mei[ad::BAD_REVIEWS], &mei[ad::BAD_REVIEWS_PRESALE]),
        ("2", "1", "1")
    );
    // 小雨: O2 on Tuesday's 售中 session, O1 on Wednesday's after-sales one.
    let yu = |date| row(&a.marts.agent_daily, &[(ad::AGENT_ID, "测试店:小雨"), (ad::DATE, date)]);
    let tue = yu("2026-11-17");
    assert_eq!((&tue[ad::BAD_REVIEWS], &tue[ad::BAD_REVIEWS_INSALE]), ("1", "1"));
    let wed = yu("2026-11-18");
    assert_eq!((&wed[ad::BAD_REVIEWS], &wed[ad::BAD_REVIEWS_AFTERSALE]), ("1", "1"));
    let w = row(&a.marts.agent_weekly, &[(aw::AGENT_ID, "测试店:小雨")]);
    assert_eq!(
        (
            &w[aw::REVIEWS],
            &w[aw::BAD_REVIEWS_INSALE],
            &w[aw::BAD_REVIEWS_AFTERSALE]
        ),
        ("2", "1", "1")
    );

    // Four 中差评 in week 47, one reason each: a quarter of them each.
    let t = &a.marts.review_reasons;
    assert_eq!(t.height(), 4);
    let reason = |r: &str| row(t, &[(rr::REASON, r)]);
    let broken = reason("破损");
    assert_eq!(
        (&broken[rr::WEEK], &broken[rr::SHARE], &broken[rr::AFTERSALE]),
        ("2026-W47", "0.25", "1")
    );
    assert_eq!(&reason("色差")[rr::INSALE], "1");
    assert_eq!(&reason("尺码不符")[rr::PRESALE], "1");
    assert_eq!(&reason("气味")[rr::NO_CHAT], "1");
}

/// Without the inputs the columns are null, review_reasons is empty, and
/// every other table is byte-identical to a run with them.
#[test]
fn absent_feedback_inputs_change_nothing_else() {
    use kefu::core::schema::TABLES;
    let f = fixture();
    let (plain, fed) = (f.path().join("plain"), f.path().join("fed"));
    let mut cfg = f.config();
    cfg.output.dir = plain.clone();
    kefu::pipeline::run(&cfg.clone().validate(None).unwrap(), &|_| Ok(())).unwrap();
    cfg.output.dir = fed.clone();
    cfg.input.ratings = vec![ratings(&f)];
    cfg.input.reviews = vec![reviews(&f)];
    kefu::pipeline::run(&cfg.validate(None).unwrap(), &|_| Ok(())).unwrap();

    let read = |dir: &std::path::Path, t: &str| {
        let files: Vec<_> = std::fs::read_dir(dir.join(t))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect::<Vec<_>>()
    };
    let differ = ["agent_daily", "agent_weekly", "review_reasons", "rejects"];
    for t in TABLES.iter().filter(|t| !differ.contains(&t.name)) {
        assert!(read(&plain, t.name) == read(&fed, t.name), "{} differs", t.name);
    }
    let optional = [
        ad::RATINGS,
        ad::SATISFIED_RATINGS,
        ad::SATISFACTION_RATE,
        ad::REVIEWS,
        ad::BAD_REVIEWS,
        ad::BAD_REVIEWS_PRESALE,
        ad::BAD_REVIEWS_INSALE,
        ad::BAD_REVIEWS_AFTERSALE,
    ];
    for t in ["agent_daily", "agent_weekly"] {
        let frame = |dir: &std::path::Path| parquet_frame(&dir.join(t));
        let (p, d) = (frame(&plain), frame(&fed));
        for c in optional {
            assert_eq!(
                p.column(c.name).unwrap().null_count(),
                p.height(),
                "{t}.{} not null",
                c.name
            );
        }
        let names: Vec<_> = optional.iter().map(|c| c.name).collect();
        assert!(
            p.drop_many(names.clone()).equals_missing(&d.drop_many(names)),
            "{t} differs"
        );
    }
    assert_eq!(parquet_frame(&plain.join("review_reasons")).height(), 0);
}

/// `--ratings` and `--reviews` name the inputs on the command line; the
/// manifest accounts for their rows and report.html shows both.
#[test]
fn feedback_inputs_from_the_command_line() {
    let f = fixture();
    let out = f.path().join("out");
    let o = kefu()
        .current_dir(f.path())
        .args(["run", "--messages", "messages", "--orders", "orders", "--out", "out"])
        .arg("--ratings")
        .arg(ratings(&f))
        .arg("--reviews")
        .arg(reviews(&f))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("ratings         8         4         4"), "{stdout}");
    assert!(stdout.contains("reviews         8         5         3"), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("工作量与服务") && html.contains("2/3"),
        "小美's satisfied ratings"
    );
    assert!(html.contains("中差评原因") && html.contains("尺码不符"));
}
