CREATE TABLE `onboarding_plan_status_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`plan_id` text NOT NULL,
	`account_id` text NOT NULL,
	`from_status` text NOT NULL,
	`to_status` text NOT NULL,
	`reason` text NOT NULL,
	`shifted_days` integer NOT NULL,
	`changed_by` text NOT NULL,
	`changed_at` text NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `onboarding_plans`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `onboarding_plan_status_changes_by_plan` ON `onboarding_plan_status_changes` (`plan_id`,`changed_at`);--> statement-breakpoint
CREATE INDEX `onboarding_plan_status_changes_by_time` ON `onboarding_plan_status_changes` (`to_status`,`changed_at`);--> statement-breakpoint
ALTER TABLE `product_insights` ADD `priority` text;