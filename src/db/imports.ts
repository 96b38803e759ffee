import { eq, sql } from "drizzle-orm";
import { AccountError, appendEvent, createAccount, newId, updateAccount, type AccountChanges, type TenantDb } from "./accounts";
import { accounts, contacts, contracts, invoices } from "./tenant-schema";
import type { RowError } from "../import/columns";
import type {
  AccountImportRow,
  ContactImportRow,
  ContractImportRow,
  ImportBatch,
  InvoiceImportRow,
} from "../import/rows";

/**
 * Applies one chunk of validated import rows inside the caller's transaction, idempotent on
 * external_id: a new id creates a record, a known one updates only the fields that differ.
 * A row that cannot be applied (an unknown account, a contract of another account) is
 * reported with its row number and skipped before anything of it is written.
 */

export interface ImportChunkResult {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  /** Accounts whose facts changed, for factsChanged. */
  touchedAccounts: string[];
}

type Outcome = "created" | "updated" | "unchanged";

/** Thrown for one row; the chunk goes on with the next. */
class RowRefusal extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

const MS_PER_DAY = 86_400_000;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The fields of `wanted` that are given and differ from `before`. */
function differences<T extends object>(before: T, wanted: Partial<T>): Partial<T> {
  const patch: Partial<T> = {};
  for (const key of Object.keys(wanted) as (keyof T)[]) {
    const value = wanted[key];
    if (value !== undefined && before[key] !== value) patch[key] = value;
  }
  return patch;
}

function compileLookups(db: TenantDb) {
  return {
    accountById: db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, sql.placeholder("id"))).prepare(),
    accountByExternalId: db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.externalId, sql.placeholder("externalId")))
      .prepare(),
    contactByExternalId: db.select().from(contacts).where(eq(contacts.externalId, sql.placeholder("externalId"))).prepare(),
    contractByExternalId: db.select().from(contracts).where(eq(contracts.externalId, sql.placeholder("externalId"))).prepare(),
    invoiceByExternalId: db.select().from(invoices).where(eq(invoices.externalId, sql.placeholder("externalId"))).prepare(),
  };
}

type Lookups = ReturnType<typeof compileLookups>;

/** The account a row names, by client_id or account_external_id; refuses the row when there is none. */
function resolveAccount(lookups: Lookups, row: { account_external_id?: string; client_id?: string }): string {
  let byId: string | undefined;
  if (row.client_id !== undefined) {
    byId = lookups.accountById.get({ id: row.client_id })?.id;
    if (!byId) throw new RowRefusal("client_id", `no account with client_id "${row.client_id}" in this workspace`);
  }
  if (row.account_external_id !== undefined) {
    const byExternal = lookups.accountByExternalId.get({ externalId: row.account_external_id })?.id;
    if (!byExternal) {
      throw new RowRefusal(
        "account_external_id",
        `no account with external_id "${row.account_external_id}" in this workspace; import the accounts first`,
      );
    }
    if (byId && byId !== byExternal) {
      throw new RowRefusal("client_id", `client_id "${row.client_id}" and account_external_id "${row.account_external_id}" name different accounts`);
    }
    return byExternal;
  }
  if (!byId) throw new RowRefusal("account_external_id", "is required; give the account's external id or client_id");
  return byId;
}

