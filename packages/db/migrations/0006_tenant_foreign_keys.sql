-- A row may only reference rows of its own tenant, whatever the code above the database does:
-- composite keys (tenant_id, x_id) -> parent (tenant_id, id). RLS does not apply to foreign-key
-- checks, so without these a buggy resolver could link tenants, and FK errors would reveal foreign ids.
CREATE UNIQUE INDEX IF NOT EXISTS "models_tenant_id_id_index" ON "models" ("tenant_id", "id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "model_versions_tenant_id_id_index" ON "model_versions" ("tenant_id", "id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "datasets_tenant_id_id_index" ON "datasets" ("tenant_id", "id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "jobs_tenant_id_id_index" ON "jobs" ("tenant_id", "id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "monitors_tenant_id_id_index" ON "monitors" ("tenant_id", "id");
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "findings_tenant_id_id_index" ON "findings" ("tenant_id", "id");
--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models" ("tenant_id", "id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_parent_version_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "parent_version_id") REFERENCES "model_versions" ("tenant_id", "id") ON DELETE SET NULL ("parent_version_id");
--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_model_version_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "model_version_id") REFERENCES "model_versions" ("tenant_id", "id") ON DELETE SET NULL ("model_version_id");
--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_dataset_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "dataset_id") REFERENCES "datasets" ("tenant_id", "id") ON DELETE SET NULL ("dataset_id");
--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_monitor_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "monitor_id") REFERENCES "monitors" ("tenant_id", "id") ON DELETE SET NULL ("monitor_id");
--> statement-breakpoint
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_job_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "job_id") REFERENCES "jobs" ("tenant_id", "id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_job_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "job_id") REFERENCES "jobs" ("tenant_id", "id") ON DELETE SET NULL ("job_id");
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_model_version_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "model_version_id") REFERENCES "model_versions" ("tenant_id", "id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_dataset_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "dataset_id") REFERENCES "datasets" ("tenant_id", "id") ON DELETE SET NULL ("dataset_id");
--> statement-breakpoint
ALTER TABLE "findings" ADD CONSTRAINT "findings_repaired_version_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "repaired_version_id") REFERENCES "model_versions" ("tenant_id", "id") ON DELETE SET NULL ("repaired_version_id");
--> statement-breakpoint
ALTER TABLE "monitors" ADD CONSTRAINT "monitors_model_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "model_id") REFERENCES "models" ("tenant_id", "id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "monitors" ADD CONSTRAINT "monitors_dataset_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "dataset_id") REFERENCES "datasets" ("tenant_id", "id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_monitor_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "monitor_id") REFERENCES "monitors" ("tenant_id", "id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_finding_id_same_tenant_fk" FOREIGN KEY ("tenant_id", "finding_id") REFERENCES "findings" ("tenant_id", "id") ON DELETE CASCADE;
