CREATE TABLE `email_sends` (
	`job_id` text PRIMARY KEY NOT NULL,
	`source_kind` text NOT NULL,
	`source_id` text,
	`account_id` text,
	`recipients` integer NOT NULL,
	`suppressed` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`job_id`) REFERENCES `integration_jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_sends_by_source` ON `email_sends` (`source_kind`,`source_id`);--> statement-breakpoint
CREATE TABLE `email_suppressions` (
	`email` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	`source` text NOT NULL,
	`event_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