function applyAccount(db: TenantDb, lookups: Lookups, values: AccountImportRow, actor: string, now: Date, touched: Set<string>): Outcome {
  const existing = lookups.accountByExternalId.get({ externalId: values.external_id });
  const changes: AccountChanges = {
    client_name: values.name,
    company_name: values.company_name,
    industry: values.industry,
    tier: values.tier,
    status: values.status,
    lifecycle_stage: values.lifecycle_stage,
    contract_value: values.contract_value,
    contract_start_date: values.contract_start_date,
    contract_end_date: values.contract_end_date,
    renewal_date: values.renewal_date,
    primary_contact_name: values.primary_contact_name,
    primary_contact_email: values.primary_contact_email,
    csm_assigned: values.csm_assigned,
  };
  if (existing) {
    const { changed } = updateAccount(db, existing.id, changes, actor, now);
    if (Object.keys(changed).length === 0) return "unchanged";
    touched.add(existing.id);
    return "updated";
  }
  const name = values.name ?? values.company_name;
  if (name === undefined) throw new RowRefusal("name", "is required for a new account; fill in name or company_name");
  const start = values.contract_start_date ?? now.toISOString().slice(0, 10);
  const account = createAccount(
    db,
    {
      client_name: name,
      company_name: values.company_name ?? name,
      industry: values.industry ?? "Technology",
      tier: values.tier ?? "standard",
      status: values.status,
      lifecycle_stage: values.lifecycle_stage,
      contract_value: values.contract_value ?? 0,
      contract_start_date: start,
      contract_end_date: values.contract_end_date ?? addDays(start, 365),
      renewal_date: values.renewal_date,
      primary_contact_name: values.primary_contact_name,
      primary_contact_email: values.primary_contact_email,
      csm_assigned: values.csm_assigned,
      external_id: values.external_id,
    },
    actor,
    now,
  );
  touched.add(account.client_id);
  return "created";
}

function applyContact(db: TenantDb, lookups: Lookups, values: ContactImportRow, now: Date, touched: Set<string>): Outcome {
  const accountId = resolveAccount(lookups, values);
  const existing = lookups.contactByExternalId.get({ externalId: values.external_id });
  const wanted = {
    accountId,
    name: values.name,
    email: values.email,
    title: values.title,
    role: values.role,
    isPrimary: values.is_primary,
    status: values.status,
  };
  if (existing) {
    const patch = differences(existing, wanted);
    if (Object.keys(patch).length === 0) return "unchanged";
    db.update(contacts)
      .set({ ...patch, updatedAt: now.toISOString() })
      .where(eq(contacts.id, existing.id))
      .run();
    touched.add(existing.accountId).add(accountId);
    return "updated";
  }
  db.insert(contacts)
    .values({
      id: newId("ct"),
      accountId,
      externalId: values.external_id,
      name: values.name,
      email: values.email ?? null,
      title: values.title ?? null,
      role: values.role ?? "user",
      isPrimary: values.is_primary ?? false,
      status: values.status ?? "active",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    })
    .run();
  touched.add(accountId);
  return "created";
}

function applyContract(db: TenantDb, lookups: Lookups, values: ContractImportRow, actor: string, now: Date, touched: Set<string>): Outcome {
  const accountId = resolveAccount(lookups, values);
  const existing = lookups.contractByExternalId.get({ externalId: values.external_id });
  const wanted = {
    accountId,
    startDate: values.start_date,
    endDate: values.end_date,
    renewalDate: values.renewal_date,
    annualValue: values.annual_value,
    seats: values.seats,
    autoRenew: values.auto_renew,
    status: values.status,
    renewalStatus: values.renewal_status,
  };
  if (existing) {
    const patch = differences(existing, wanted);
    if (Object.keys(patch).length === 0) return "unchanged";
    db.update(contracts)
      .set({ ...patch, updatedAt: now.toISOString() })
      .where(eq(contracts.id, existing.id))
      .run();
    touched.add(existing.accountId).add(accountId);
    return "updated";
  }
  const id = newId("ctr");
  db.insert(contracts)
    .values({
      id,
      accountId,
      externalId: values.external_id,
      startDate: values.start_date,
      endDate: values.end_date,
      renewalDate: values.renewal_date ?? values.end_date,
      annualValue: values.annual_value,
      seats: values.seats ?? null,
      autoRenew: values.auto_renew ?? false,
      status: values.status ?? "active",
      renewalStatus: values.renewal_status ?? "not_started",
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    })
    .run();
  appendEvent(
    db,
    accountId,
    actor,
    {
      event_type: "contract",
      title: "Contract imported",
      description: `Contract ${values.external_id} from ${values.start_date} to ${values.end_date} at ${values.annual_value} a year.`,
      impact: "neutral",
      metadata: { contract_id: id, external_id: values.external_id, annual_value: values.annual_value },
      occurred_at: `${values.start_date}T00:00:00.000Z`,
    },
    now,
  );
  touched.add(accountId);
  return "created";
}

