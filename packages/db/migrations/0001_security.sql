-- drizzle-kit emits ENABLE but never FORCE: without FORCE a table owner would bypass the policies.
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "artifacts" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "uploads" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "models" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "model_versions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "datasets" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "jobs" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "job_events" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "findings" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "monitors" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO antidote_app, antidote_service;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO antidote_app, antidote_service;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO antidote_app, antidote_service;
--> statement-breakpoint
-- tables added by later migrations get the same rights (they must add their own FORCE and policy)
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO antidote_app, antidote_service;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO antidote_app, antidote_service;
--> statement-breakpoint
-- request work never touches global identity tables; sign-in runs as the service role.
--> statement-breakpoint
REVOKE ALL ON "users", "sessions" FROM antidote_app;
--> statement-breakpoint
GRANT SELECT ("id", "email", "name") ON "users" TO antidote_app;
--> statement-breakpoint
CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE FUNCTION audit_log_canonical(prev_hash text, tenant_id uuid, seq bigint, actor text, action text, target text, details jsonb, created_at timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT prev_hash || '|' || tenant_id::text || '|' || seq::text || '|' || actor || '|' || action || '|' || target || '|' || details::text || '|'
    || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;
--> statement-breakpoint
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
BEGIN
  -- one writer per tenant at a time, so two concurrent appends cannot fork the chain
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || NEW.tenant_id::text, 0));
  SELECT a.seq, a.hash INTO last_seq, last_hash FROM audit_log a WHERE a.tenant_id = NEW.tenant_id ORDER BY a.seq DESC LIMIT 1;
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.created_at := date_trunc('microseconds', clock_timestamp());
  NEW.hash := encode(sha256(convert_to(audit_log_canonical(NEW.prev_hash, NEW.tenant_id, NEW.seq, NEW.actor, NEW.action, NEW.target, NEW.details, NEW.created_at), 'UTF8')), 'hex');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
--> statement-breakpoint
CREATE FUNCTION job_events_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('job:' || NEW.job_id::text, 0));
  SELECT coalesce(max(e.seq), 0) + 1 INTO NEW.seq FROM job_events e WHERE e.job_id = NEW.job_id;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE FUNCTION job_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- the payload names the row only: listeners read it back under their own tenant's RLS
  PERFORM pg_notify('antidote_job_events', json_build_object('tenantId', NEW.tenant_id, 'jobId', NEW.job_id, 'seq', NEW.seq, 'id', NEW.id)::text);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER job_events_sequence BEFORE INSERT ON "job_events" FOR EACH ROW EXECUTE FUNCTION job_events_sequence();
--> statement-breakpoint
CREATE TRIGGER job_events_notify AFTER INSERT ON "job_events" FOR EACH ROW EXECUTE FUNCTION job_events_notify();
--> statement-breakpoint
CREATE TRIGGER job_events_append_only BEFORE UPDATE ON "job_events" FOR EACH ROW EXECUTE FUNCTION reject_change();
