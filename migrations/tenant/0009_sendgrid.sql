CREATE TABLE `email_suppressions` (
	`email` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`detail` text,
	`source` text NOT NULL,
	`event_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
