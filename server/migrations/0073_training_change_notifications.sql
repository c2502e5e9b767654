-- Training reference data read on every take (the entry stage a courier's certificate must belong to, and
-- the standing rules): cached in-process like the order rules (0070), dropped on any committed change.
CREATE TRIGGER training_stages_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON training_stages
  FOR EACH STATEMENT EXECUTE FUNCTION notify_change_table();
CREATE TRIGGER training_settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON training_settings
  FOR EACH STATEMENT EXECUTE FUNCTION notify_change_table();
