CREATE TABLE `pending_changes` (
	`tenant_id` integer NOT NULL,
	`customer_id` integer NOT NULL,
	`history_id` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `customer_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `run_chunks` (
	`run_id` integer NOT NULL,
	`side` text NOT NULL,
	`bucket` integer NOT NULL,
	`seq` integer NOT NULL,
	`item_count` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`run_id`, `side`, `bucket`, `seq`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `run_rejects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`email` text NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `run_rejects_run_idx` ON `run_rejects` (`run_id`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`sync_id` integer NOT NULL,
	`trigger` text NOT NULL,
	`dry_run` integer DEFAULT false NOT NULL,
	`kind` text DEFAULT 'full' NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`phase` text DEFAULT 'planned' NOT NULL,
	`cursor` text DEFAULT '{}' NOT NULL,
	`step_seq` integer DEFAULT 0 NOT NULL,
	`counts` text DEFAULT '{}' NOT NULL,
	`api_calls` text DEFAULT '{}' NOT NULL,
	`progress_done` integer DEFAULT 0 NOT NULL,
	`progress_total` integer DEFAULT 0 NOT NULL,
	`additions_only` integer DEFAULT false NOT NULL,
	`error_code` text,
	`error_message` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sync_id`) REFERENCES `syncs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `runs_sync_idx` ON `runs` (`sync_id`,`id`);--> statement-breakpoint
CREATE INDEX `runs_tenant_idx` ON `runs` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `runs_status_idx` ON `runs` (`status`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`tenant_id` integer NOT NULL,
	`csrf_token` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_tenant_idx` ON `sessions` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `sync_buckets` (
	`sync_id` integer NOT NULL,
	`bucket` integer NOT NULL,
	`segment_digest` text,
	`list_digest` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`sync_id`, `bucket`),
	FOREIGN KEY (`sync_id`) REFERENCES `syncs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `syncs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`unisender_account_id` integer NOT NULL,
	`all_customers` integer DEFAULT false NOT NULL,
	`segment_id` integer,
	`segment_code` text,
	`segment_name` text,
	`segment_is_dynamic` integer,
	`list_id` integer,
	`list_title` text NOT NULL,
	`create_list` integer DEFAULT false NOT NULL,
	`mode` text NOT NULL,
	`state` text DEFAULT 'active' NOT NULL,
	`paused_reason` text,
	`guard_percent` integer DEFAULT 25 NOT NULL,
	`guard_min_count` integer DEFAULT 100 NOT NULL,
	`next_run_at` integer,
	`last_full_run_at` integer,
	`last_seen_customers_count` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`unisender_account_id`) REFERENCES `unisender_accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `syncs_tenant_idx` ON `syncs` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `syncs_due_idx` ON `syncs` (`state`,`next_run_at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`system_url` text NOT NULL,
	`crm_api_key_enc` text NOT NULL,
	`client_id_hash` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`frozen` integer DEFAULT false NOT NULL,
	`broken_reason` text,
	`locale` text,
	`history_since_id` integer,
	`last_reconcile_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_system_url_uq` ON `tenants` (`system_url`);--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_client_id_hash_uq` ON `tenants` (`client_id_hash`);--> statement-breakpoint
CREATE TABLE `unisender_accounts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`login` text NOT NULL,
	`api_key_enc` text NOT NULL,
	`api_key_hint` text NOT NULL,
	`test_mode` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `unisender_accounts_tenant_idx` ON `unisender_accounts` (`tenant_id`);