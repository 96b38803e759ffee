CREATE TABLE `integration_deliveries` (
	`idempotency_key` text PRIMARY KEY NOT NULL,
	`job_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`payload` text NOT NULL,
	`items` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`provider_ref` text,
	`last_error` text,
	`detail` text,
	`enqueued_at` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `integration_jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `integration_deliveries_by_job` ON `integration_deliveries` (`job_id`,`status`);--> statement-breakpoint
CREATE INDEX `integration_deliveries_by_status` ON `integration_deliveries` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `integration_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`operation` text NOT NULL,
	`description` text NOT NULL,
	`items_total` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `integration_jobs_by_time` ON `integration_jobs` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `integration_links` (
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`account_id` text,
	`contact_id` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`provider`, `kind`, `external_id`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `integration_links_by_account` ON `integration_links` (`account_id`);--> statement-breakpoint
CREATE TABLE `integrations` (
	`provider` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`sealed_secrets` text NOT NULL,
	`secret_hints` text NOT NULL,
	`last_test_at` text,
	`last_test_ok` integer,
	`last_test_message` text,
	`connected_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_receipts` (
	`provider` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`effect` text NOT NULL,
	`received_at` text NOT NULL,
	PRIMARY KEY(`provider`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `webhook_receipts_by_time` ON `webhook_receipts` (`received_at`);