CREATE TABLE `mixpanel_cohort_members` (
	`cohort_id` text NOT NULL,
	`member_key` text NOT NULL,
	`distinct_id` text,
	`email` text,
	`account_id` text,
	`contact_id` text,
	`session` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`cohort_id`, `member_key`),
	FOREIGN KEY (`cohort_id`) REFERENCES `mixpanel_cohorts`(`cohort_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `mixpanel_cohort_members_by_account` ON `mixpanel_cohort_members` (`account_id`);--> statement-breakpoint
CREATE TABLE `mixpanel_cohorts` (
	`cohort_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`segment_id` text,
	`members_session` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE set null
);
