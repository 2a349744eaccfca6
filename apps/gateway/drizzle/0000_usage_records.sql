-- pgvector is part of the data platform (RAG and semantic features build on it); created once here.
CREATE EXTENSION IF NOT EXISTS vector;
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"id" text PRIMARY KEY NOT NULL,
	"trace_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"key_id" text NOT NULL,
	"endpoint" text NOT NULL,
	"provider" text,
	"model" text,
	"requested_model" text,
	"stream" boolean NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone NOT NULL,
	"latency_ms" integer NOT NULL,
	"ttft_ms" integer,
	"status" text NOT NULL,
	"http_status" integer NOT NULL,
	"error_code" text,
	"error_message" text,
	"input_tokens" integer,
	"input_no_cache_tokens" integer,
	"input_cache_read_tokens" integer,
	"input_cache_write_tokens" integer,
	"output_tokens" integer,
	"output_text_tokens" integer,
	"output_reasoning_tokens" integer,
	"usage_estimated" boolean DEFAULT false NOT NULL,
	"input_cost_usd" numeric(24, 15),
	"output_cost_usd" numeric(24, 15),
	"total_cost_usd" numeric(24, 15),
	"warnings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"prompt" jsonb,
	"response" text
);
--> statement-breakpoint
CREATE INDEX "usage_records_started_at_idx" ON "usage_records" USING btree ("started_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "usage_records_provider_model_idx" ON "usage_records" USING btree ("provider","model");--> statement-breakpoint
CREATE INDEX "usage_records_trace_id_idx" ON "usage_records" USING btree ("trace_id");--> statement-breakpoint
CREATE INDEX "usage_records_key_id_idx" ON "usage_records" USING btree ("key_id");