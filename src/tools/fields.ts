import { z } from "zod";

/** Input fields several tool families share, so their rules and messages read the same everywhere. */

export const clientId = z
  .string()
  .min(1, "client_id is required")
  .max(100, "client_id is at most 100 characters")
  .regex(/^[a-zA-Z0-9_-]+$/, "client_id holds only letters, digits, _ and - (as returned by register_client or list_clients)")
  .describe("The account's id, as returned by register_client or list_clients");

export const isoDate = z.iso.date({ message: "must be a date written YYYY-MM-DD, e.g. 2027-01-31" });
