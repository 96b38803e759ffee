CREATE TABLE `certifications` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`email` text NOT NULL,
	`level` text NOT NULL,
	`score` real NOT NULL,
	`pass_mark` real NOT NULL,
	`issued_on` text NOT NULL,
	`expires_on` text NOT NULL,
	`revoked_on` text,
	`revoke_reason` text,
	`issued_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `certifications_by_account` ON `certifications` (`account_id`,`email`);--> statement-breakpoint
CREATE INDEX `certifications_by_email` ON `certifications` (`email`,`level`);--> statement-breakpoint
CREATE TABLE `onboarding_milestones` (
	`id` text PRIMARY KEY NOT NULL,
	`plan_id` text NOT NULL,
	`account_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`owner` text NOT NULL,
	`due_date` text NOT NULL,
	`estimated_hours` real NOT NULL,
	`first_value` integer NOT NULL,
	`status` text NOT NULL,
	`blocker` text,
	`completed_on` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `onboarding_plans`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `onboarding_milestones_by_plan` ON `onboarding_milestones` (`plan_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `onboarding_milestones_by_due` ON `onboarding_milestones` (`status`,`due_date`);--> statement-breakpoint
CREATE TABLE `onboarding_plans` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`template` text NOT NULL,
	`tier` text NOT NULL,
	`team_size` integer NOT NULL,
	`complexity` text NOT NULL,
	`goals` text NOT NULL,
	`success_criteria` text NOT NULL,
	`status` text NOT NULL,
	`start_date` text NOT NULL,
	`target_date` text NOT NULL,
	`time_to_value_target_days` integer NOT NULL,
	`completed_on` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `onboarding_plans_by_account` ON `onboarding_plans` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `training_attendees` (
	`session_id` text NOT NULL,
	`email` text NOT NULL,
	`attended` integer,
	`score` real,
	`passed` integer,
	`feedback_rating` integer,
	`recorded_at` text,
	PRIMARY KEY(`session_id`, `email`),
	FOREIGN KEY (`session_id`) REFERENCES `training_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `training_attendees_by_email` ON `training_attendees` (`email`);--> statement-breakpoint
CREATE TABLE `training_modules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`level` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`pass_mark` real NOT NULL,
	`max_attempts` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `training_modules_by_name` ON `training_modules` (`name`);--> statement-breakpoint
CREATE TABLE `training_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`module_id` text NOT NULL,
	`account_id` text NOT NULL,
	`format` text NOT NULL,
	`scheduled_at` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`trainer` text,
	`recording_enabled` integer NOT NULL,
	`status` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`module_id`) REFERENCES `training_modules`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `training_sessions_by_account` ON `training_sessions` (`account_id`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `training_sessions_by_module` ON `training_sessions` (`module_id`);