CREATE TABLE `registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`system_url` text NOT NULL,
	`outcome` text NOT NULL,
	`tenant_id` integer,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `registrations_url_at_idx` ON `registrations` (`system_url`,`at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `pending_system_url` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `pending_system_url_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `crm_key_hash` text;