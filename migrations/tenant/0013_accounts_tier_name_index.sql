DROP INDEX `accounts_by_tier`;--> statement-breakpoint
CREATE INDEX `accounts_by_tier` ON `accounts` (`tier`,`name`,`id`);