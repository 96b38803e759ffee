import { eq, sql } from "drizzle-orm";
import { health } from "../analytics";
import { AccountError, appendEvent, newId, PROPERTY_OF_FIELD, registrationDescription, updateAccount, type AccountChanges, type TenantDb } from "./accounts";
import { FEATURE_COLUMNS } from "./health";
import { dailyTrendPoints, type HealthInputs } from "./health-model";
import { encodeComponents } from "./snapshot-components";
import { insertRows } from "./insert-rows";
import { accountEvents, accounts, contacts, contracts, invoices } from "./tenant-schema";
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
 *
 * Accounts and contacts go in bulk, because a 50,000-row file is 100 chunks: the chunk's
 * existing records are read in ONE query (external ids as a JSON array through json_each), an
 * unchanged row costs no query at all, and new records are inserted by one statement per table
 * whose single bound parameter is a JSON array of rows (Durable Object SQLite binds at most 100
 * parameters, i.e. four account rows, per statement). An account the chunk creates is brand new:
 * no fact table holds a row for its fresh id, so its health inputs are known without reading
 * them, and it is featured and scored here in the same statements (see newAccountHealth)
 * instead of by ~15 queries per account in factsChanged. Contracts and invoices are rarer and
 * keep one lookup per row.
 */

export interface ImportChunkResult {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  /** Accounts whose facts changed, for factsChanged. */
  touchedAccounts: string[];
  /**
   * Accounts this chunk created, already featured and scored here: of factsChanged they still
   * need the playbooks, the workflows and the cache write-through.
   */
  scoredAccounts: string[];
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
    contractByExternalId: db.select().from(contracts).where(eq(contracts.externalId, sql.placeholder("externalId"))).prepare(),
    invoiceByExternalId: db.select().from(invoices).where(eq(invoices.externalId, sql.placeholder("externalId"))).prepare(),
  };
}

type Lookups = ReturnType<typeof compileLookups>;

interface AccountLookups {
  accountById(id: string): { id: string } | undefined;
  accountByExternalId(externalId: string): { id: string } | undefined;
}

/** The account a row names, by client_id or account_external_id; refuses the row when there is none. */
function resolveAccount(lookups: Lookups, row: { account_external_id?: string; client_id?: string }): string {
  return resolveAccountWith(
    { accountById: (id) => lookups.accountById.get({ id }), accountByExternalId: (externalId) => lookups.accountByExternalId.get({ externalId }) },
    row,
  );
}

