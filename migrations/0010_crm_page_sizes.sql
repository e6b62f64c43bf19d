ALTER TABLE `tenants` ADD `crm_customers_page` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `crm_history_page` integer;