CREATE TABLE `survey_recipients` (
	`id` text PRIMARY KEY NOT NULL,
	`send_id` text NOT NULL,
	`template_id` text NOT NULL,
	`account_id` text NOT NULL,
	`contact_id` text,
	`email` text NOT NULL,
	`status` text NOT NULL,
	`token_hash` text,
	`sent_at` text,
	`expires_at` text NOT NULL,
	`answered_at` text,
	`answers` text,
	`feedback_id` text,
	FOREIGN KEY (`send_id`) REFERENCES `survey_sends`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `survey_recipients_by_token` ON `survey_recipients` (`token_hash`);--> statement-breakpoint
CREATE INDEX `survey_recipients_by_send` ON `survey_recipients` (`send_id`);--> statement-breakpoint
CREATE INDEX `survey_recipients_by_template` ON `survey_recipients` (`template_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `survey_recipients_by_contact` ON `survey_recipients` (`contact_id`,`template_id`);--> statement-breakpoint
CREATE TABLE `survey_sends` (
	`id` text PRIMARY KEY NOT NULL,
	`template_id` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text NOT NULL,
	`job_id` text,
	`target` text NOT NULL,
	`recipients` integer NOT NULL,
	`expires_at` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`template_id`) REFERENCES `survey_templates`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `survey_sends_by_template` ON `survey_sends` (`template_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `survey_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`questions` text NOT NULL,
	`frequency` text NOT NULL,
	`archived` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `survey_templates_name_unique` ON `survey_templates` (`name`);--> statement-breakpoint
CREATE INDEX `survey_templates_by_archived` ON `survey_templates` (`archived`,`name`);