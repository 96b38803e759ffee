CREATE TABLE `account_events` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`occurred_at` text NOT NULL,
	`event_type` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`impact` text NOT NULL,
	`actor` text NOT NULL,
	`metadata` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `events_by_account_time` ON `account_events` (`account_id`,`occurred_at`,`id`);--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`company_name` text NOT NULL,
	`industry` text NOT NULL,
	`tier` text NOT NULL,
	`status` text NOT NULL,
	`lifecycle_stage` text NOT NULL,
	`contract_value` real NOT NULL,
	`contract_start_date` text NOT NULL,
	`contract_end_date` text NOT NULL,
	`renewal_date` text NOT NULL,
	`primary_contact_name` text,
	`primary_contact_email` text,
	`csm_assigned` text,
	`external_id` text,
	`health_score` real,
	`health_trend` text,
	`health_computed_at` text,
	`last_engagement_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `accounts_by_name` ON `accounts` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `accounts_by_tier` ON `accounts` (`tier`);--> statement-breakpoint
CREATE INDEX `accounts_by_stage` ON `accounts` (`lifecycle_stage`);--> statement-breakpoint
CREATE INDEX `accounts_by_status` ON `accounts` (`status`);--> statement-breakpoint
CREATE INDEX `accounts_by_csm` ON `accounts` (`csm_assigned`);--> statement-breakpoint
CREATE INDEX `accounts_by_renewal` ON `accounts` (`renewal_date`,`id`);--> statement-breakpoint
CREATE INDEX `accounts_by_value` ON `accounts` (`contract_value`,`id`);--> statement-breakpoint
CREATE INDEX `accounts_by_health` ON `accounts` (`health_score`,`id`);--> statement-breakpoint
CREATE INDEX `accounts_by_created` ON `accounts` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `accounts_by_external_id` ON `accounts` (`external_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`occurred_at` text NOT NULL,
	`user_id` text NOT NULL,
	`via` text NOT NULL,
	`action` text NOT NULL,
	`target_id` text,
	`details` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_by_time` ON `audit_log` (`occurred_at`);--> statement-breakpoint
CREATE INDEX `audit_by_user` ON `audit_log` (`user_id`,`occurred_at`);