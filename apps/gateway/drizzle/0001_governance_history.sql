CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"title" text NOT NULL,
	"governance_context" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"role" text NOT NULL,
	"content" text,
	"parent_id" text,
	"host_platform" text,
	"model_id" text,
	"trace_id" text NOT NULL,
	"comparisons" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telemetry" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"message_id" text NOT NULL,
	"trace_id" text NOT NULL,
	"provider" text NOT NULL,
	"host_platform" text NOT NULL,
	"model_id" text NOT NULL,
	"governance_context" text NOT NULL,
	"prompt_version" text NOT NULL,
	"status" text NOT NULL,
	"error_code" text,
	"error_message" text,
	"started_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone NOT NULL,
	"latency_ms" integer NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"total_tokens" integer NOT NULL,
	"input_cost_usd" numeric(24, 15),
	"output_cost_usd" numeric(24, 15),
	"total_cost_usd" numeric(24, 15),
	"accuracy_score" double precision,
	"accuracy" jsonb,
	"accuracy_error" text,
	"metrics" jsonb,
	"input_prompt" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telemetry" ADD CONSTRAINT "telemetry_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telemetry" ADD CONSTRAINT "telemetry_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_tenant_created_idx" ON "conversations" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "messages" USING btree ("conversation_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "telemetry_message_idx" ON "telemetry" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "telemetry_conversation_idx" ON "telemetry" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "telemetry_tenant_model_idx" ON "telemetry" USING btree ("tenant_id","model_id");--> statement-breakpoint
CREATE INDEX "telemetry_trace_id_idx" ON "telemetry" USING btree ("trace_id");