-- 005_send_stats.sql: running totals of send results per transport, kept
-- by aurora-remind after each pass and read by /metrics
-- (aurora_mail_sends_total). A few rows, so a scrape costs nothing.
CREATE TABLE mail_send_stats (
    transport  text NOT NULL CHECK (transport IN ('ses', 'smtp', 'file')),
    result     text NOT NULL
               CHECK (result IN ('sent', 'retry', 'failed', 'skipped', 'cancelled')),
    total      bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
    PRIMARY KEY (transport, result)
);

GRANT SELECT, INSERT, UPDATE ON mail_send_stats TO aurora_remind;
GRANT SELECT ON mail_send_stats TO aurora_api;
