-- Cache invalidation across processes (docs/performance.md, finding 3). Processes keep short-lived
-- in-process copies of rows read on every request (sessions with their user's kind/roles/status, the
-- order rules, the order-type catalogue). Any committed change to those rows notifies channel
-- `dingban_changes` with `<table>:<key>`; every process LISTENs and drops its copies at once. NOTIFY is
-- delivered at commit, whichever code path (or operator's SQL) made the change.

CREATE FUNCTION notify_change_user_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('dingban_changes', 'users:' || OLD.id::text);
  ELSE
    PERFORM pg_notify('dingban_changes', TG_TABLE_NAME || ':' || OLD.user_id::text);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION notify_change_table() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dingban_changes', TG_TABLE_NAME || ':');
  RETURN NULL;
END $$;

-- Sessions: revoked, expiry or CSRF secret changed, or deleted. The per-minute last_seen_at touch is not
-- a change that matters to a cached copy (it is re-checked locally) and does not notify.
CREATE TRIGGER sessions_changed AFTER UPDATE ON sessions FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.csrf_hash IS DISTINCT FROM NEW.csrf_hash OR OLD.user_id IS DISTINCT FROM NEW.user_id)
  EXECUTE FUNCTION notify_change_user_id();
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION notify_change_user_id();

-- Users: what a session carries into the request (kind, staff roles, status).
CREATE TRIGGER users_auth_changed AFTER UPDATE ON users FOR EACH ROW
  WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.roles IS DISTINCT FROM NEW.roles OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION notify_change_user_id();
CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION notify_change_user_id();

-- Reference data read on most order requests.
CREATE TRIGGER order_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON order_rules
  FOR EACH STATEMENT EXECUTE FUNCTION notify_change_table();
CREATE TRIGGER order_types_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON order_types
  FOR EACH STATEMENT EXECUTE FUNCTION notify_change_table();
