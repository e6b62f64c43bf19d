CREATE TABLE `change_pages` (
	`tenant_id` integer NOT NULL,
	`up_to` integer NOT NULL,
	`from_id` integer NOT NULL,
	`item_count` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `up_to`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
