CREATE TABLE `kb_article_versions` (
	`article_id` text NOT NULL,
	`version` integer NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`category` text NOT NULL,
	`tags` text NOT NULL,
	`note` text NOT NULL,
	`edited_by` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`article_id`, `version`),
	FOREIGN KEY (`article_id`) REFERENCES `kb_articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `kb_articles` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`category` text NOT NULL,
	`tags` text NOT NULL,
	`status` text NOT NULL,
	`version` integer NOT NULL,
	`helpful_votes` integer NOT NULL,
	`not_helpful_votes` integer NOT NULL,
	`published_at` text,
	`archived_at` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `kb_articles_by_status` ON `kb_articles` (`status`,`category`);--> statement-breakpoint
CREATE TABLE `kb_votes` (
	`article_id` text NOT NULL,
	`voter` text NOT NULL,
	`helpful` integer NOT NULL,
	`voted_at` text NOT NULL,
	PRIMARY KEY(`article_id`, `voter`),
	FOREIGN KEY (`article_id`) REFERENCES `kb_articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `ticket_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`author` text NOT NULL,
	`author_kind` text NOT NULL,
	`visibility` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ticket_comments_by_ticket` ON `ticket_comments` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ticket_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`details` text NOT NULL,
	`actor` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`ticket_id`) REFERENCES `tickets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ticket_events_by_ticket` ON `ticket_events` (`ticket_id`,`at`,`id`);