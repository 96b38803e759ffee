CREATE TABLE `advocacy_activities` (
	`id` text PRIMARY KEY NOT NULL,
	`advocate_id` text NOT NULL,
	`account_id` text NOT NULL,
	`activity_type` text NOT NULL,
	`details` text NOT NULL,
	`base_points` integer NOT NULL,
	`multiplier` real NOT NULL,
	`points` integer NOT NULL,
	`occurred_at` text NOT NULL,
	`recorded_by` text NOT NULL,
	FOREIGN KEY (`advocate_id`) REFERENCES `advocates`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `advocacy_activities_by_advocate` ON `advocacy_activities` (`advocate_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `advocates` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`tier` text NOT NULL,
	`points` integer NOT NULL,
	`enrolled_at` text NOT NULL,
	`enrolled_by` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `advocates_by_points` ON `advocates` (`points`);--> statement-breakpoint
CREATE INDEX `advocates_by_contact` ON `advocates` (`contact_id`);--> statement-breakpoint
CREATE TABLE `business_reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`review_type` text NOT NULL,
	`scheduled_for` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`attendees` text NOT NULL,
	`agenda` text NOT NULL,
	`objectives` text NOT NULL,
	`status` text NOT NULL,
	`summary` text,
	`satisfaction_rating` integer,
	`next_review_date` text,
	`completed_at` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `business_reviews_by_account` ON `business_reviews` (`account_id`,`scheduled_for`);--> statement-breakpoint
CREATE TABLE `campaign_recipients` (
	`campaign_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`account_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`missing_tokens` text NOT NULL,
	`status` text NOT NULL,
	PRIMARY KEY(`campaign_id`, `contact_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `campaign_recipients_by_account` ON `campaign_recipients` (`account_id`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`template_type` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`sender_email` text,
	`target` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`scheduled_for` text,
	`recipient_count` integer NOT NULL,
	`account_count` integer NOT NULL,
	`source` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `campaigns_by_created` ON `campaigns` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `newsletters` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`subject` text NOT NULL,
	`sections` text NOT NULL,
	`audience` text NOT NULL,
	`recipient_count` integer NOT NULL,
	`account_count` integer NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`scheduled_for` text,
	`recurrence` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `workflow_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`account_id` text NOT NULL,
	`event_key` text NOT NULL,
	`fired_at` text NOT NULL,
	`result` text NOT NULL,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workflow_runs_once` ON `workflow_runs` (`workflow_id`,`account_id`,`event_key`);--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`trigger` text NOT NULL,
	`conditions` text,
	`actions` text NOT NULL,
	`enabled` integer NOT NULL,
	`run_count` integer NOT NULL,
	`last_run_at` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workflows_name_unique` ON `workflows` (`name`);