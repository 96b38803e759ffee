CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`external_id` text,
	`name` text NOT NULL,
	`email` text,
	`title` text,
	`role` text NOT NULL,
	`is_primary` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contacts_by_account` ON `contacts` (`account_id`,`name`);--> statement-breakpoint
CREATE INDEX `contacts_by_email` ON `contacts` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_by_external_id` ON `contacts` (`external_id`);--> statement-breakpoint
CREATE TABLE `contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`external_id` text,
	`start_date` text NOT NULL,
	`end_date` text NOT NULL,
	`renewal_date` text NOT NULL,
	`annual_value` real NOT NULL,
	`seats` integer,
	`auto_renew` integer NOT NULL,
	`status` text NOT NULL,
	`renewal_status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contracts_by_account` ON `contracts` (`account_id`,`start_date`);--> statement-breakpoint
CREATE INDEX `contracts_by_renewal` ON `contracts` (`renewal_date`);--> statement-breakpoint
CREATE UNIQUE INDEX `contracts_by_external_id` ON `contracts` (`external_id`);--> statement-breakpoint
CREATE TABLE `escalations` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`ticket_id` text,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`owner` text,
	`status` text NOT NULL,
	`opened_at` text NOT NULL,
	`acknowledged_at` text,
	`resolve_by` text NOT NULL,
	`resolved_at` text,
	`resolution` text,
	`created_by` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `escalations_by_status` ON `escalations` (`status`,`resolve_by`);--> statement-breakpoint
CREATE INDEX `escalations_by_account` ON `escalations` (`account_id`,`opened_at`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`contact_id` text,
	`external_id` text,
	`kind` text NOT NULL,
	`score` real,
	`text` text,
	`sentiment` real,
	`source` text NOT NULL,
	`submitted_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `feedback_by_account_time` ON `feedback` (`account_id`,`submitted_at`);--> statement-breakpoint
CREATE INDEX `feedback_by_kind_time` ON `feedback` (`kind`,`submitted_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_by_external_id` ON `feedback` (`external_id`);--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`contract_id` text,
	`external_id` text,
	`number` text,
	`amount` real NOT NULL,
	`currency` text NOT NULL,
	`issued_on` text NOT NULL,
	`due_on` text NOT NULL,
	`paid_on` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `invoices_by_account` ON `invoices` (`account_id`,`due_on`);--> statement-breakpoint
CREATE INDEX `invoices_by_status` ON `invoices` (`status`,`due_on`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_by_external_id` ON `invoices` (`external_id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL,
	`account_id` text NOT NULL,
	`external_id` text,
	`amount` real NOT NULL,
	`attempted_at` text NOT NULL,
	`status` text NOT NULL,
	`failure_reason` text,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `payments_by_account` ON `payments` (`account_id`,`attempted_at`);--> statement-breakpoint
CREATE INDEX `payments_by_invoice` ON `payments` (`invoice_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_by_external_id` ON `payments` (`external_id`);--> statement-breakpoint
CREATE TABLE `playbooks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`trigger` text NOT NULL,
	`action` text NOT NULL,
	`enabled` integer NOT NULL,
	`last_run_at` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `playbooks_name_unique` ON `playbooks` (`name`);--> statement-breakpoint
CREATE TABLE `segments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`rule` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_name_unique` ON `segments` (`name`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`owner` text,
	`due_date` text,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`dedupe_key` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tasks_by_status_due` ON `tasks` (`status`,`due_date`);--> statement-breakpoint
CREATE INDEX `tasks_by_account` ON `tasks` (`account_id`,`status`);--> statement-breakpoint
CREATE INDEX `tasks_by_owner` ON `tasks` (`owner`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_by_dedupe_key` ON `tasks` (`dedupe_key`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`external_id` text,
	`subject` text NOT NULL,
	`description` text NOT NULL,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`category` text NOT NULL,
	`assignee` text,
	`requester_contact_id` text,
	`opened_at` text NOT NULL,
	`first_response_at` text,
	`solved_at` text,
	`closed_at` text,
	`first_response_due_at` text,
	`resolution_due_at` text,
	`sla_breached` integer NOT NULL,
	`satisfaction` integer,
	`source` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requester_contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `tickets_by_account_time` ON `tickets` (`account_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `tickets_by_status` ON `tickets` (`status`,`priority`);--> statement-breakpoint
CREATE INDEX `tickets_by_assignee` ON `tickets` (`assignee`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_by_external_id` ON `tickets` (`external_id`);--> statement-breakpoint
CREATE TABLE `touchpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`contact_id` text,
	`external_id` text,
	`kind` text NOT NULL,
	`direction` text NOT NULL,
	`subject` text NOT NULL,
	`occurred_at` text NOT NULL,
	`opened_at` text,
	`clicked_at` text,
	`replied_at` text,
	`source` text NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `touchpoints_by_account_time` ON `touchpoints` (`account_id`,`occurred_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `touchpoints_by_external_id` ON `touchpoints` (`external_id`);--> statement-breakpoint
CREATE TABLE `usage_daily_users` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`user_key` text NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `user_key`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `usage_events` (
	`message_id` text PRIMARY KEY NOT NULL,
	`account_id` text,
	`account_ref` text NOT NULL,
	`type` text NOT NULL,
	`event` text,
	`user_id` text,
	`anonymous_id` text,
	`properties` text NOT NULL,
	`occurred_at` text NOT NULL,
	`received_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `usage_events_by_account_time` ON `usage_events` (`account_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `usage_events_pending` ON `usage_events` (`account_ref`) WHERE account_id IS NULL;--> statement-breakpoint
CREATE INDEX `usage_events_by_received` ON `usage_events` (`received_at`);--> statement-breakpoint
CREATE TABLE `usage_feature_daily` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`feature` text NOT NULL,
	`events` integer NOT NULL,
	`users` integer NOT NULL,
	PRIMARY KEY(`account_id`, `day`, `feature`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `feature_daily_by_feature` ON `usage_feature_daily` (`feature`,`day`);