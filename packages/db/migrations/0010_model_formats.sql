ALTER TABLE "model_versions" ADD COLUMN "preprocessing" jsonb;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "fidelity" jsonb;