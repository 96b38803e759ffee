import { z } from "zod";
import { ACCOUNT_STATUSES, LIFECYCLE_STAGES, TIERS } from "../db/accounts";

/**
 * What a CSV row of each kind may hold, as zod schemas over the cells' text. A cell left
 * empty is "not given": on a new record the field's default applies, on an existing record
 * the stored value is kept (an import never blanks a field).
 *
 * Spellings accepted:
 * - dates: YYYY-MM-DD only (a real calendar date), because 03/04/2026 means two different days
 *   depending on who exported it;
 * - numbers: 12000, 12000.50, -3, an optional leading $, € or £, and commas only as thousands
 *   separators in groups of three (12,000.50; 1,234,567). A comma is never a decimal point, so
 *   "12,5" and "1.234,56" are refused rather than guessed;
 * - booleans: true/false, yes/no, y/n, 1/0 (any case);
 * - choices (tier, status, role…): any case, with spaces or hyphens for underscores ("At Risk").
 */

export const IMPORT_KINDS = ["accounts", "contacts", "contracts", "invoices"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const CONTACT_ROLES = ["executive", "decision_maker", "champion", "user", "billing", "technical"] as const;
export const CONTACT_STATUSES = ["active", "left"] as const;
export const CONTRACT_STATUSES = ["active", "expired", "renewed", "cancelled"] as const;
export const RENEWAL_STATUSES = ["not_started", "in_progress", "renewed", "churned"] as const;
export const INVOICE_STATUSES = ["open", "paid", "failed", "void"] as const;

function cell(required: boolean) {
  return z.string({ error: (issue) => (issue.input === undefined ? (required ? "is required; fill in this cell" : undefined) : undefined) });
}

function textCell(max: number, required = false) {
  return cell(required).max(max, `must be at most ${max} characters`);
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function dateCell(required = false) {
  return cell(required).refine(isCalendarDate, "must be a date written YYYY-MM-DD, e.g. 2027-01-31");
}

/** "12,000.50" → 12000.5; null when the text is not a number this importer reads unambiguously. */
export function parseNumber(text: string): number | null {
  const plain = text.replace(/^([-]?)[$€£]\s*/, "$1").trim();
  if (/^-?\d+(\.\d+)?$/.test(plain)) return Number(plain);
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(plain)) return Number(plain.replaceAll(",", ""));
  return null;
}

const NUMBER_HINT = "must be a number such as 12000 or 12,000.50 (commas only between groups of three digits; a comma is never a decimal point)";

function numberCell(required = false) {
  return cell(required).transform((text, context) => {
    const value = parseNumber(text);
    if (value === null || !Number.isFinite(value)) {
      context.addIssue({ code: "custom", message: NUMBER_HINT });
      return z.NEVER;
    }
    if (value < 0) {
      context.addIssue({ code: "custom", message: "must be zero or more" });
      return z.NEVER;
    }
    return value;
  });
}

function integerCell() {
  return numberCell().refine((value) => Number.isInteger(value), "must be a whole number");
}

const TRUE_WORDS = new Set(["true", "yes", "y", "1"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0"]);

function booleanCell() {
  return cell(false).transform((text, context) => {
    const word = text.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    context.addIssue({ code: "custom", message: "must be true or false (yes/no and 1/0 are accepted too)" });
    return z.NEVER;
  });
}

function choiceCell<const T extends readonly [string, ...string[]]>(values: T) {
  return cell(false)
    .transform((text) => text.trim().toLowerCase().replace(/[\s-]+/g, "_"))
    .pipe(z.enum(values, { message: `must be one of ${values.join(", ")}` }));
}

const emailCell = cell(false).pipe(z.email({ message: "must be an email address such as jane@example.com" }));
const externalId = textCell(200, true).min(1, "is required; fill in this cell");

const accountReference = {
  account_external_id: textCell(200),
  client_id: textCell(100),
};

function requireAccountReference(row: { account_external_id?: string; client_id?: string }): boolean {
  return row.account_external_id !== undefined || row.client_id !== undefined;
}

const ACCOUNT_REFERENCE_MESSAGE = "is required; give the account's external id (or its client_id in a client_id column)";

export const accountRow = z.object({
  external_id: externalId,
  name: textCell(200),
  company_name: textCell(200),
  industry: textCell(100),
  tier: choiceCell(TIERS),
  status: choiceCell(ACCOUNT_STATUSES),
  lifecycle_stage: choiceCell(LIFECYCLE_STAGES),
  contract_value: numberCell(),
  contract_start_date: dateCell(),
  contract_end_date: dateCell(),
  renewal_date: dateCell(),
  primary_contact_name: textCell(200),
  primary_contact_email: emailCell,
  csm_assigned: textCell(200),
}).partial({
  name: true,
  company_name: true,
  industry: true,
  tier: true,
  status: true,
  lifecycle_stage: true,
  contract_value: true,
  contract_start_date: true,
  contract_end_date: true,
  renewal_date: true,
  primary_contact_name: true,
  primary_contact_email: true,
  csm_assigned: true,
});

export const contactRow = z
  .object({
    external_id: externalId,
    ...accountReference,
    name: textCell(200, true),
    email: emailCell,
    title: textCell(200),
    role: choiceCell(CONTACT_ROLES),
    is_primary: booleanCell(),
    status: choiceCell(CONTACT_STATUSES),
  })
  .partial({ account_external_id: true, client_id: true, email: true, title: true, role: true, is_primary: true, status: true })
  .refine(requireAccountReference, { path: ["account_external_id"], message: ACCOUNT_REFERENCE_MESSAGE });

export const contractRow = z
  .object({
    external_id: externalId,
    ...accountReference,
    start_date: dateCell(true),
    end_date: dateCell(true),
    renewal_date: dateCell(),
    annual_value: numberCell(true),
    seats: integerCell(),
    auto_renew: booleanCell(),
    status: choiceCell(CONTRACT_STATUSES),
    renewal_status: choiceCell(RENEWAL_STATUSES),
  })
  .partial({ account_external_id: true, client_id: true, renewal_date: true, seats: true, auto_renew: true, status: true, renewal_status: true })
  .refine(requireAccountReference, { path: ["account_external_id"], message: ACCOUNT_REFERENCE_MESSAGE })
  .refine((row) => row.end_date > row.start_date, { path: ["end_date"], message: "must be after start_date" });

export const invoiceRow = z
  .object({
    external_id: externalId,
    ...accountReference,
    contract_external_id: textCell(200),
    number: textCell(100),
    amount: numberCell(true),
    currency: cell(false)
      .transform((text) => text.trim().toUpperCase())
      .pipe(z.string().regex(/^[A-Z]{3}$/, "must be a three-letter ISO 4217 code such as USD or EUR")),
    issued_on: dateCell(true),
    due_on: dateCell(true),
    paid_on: dateCell(),
    status: choiceCell(INVOICE_STATUSES),
  })
  .partial({ account_external_id: true, client_id: true, contract_external_id: true, number: true, currency: true, paid_on: true, status: true })
  .refine(requireAccountReference, { path: ["account_external_id"], message: ACCOUNT_REFERENCE_MESSAGE })
  .refine((row) => row.due_on >= row.issued_on, { path: ["due_on"], message: "must be on or after issued_on" });

export type AccountImportRow = z.output<typeof accountRow>;
export type ContactImportRow = z.output<typeof contactRow>;
export type ContractImportRow = z.output<typeof contractRow>;
export type InvoiceImportRow = z.output<typeof invoiceRow>;

export const ROW_SCHEMAS = { accounts: accountRow, contacts: contactRow, contracts: contractRow, invoices: invoiceRow } as const;

/** A validated row with its spreadsheet row number, as the Tenant object applies it. */
export interface Numbered<T> {
  row: number;
  values: T;
}

/** One chunk of validated rows of one kind, sent to the Tenant object in one RPC. */
export type ImportBatch =
  | { kind: "accounts"; rows: Numbered<AccountImportRow>[] }
  | { kind: "contacts"; rows: Numbered<ContactImportRow>[] }
  | { kind: "contracts"; rows: Numbered<ContractImportRow>[] }
  | { kind: "invoices"; rows: Numbered<InvoiceImportRow>[] };

export interface FieldSpec {
  name: string;
  description: string;
  /** Other header spellings that map to this field without a mapping. */
  aliases?: readonly string[];
}

const ACCOUNT_REF_FIELDS: FieldSpec[] = [
  { name: "account_external_id", description: "The external id of the account (imported before); this or client_id is required", aliases: ["account_id"] },
  { name: "client_id", description: "Our id of the account (cs_…), instead of account_external_id" },
];

/** Every field of each kind, in the order the docs list them. */
export const FIELDS: Record<ImportKind, readonly FieldSpec[]> = {
  accounts: [
    { name: "external_id", description: "Your id for the account (CRM id); required, unique; re-importing it updates the account" },
    { name: "name", description: "Account name; required for a new account unless company_name is given", aliases: ["client_name", "account_name"] },
    { name: "company_name", description: "Legal company name; defaults to name", aliases: ["company"] },
    { name: "industry", description: "Defaults to Technology" },
    { name: "tier", description: `${TIERS.join(", ")}; defaults to standard` },
    { name: "status", description: `${ACCOUNT_STATUSES.join(", ")}; defaults to active` },
    { name: "lifecycle_stage", description: `${LIFECYCLE_STAGES.join(", ")}; defaults to onboarding`, aliases: ["stage"] },
    { name: "contract_value", description: "Annual contract value (ARR); defaults to 0", aliases: ["arr"] },
    { name: "contract_start_date", description: "YYYY-MM-DD; defaults to the import day" },
    { name: "contract_end_date", description: "YYYY-MM-DD; defaults to one year after the start" },
    { name: "renewal_date", description: "YYYY-MM-DD; defaults to contract_end_date" },
    { name: "primary_contact_name", description: "Name of the main contact" },
    { name: "primary_contact_email", description: "Email of the main contact" },
    { name: "csm_assigned", description: "The CSM who owns the account (name or email)", aliases: ["csm"] },
  ],
  contacts: [
    { name: "external_id", description: "Your id for the contact; required, unique" },
    ...ACCOUNT_REF_FIELDS,
    { name: "name", description: "Full name; required" },
    { name: "email", description: "Email address" },
    { name: "title", description: "Job title" },
    { name: "role", description: `${CONTACT_ROLES.join(", ")}; defaults to user` },
    { name: "is_primary", description: "true/false; defaults to false", aliases: ["primary"] },
    { name: "status", description: `${CONTACT_STATUSES.join(", ")}; defaults to active` },
  ],
  contracts: [
    { name: "external_id", description: "Your id for the contract; required, unique" },
    ...ACCOUNT_REF_FIELDS,
    { name: "start_date", description: "YYYY-MM-DD; required" },
    { name: "end_date", description: "YYYY-MM-DD, after start_date; required" },
    { name: "renewal_date", description: "YYYY-MM-DD; defaults to end_date" },
    { name: "annual_value", description: "Annual recurring value; required", aliases: ["arr", "value"] },
    { name: "seats", description: "Licensed seats (whole number)" },
    { name: "auto_renew", description: "true/false; defaults to false" },
    { name: "status", description: `${CONTRACT_STATUSES.join(", ")}; defaults to active` },
    { name: "renewal_status", description: `${RENEWAL_STATUSES.join(", ")}; defaults to not_started` },
  ],
  invoices: [
    { name: "external_id", description: "Your id for the invoice; required, unique" },
    ...ACCOUNT_REF_FIELDS,
    { name: "contract_external_id", description: "External id of the contract it bills (imported before, same account)" },
    { name: "number", description: "Invoice number as printed", aliases: ["invoice_number"] },
    { name: "amount", description: "Amount; required" },
    { name: "currency", description: "ISO 4217 code; defaults to USD" },
    { name: "issued_on", description: "YYYY-MM-DD; required", aliases: ["issue_date"] },
    { name: "due_on", description: "YYYY-MM-DD, on or after issued_on; required", aliases: ["due_date"] },
    { name: "paid_on", description: "YYYY-MM-DD; empty while unpaid", aliases: ["paid_date"] },
    { name: "status", description: `${INVOICE_STATUSES.join(", ")}; defaults to paid when paid_on is set, else open` },
  ],
};

/**
 * Columns a file must have, checked before any row is read. Each entry lists alternatives:
 * one of them must be a column.
 */
export const REQUIRED_COLUMNS: Record<ImportKind, readonly (readonly string[])[]> = {
  accounts: [["external_id"]],
  contacts: [["external_id"], ["account_external_id", "client_id"], ["name"]],
  contracts: [["external_id"], ["account_external_id", "client_id"], ["start_date"], ["end_date"], ["annual_value"]],
  invoices: [["external_id"], ["account_external_id", "client_id"], ["amount"], ["issued_on"], ["due_on"]],
};