function resolveAccountWith(lookups: AccountLookups, row: { account_external_id?: string; client_id?: string }): string {
  let byId: string | undefined;
  if (row.client_id !== undefined) {
    byId = lookups.accountById(row.client_id)?.id;
    if (!byId) throw new RowRefusal("client_id", `no account with client_id "${row.client_id}" in this workspace`);
  }
  if (row.account_external_id !== undefined) {
    const byExternal = lookups.accountByExternalId(row.account_external_id)?.id;
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

type AccountRow = typeof accounts.$inferSelect;
type ContactRow = typeof contacts.$inferSelect;

/** Rows by their external_id. */
function byExternalIds<Row extends { externalId: string | null }>(rows: Row[]): Map<string, Row> {
  const found = new Map<string, Row>();
  for (const row of rows) if (row.externalId !== null) found.set(row.externalId, row);
  return found;
}

function jsonIds(ids: Iterable<string>): string {
  return JSON.stringify([...new Set(ids)]);
}

function accountChanges(values: AccountImportRow): AccountChanges {
  return {
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
}

/** Whether updateAccount would change anything: a given field that differs from the stored one. */
function changesAnything(before: AccountRow, changes: AccountChanges): boolean {
  for (const [field, property] of Object.entries(PROPERTY_OF_FIELD) as [keyof typeof PROPERTY_OF_FIELD, keyof AccountRow][]) {
    const value = changes[field];
    if (value !== undefined && before[property] !== value) return true;
  }
  return false;
}

type EventRow = typeof accountEvents.$inferInsert;

/** The health inputs of an account nothing is known about yet but its contract (what refreshAccountFeatures derives for it). */
function newAccountInputs(contractValue: number, tenantHasTickets: boolean): HealthInputs {
  // Support counts are known zeros once the tenant has any ticket (features.ts supportFeatures).
  const support = tenantHasTickets ? 0 : null;
  return {
    activeUsers: null,
    licensedSeats: null,
    logins30d: null,
    featuresUsed: null,
    featuresAvailable: null,
    daysSinceLastTouch: null,
    emailOpenRate: null,
    emailClickRate: null,
    messageReplyRate: null,
    openTickets: support,
    tickets90d: support,
    highSeverityTickets90d: support,
    slaBreaches90d: support,
    oldestOpenTicketAgeDays: support,
    nps: null,
    csat: null,
    ces: null,
    invoicesPaidLate: null,
    maxDaysLate: null,
    failedPayments: null,
    overdueAmount: null,
    annualContractValue: contractValue,
  };
}

/**
 * The accounts of a chunk: one read for the existing ones, updateAccount for the few that
 * changed, and the new ones (with the registration event createAccount writes, and their first
 * health score) in one statement per table.
 */
function applyAccounts(
  db: TenantDb,
  rows: readonly { row: number; values: AccountImportRow }[],
  actor: string,
  now: Date,
  config: health.HealthConfig,
  applyOne: (row: number, work: () => Outcome) => void,
  touched: Set<string>,
  scored: string[],
): void {
  const ids = rows.map(({ values }) => values.external_id);
  const existing = byExternalIds(
    db.select().from(accounts).where(sql`${accounts.externalId} IN (SELECT value FROM json_each(${jsonIds(ids)}))`).all(),
  );
  const tenantHasTickets = db.get<{ one: number }>(sql`SELECT 1 AS one FROM tickets LIMIT 1`) !== undefined;
  const at = now.toISOString();
  const created: AccountRow[] = [];
  const events: EventRow[] = [];
  const features: (HealthInputs & { accountId: string })[] = [];
  const snapshots: unknown[][] = [];
  const createdIds = new Set<string>();

  for (const { row, values } of rows) {
    applyOne(row, () => {
      const before = existing.get(values.external_id);
      const changes = accountChanges(values);
      if (before) {
        if (!changesAnything(before, changes)) return "unchanged";
        const { changed } = updateAccount(db, before.id, changes, actor, now);
        if (Object.keys(changed).length === 0) return "unchanged";
        touched.add(before.id);
        return "updated";
      }
      if (createdIds.has(values.external_id)) {
        throw new RowRefusal("external_id", `"${values.external_id}" appears twice in this import; each external_id may appear once per file`);
      }
      const name = values.name ?? values.company_name;
      if (name === undefined) throw new RowRefusal("name", "is required for a new account; fill in name or company_name");
      const start = values.contract_start_date ?? at.slice(0, 10);
      const end = values.contract_end_date ?? addDays(start, 365);
      if (end <= start) {
        // The message createAccount gives (src/db/accounts.ts checkContractDates).
        throw new AccountError("invalid", `contract_end_date (${end}) must be after contract_start_date (${start}); send an end date later than the start.`);
      }
      // The row and the "Account registered" event exactly as createAccount writes them.
      const account: AccountRow = {
        id: newId("cs"),
        name,
        companyName: values.company_name ?? name,
        industry: values.industry ?? "Technology",
        tier: values.tier ?? "standard",
        status: values.status ?? "active",
        lifecycleStage: values.lifecycle_stage ?? "onboarding",
        contractValue: values.contract_value ?? 0,
        contractStartDate: start,
        contractEndDate: end,
        renewalDate: values.renewal_date ?? end,
        primaryContactName: values.primary_contact_name ?? null,
        primaryContactEmail: values.primary_contact_email ?? null,
        csmAssigned: values.csm_assigned ?? null,
        externalId: values.external_id,
        healthScore: null,
        healthTrend: null,
        healthComputedAt: null,
        // Not scored before the movers' cutoff: it did not exist then.
        healthBaselineScore: null,
        lastEngagementAt: null,
        createdAt: at,
        updatedAt: at,
      };
      events.push({
        id: newId("evt"),
        accountId: account.id,
        occurredAt: at,
        eventType: "account",
        title: "Account registered",
        description: registrationDescription(account),
        impact: "positive",
        actor,
        metadata: JSON.stringify({ tier: account.tier, contract_value: account.contractValue }),
      });
      // Its first health score, as scoreAccount computes it: no history, so one point and no trend.
      const inputs = newAccountInputs(account.contractValue, tenantHasTickets);
      const first = health.scoreHealth(inputs, config, { segment: account.tier });
      const trend = health.healthTrend(dailyTrendPoints([], first.score === null ? null : { at, score: first.score }), config.trendThresholdPer30Days);
      account.healthScore = first.score;
      account.healthTrend = trend.direction === "insufficient_history" ? null : trend.direction;
      account.healthComputedAt = at;
      features.push({ accountId: account.id, ...inputs });
      snapshots.push([account.id, at, first.score, first.band, first.coverage, encodeComponents(first.components)]);
      created.push(account);
      createdIds.add(values.external_id);
      scored.push(account.id);
      return "created";
    });
  }

  insertRows(db, accounts, created);
  insertRows(db, accountEvents, events);
  if (features.length > 0) {
    const columns: (readonly [string, string])[] = [["accountId", "account_id"], ...FEATURE_COLUMNS];
    const payload = JSON.stringify(features.map((row) => [...columns.map(([property]) => row[property as keyof typeof row] ?? null), at]));
    const names = [...columns.map(([, column]) => column), "updated_at"];
    db.run(
      sql.raw(`INSERT INTO account_features (${names.join(", ")}) SELECT ${names.map((_, index) => `value->>${index}`).join(", ")} FROM json_each(`).append(sql`${payload})`),
    );
    db.run(sql`INSERT INTO health_snapshots (account_id, computed_at, score, band, coverage, components)
      SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM json_each(${JSON.stringify(snapshots)})`);
  }
}

/** The contacts of a chunk: one read for the existing ones and their accounts, one insert for the new ones. */
function applyContacts(
  db: TenantDb,
  rows: readonly { row: number; values: ContactImportRow }[],
  now: Date,
  applyOne: (row: number, work: () => Outcome) => void,
  touched: Set<string>,
): void {
  const existing = byExternalIds(
    db.select().from(contacts).where(sql`${contacts.externalId} IN (SELECT value FROM json_each(${jsonIds(rows.map(({ values }) => values.external_id))}))`).all(),
  );
  const named = db
    .select({ id: accounts.id, externalId: accounts.externalId })
    .from(accounts)
    .where(
      sql`${accounts.externalId} IN (SELECT value FROM json_each(${jsonIds(rows.flatMap(({ values }) => (values.account_external_id === undefined ? [] : [values.account_external_id])))}))
        OR ${accounts.id} IN (SELECT value FROM json_each(${jsonIds(rows.flatMap(({ values }) => (values.client_id === undefined ? [] : [values.client_id])))}))`,
    )
    .all();
  const accountIds = new Set(named.map((account) => account.id));
  const accountByExternalId = byExternalIds(named);
  const lookups = {
    accountById: (id: string) => (accountIds.has(id) ? { id } : undefined),
    accountByExternalId: (externalId: string) => accountByExternalId.get(externalId),
  };
  const at = now.toISOString();
  const created: ContactRow[] = [];
  const createdIds = new Set<string>();

  for (const { row, values } of rows) {
    applyOne(row, () => {
      const accountId = resolveAccountWith(lookups, values);
      const before = existing.get(values.external_id);
      const wanted = {
        accountId,
        name: values.name,
        email: values.email,
        title: values.title,
        role: values.role,
        isPrimary: values.is_primary,
        status: values.status,
      };
      if (before) {
        const patch = differences(before, wanted);
        if (Object.keys(patch).length === 0) return "unchanged";
        db.update(contacts)
          .set({ ...patch, updatedAt: at })
          .where(eq(contacts.id, before.id))
          .run();
        touched.add(before.accountId).add(accountId);
        return "updated";
      }
      if (createdIds.has(values.external_id)) {
        throw new RowRefusal("external_id", `"${values.external_id}" appears twice in this import; each external_id may appear once per file`);
      }
      created.push({
        id: newId("ct"),
        accountId,
        externalId: values.external_id,
        name: values.name,
        email: values.email ?? null,
        title: values.title ?? null,
        role: values.role ?? "user",
        isPrimary: values.is_primary ?? false,
        status: values.status ?? "active",
        createdAt: at,
        updatedAt: at,
      });
      createdIds.add(values.external_id);
      touched.add(accountId);
      return "created";
    });
  }
  insertRows(db, contacts, created);
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

export function applyImportBatch(db: TenantDb, batch: ImportBatch, actor: string, config: health.HealthConfig, now = new Date()): ImportChunkResult {
  const touched = new Set<string>();
  const scored: string[] = [];
  const result: ImportChunkResult = { created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [], touchedAccounts: [], scoredAccounts: [] };

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
      applyAccounts(db, batch.rows, actor, now, config, applyOne, touched, scored);
      break;
    case "contacts":
      applyContacts(db, batch.rows, now, applyOne, touched);
      break;
    case "contracts": {
      const lookups = compileLookups(db);
      for (const { row, values } of batch.rows) applyOne(row, () => applyContract(db, lookups, values, actor, now, touched));
      break;
    }
    case "invoices": {
      const lookups = compileLookups(db);
      for (const { row, values } of batch.rows) applyOne(row, () => applyInvoice(db, lookups, values, now, touched));
      break;
    }
  }
  result.touchedAccounts = [...touched];
  result.scoredAccounts = scored;
  return result;
}

