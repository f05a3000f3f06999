-- examples/im/schema.sql — the IM example's database. Load with:  mariadb < schema.sql
--
-- messages: every message ever sent. There is deliberately NO index on to_user: im-logic's
-- history query (SELECT ... WHERE to_user=? ORDER BY created_at DESC, id DESC LIMIT 20, run on a cache miss) is a
-- full table scan plus a sort of every match — the "slow query" the demo shows in the trace. The
-- fix would be  CREATE INDEX messages_to_user ON messages (to_user, created_at, id);
-- offline_messages: the copies kept for recipients whose device could not be reached.

CREATE DATABASE IF NOT EXISTS im CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE im;

CREATE TABLE IF NOT EXISTS messages (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    from_user  VARCHAR(64)  NOT NULL,
    to_user    VARCHAR(64)  NOT NULL,
    body       TEXT         NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS offline_messages (
    msg_id    BIGINT       NOT NULL,
    to_user   VARCHAR(64)  NOT NULL,
    stored_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (to_user, msg_id)
) ENGINE=InnoDB;
