CREATE TABLE `account_features` (
	`account_id` text PRIMARY KEY NOT NULL,
	`active_users` real,
	`licensed_seats` real,
	`logins_30d` real,
	`features_used` real,
	`features_available` real,
	`days_since_last_touch` real,
	`email_open_rate` real,
	`email_click_rate` real,
	`message_reply_rate` real,
	`open_tickets` real,
	`tickets_90d` real,
	`high_severity_tickets_90d` real,
	`sla_breaches_90d` real,
	`oldest_open_ticket_age_days` real,
	`nps` real,
	`csat` real,
	`ces` real,
	`invoices_paid_late` real,
	`max_days_late` real,
	`failed_payments` real,
	`overdue_amount` real,
	`annual_contract_value` real,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `health_snapshots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`computed_at` text NOT NULL,
	`score` real,
	`band` text,
	`coverage` real NOT NULL,
	`components` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `snapshots_by_account_time` ON `health_snapshots` (`account_id`,`computed_at`);--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`account_id` text NOT NULL,
	`day` text NOT NULL,
	`active_users` integer NOT NULL,
	`sessions` integer NOT NULL,
	`events` integer NOT NULL,
	`features_used` integer NOT NULL,
	PRIMARY KEY(`account_id`, `day`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
