CREATE TABLE `product_insight_feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`insight_id` text NOT NULL,
	`feedback_id` text NOT NULL,
	FOREIGN KEY (`insight_id`) REFERENCES `product_insights`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`feedback_id`) REFERENCES `feedback`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `product_insight_feedback_by_insight` ON `product_insight_feedback` (`insight_id`);--> statement-breakpoint
CREATE INDEX `product_insight_feedback_by_feedback` ON `product_insight_feedback` (`feedback_id`);--> statement-breakpoint
CREATE TABLE `product_insights` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`category` text NOT NULL,
	`status` text NOT NULL,
	`theme` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `product_insights_by_status` ON `product_insights` (`status`,`created_at`);