ALTER TABLE `syncs` ADD `alert_state` text;--> statement-breakpoint
ALTER TABLE `syncs` ADD `alert_muted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `syncs` ADD `reject_alert_percent` integer DEFAULT 20 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `notify_user_ids` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `notify_events` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `alert_state` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `notify_error` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `notify_error_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `deactivated_at` integer;