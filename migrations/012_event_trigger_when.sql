-- 012: the outbox trigger on events fires only for the kinds it maps.
-- notification_on_event() returned at once for every other kind, but a
-- PL/pgSQL call per event is not free: job.updated, one per workflow_job
-- delivery, is the most frequent event there is.  The WHEN clause is the
-- same test as the function's first line, checked without calling it.
DROP TRIGGER events_notify ON events;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW
    WHEN (NEW.kind IN ('rc.created', 'rc.state_changed', 'feedback.created', 'run.updated',
                       'deployment.updated'))
    EXECUTE FUNCTION notification_on_event();
