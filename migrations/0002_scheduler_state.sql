ALTER TABLE `syncs` ADD `next_run_kind` text;--> statement-breakpoint
ALTER TABLE `syncs` ADD `history_applied_id` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `history_poll_until` integer;