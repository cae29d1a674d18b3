-- What a data team writes: sessions, turns, response times and per-agent
-- conversion in DuckDB SQL, by kefu's definitions (CONTRACT §4). Expects a
-- table `m` (messages with rn = file order) and `o` (orders) to exist.

CREATE OR REPLACE TEMP TABLE m1 AS
SELECT m.*, a.asks, a.stage,
       epoch_ms(sent_at::TIMESTAMP) AS ts,
       epoch_ms(sent_at::TIMESTAMP) - lag(epoch_ms(sent_at::TIMESTAMP)) OVER w AS gap
FROM m JOIN a USING (rn)
WINDOW w AS (PARTITION BY shop_id, buyer_id ORDER BY sent_at::TIMESTAMP, rn);

-- 24 h segments: a waiting buyer never spans one.
CREATE OR REPLACE TEMP TABLE m2 AS
SELECT *, sum(CASE WHEN gap IS NULL OR gap > 86400000 THEN 1 ELSE 0 END)
            OVER (PARTITION BY shop_id, buyer_id ORDER BY ts, rn ROWS UNBOUNDED PRECEDING) AS seg
FROM m1;

-- ac: agent messages before this one in the segment, so the rows before it
-- with the same ac are those since the last agent message.
CREATE OR REPLACE TEMP TABLE m2a AS
SELECT *, coalesce(sum(CASE WHEN sender = 'agent' THEN 1 ELSE 0 END)
            OVER (PARTITION BY shop_id, buyer_id, seg ORDER BY ts, rn
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ac
FROM m2;

-- Waiting = a buyer message since the last agent message asks something
-- (a closing such as 好的谢谢 or an emoji asks nothing).
CREATE OR REPLACE TEMP TABLE m3 AS
SELECT *,
       coalesce(bool_or(sender = 'buyer' AND asks)
         OVER (PARTITION BY shop_id, buyer_id, seg, ac ORDER BY ts, rn
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS waiting
FROM m2a;

CREATE OR REPLACE TEMP TABLE m4 AS
SELECT *, sum(CASE WHEN gap IS NULL OR gap > 86400000
                     OR (sender = 'buyer' AND gap > 1800000 AND NOT waiting)
                   THEN 1 ELSE 0 END)
            OVER (PARTITION BY shop_id, buyer_id ORDER BY ts, rn ROWS UNBOUNDED PRECEDING) AS sess
FROM m3;

-- Turn starts: a buyer message whose previous buyer-or-agent message in the session is not the buyer's.
CREATE OR REPLACE TEMP TABLE m5 AS
SELECT *,
       last_value(CASE WHEN sender IN ('buyer', 'agent') THEN sender END IGNORE NULLS)
         OVER (PARTITION BY shop_id, buyer_id, sess ORDER BY ts, rn
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_person,
       first_value(CASE WHEN sender = 'agent' THEN ts END IGNORE NULLS)
         OVER (PARTITION BY shop_id, buyer_id, sess ORDER BY ts, rn
               ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS next_agent_ts,
       first_value(CASE WHEN sender IN ('buyer', 'agent') THEN sender END IGNORE NULLS)
         OVER (PARTITION BY shop_id, buyer_id, sess ORDER BY ts, rn
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_person
FROM m4;

CREATE OR REPLACE TEMP TABLE turns AS
SELECT shop_id, buyer_id, sess, ts AS start_ts, next_agent_ts - ts AS rt, first_person,
       row_number() OVER (PARTITION BY shop_id, buyer_id, sess ORDER BY ts, rn) AS turn_no,
       hour(sent_at::TIMESTAMP) BETWEEN 8 AND 22 AS in_hours
FROM m5
WHERE sender = 'buyer' AND coalesce(prev_person, '') <> 'buyer';

CREATE OR REPLACE TEMP TABLE sessions AS
SELECT shop_id, buyer_id, sess, min(ts) AS start_ts, min(sent_at::TIMESTAMP) AS start_at,
       any_value(first_person) AS first_person, count(*) FILTER (WHERE sender = 'agent') AS n_agent,
       max(stage) AS stage
FROM m5 GROUP BY ALL;

-- Conversion: the latest inquiry (buyer-started, answered, still 售前) started
-- before the order whose window (end of its day + 1) covers it.
CREATE OR REPLACE TEMP TABLE attributed AS
SELECT o.order_id, o.shop_id, o.buyer_id, o.created_ts, o.paid, o.paid_ts, o.fen, s.sess,
       epoch_ms(date_trunc('day', s.start_at)) AS day_ms
FROM o JOIN sessions s
  ON s.shop_id = o.shop_id AND s.buyer_id = o.buyer_id AND s.first_person = 'buyer' AND s.n_agent > 0
 AND s.stage = 0 AND s.start_ts < o.created_ts
 AND o.created_at::TIMESTAMP < date_trunc('day', s.start_at) + INTERVAL 2 DAY
QUALIFY row_number() OVER (PARTITION BY o.order_id ORDER BY s.start_ts DESC) = 1;

CREATE OR REPLACE TEMP TABLE credited AS
SELECT a.*, coalesce(
         (SELECT arg_max(m.agent_id, m.ts * 1000000 + m.rn) FROM m5 m
           WHERE m.shop_id = a.shop_id AND m.buyer_id = a.buyer_id AND m.sess = a.sess
             AND m.sender = 'agent' AND m.ts <= a.created_ts),
         (SELECT arg_min(m.agent_id, m.ts * 1000000 + m.rn) FROM m5 m
           WHERE m.shop_id = a.shop_id AND m.buyer_id = a.buyer_id AND m.sess = a.sess AND m.sender = 'agent')
       ) AS agent_id
FROM attributed a;

-- The funnel per agent, through each credited buyer of each inquiry day:
-- ordered, paid (by the end of that day / the next), lost to payment.
CREATE OR REPLACE TEMP TABLE funnel AS
WITH b AS (
  SELECT shop_id || '|' || agent_id AS k, day_ms, buyer_id,
         bool_or(paid) AS paid,
         bool_or(paid AND paid_ts < day_ms + 86400000) AS d0,
         bool_or(paid AND paid_ts < day_ms + 172800000) AS d1,
         sum(fen) AS ordered_fen,
         coalesce(sum(fen) FILTER (WHERE NOT paid), 0) AS unpaid_fen
  FROM credited GROUP BY ALL)
SELECT k, count(*) AS ordered, count(*) FILTER (WHERE paid) AS paid, count(*) FILTER (WHERE NOT paid) AS unpaid,
       count(*) FILTER (WHERE d0) AS d0, count(*) FILTER (WHERE d1) AS d1, sum(ordered_fen) AS ordered_fen,
       coalesce(sum(unpaid_fen) FILTER (WHERE NOT paid), 0) AS unpaid_fen
FROM b GROUP BY k;