function applyInvoice(db: TenantDb, lookups: Lookups, values: InvoiceImportRow, now: Date, touched: Set<string>): Outcome {
  const accountId = resolveAccount(lookups, values);
  let contractId: string | undefined;
  if (values.contract_external_id !== undefined) {
    const contract = lookups.contractByExternalId.get({ externalId: values.contract_external_id });
    if (!contract) {
      throw new RowRefusal("contract_external_id", `no contract with external_id "${values.contract_external_id}" in this workspace; import the contracts first`);
    }
    if (contract.accountId !== accountId) {
      throw new RowRefusal("contract_external_id", `contract "${values.contract_external_id}" belongs to another account than this invoice`);
    }
    contractId = contract.id;
  }
  const existing = lookups.invoiceByExternalId.get({ externalId: values.external_id });
  const wanted = {
    accountId,
    contractId,
    number: values.number,
    amount: values.amount,
    currency: values.currency,
    issuedOn: values.issued_on,
    dueOn: values.due_on,
    paidOn: values.paid_on,
    status: values.status,
  };
  if (existing) {
    const patch = differences(existing, wanted);
    if (Object.keys(patch).length === 0) return "unchanged";
    db.update(invoices)
      .set({ ...patch, updatedAt: now.toISOString() })
      .where(eq(invoices.id, existing.id))
      .run();
    touched.add(existing.accountId).add(accountId);
    return "updated";
  }
  db.insert(invoices)
    .values({
      id: newId("inv"),
      accountId,
      contractId: contractId ?? null,
      externalId: values.external_id,
      number: values.number ?? null,
      amount: values.amount,
      currency: values.currency ?? "USD",
      issuedOn: values.issued_on,
      dueOn: values.due_on,
      paidOn: values.paid_on ?? null,
      status: values.status ?? (values.paid_on ? "paid" : "open"),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    })
    .run();
  touched.add(accountId);
  return "created";
}

/** A field name for an AccountError raised by the account functions. */
function fieldOf(message: string): string | null {
  const match = /^(contract_end_date|contract_start_date|external_id)\b/.exec(message);
  return match?.[1] ?? null;
}

export function applyImportBatch(db: TenantDb, batch: ImportBatch, actor: string, now = new Date()): ImportChunkResult {
  const lookups = compileLookups(db);
  const touched = new Set<string>();
  const result: ImportChunkResult = { created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [], touchedAccounts: [] };

  const applyOne = (row: number, work: () => Outcome) => {
    try {
      result[work()] += 1;
    } catch (error) {
      if (error instanceof RowRefusal) {
        result.errors.push({ row, field: error.field, message: error.message });
      } else if (error instanceof AccountError) {
        result.errors.push({ row, field: fieldOf(error.message), message: error.message });
      } else {
        throw error;
      }
      result.rejected += 1;
    }
  };

  switch (batch.kind) {
    case "accounts":
      for (const { row, values } of batch.rows) applyOne(row, () => applyAccount(db, lookups, values, actor, now, touched));
      break;
    case "contacts":
      for (const { row, values } of batch.rows) applyOne(row, () => applyContact(db, lookups, values, now, touched));
      break;
    case "contracts":
      for (const { row, values } of batch.rows) applyOne(row, () => applyContract(db, lookups, values, actor, now, touched));
      break;
    case "invoices":
      for (const { row, values } of batch.rows) applyOne(row, () => applyInvoice(db, lookups, values, now, touched));
      break;
  }
  result.touchedAccounts = [...touched];
  return result;
}

