-- 020_subscription_refresh.sql: when the account last asked for a
-- subscription to be fetched at once (issue 18, "refresh now" limited).
--
-- aurora-api refuses a refresh within subscription_refresh_min_seconds of
-- the subscription's last fetch (last_fetched_at, the fetcher's) or of the
-- last refresh it let through (this column), and schedules a new address
-- given within that time at its end, so that neither a loop of refreshes
-- nor alternating addresses makes the fetcher hit a publisher's server
-- again and again. NULL until the first refresh.
--
-- Rights: aurora_api holds SELECT, INSERT, UPDATE, DELETE on the whole
-- table (016), which covers a new column. aurora_fetch has column grants
-- only (019) and gets none here: it claims by next_fetch_at and never
-- needs to know why a subscription became due.

ALTER TABLE subscriptions ADD COLUMN refresh_requested_at timestamptz;
