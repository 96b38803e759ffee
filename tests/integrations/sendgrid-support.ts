import { expect } from "vitest";
import * as schema from "../../src/db/tenant-schema";
import type { ConnectionFields } from "../../src/integrations/provider";
import { inTenant, newTeam, ok, register, type Team } from "../support/work";
import { tokenFor } from "../support/worker";

/** Helpers for the SendGrid tests: unique API keys, connections, and Signed Event Webhook signing. */

export function uniqueKey(label: string): string {
  return `SG.${label}-${crypto.randomUUID().slice(0, 8)}.${crypto.randomUUID().replaceAll("-", "")}`;
}

export function connectionFor(apiKey: string, extra: Partial<Record<string, ConnectionFields[string]>> = {}): ConnectionFields {
  return { region: "global", api_key: apiKey, from_email: "success@acme.test", from_name: "Acme Success", sandbox_mode: false, webhook_public_key: null, ...extra };
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export interface SigningKey {
  privateKey: CryptoKey;
  /** base64 SPKI, as SendGrid shows the Verification Key. */
  publicKey: string;
}

export async function signingKey(): Promise<SigningKey> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicKey: toBase64(spki) };
}

/** One DER INTEGER from a 32-byte big-endian half: minimal (leading zeros dropped), 0x00 added when the top bit is set. */
function derInteger(half: Uint8Array): number[] {
  let start = 0;
  while (start < half.length - 1 && half[start] === 0) start++;
  const bytes = [...half.subarray(start)];
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

/** r‖s (WebCrypto's form) → DER SEQUENCE, as SendGrid sends it. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  const r = derInteger(raw.subarray(0, 32));
  const s = derInteger(raw.subarray(32, 64));
  return new Uint8Array([0x30, r.length + s.length, ...r, ...s]);
}

export async function signRaw(key: CryptoKey, timestamp: string, body: string): Promise<Uint8Array> {
  const data = new TextEncoder().encode(timestamp + body);
  return new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, data));
}

/** The two headers SendGrid adds to a signed delivery. */
export async function signedHeaders(key: CryptoKey, body: string, timestamp = String(Math.floor(Date.now() / 1000))): Promise<Headers> {
  const der = rawToDer(await signRaw(key, timestamp, body));
  return new Headers({
    "Content-Type": "application/json",
    "X-Twilio-Email-Event-Webhook-Signature": toBase64(der),
    "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
  });
}

let eventSeq = 0;

/** A SendGrid event as the Event Webhook posts it; custom_args appear as top-level fields. */
export function sgEvent(event: string, fields: Record<string, string | number | string[]> = {}): Record<string, string | number | string[]> {
  eventSeq += 1;
  return {
    email: "someone@example.test",
    timestamp: Math.floor(Date.now() / 1000),
    "smtp-id": `<${eventSeq}@acme.test>`,
    event,
    sg_event_id: `sg-evt-${eventSeq}-${crypto.randomUUID().slice(0, 8)}`,
    sg_message_id: "msgid0001.filterdrecv-1-2-3",
    ...fields,
  };
}

export interface Setup {
  team: Team;
  admin: string;
  apiKey: string;
  key: SigningKey;
  accountId: string;
  contacts: { id: string; email: string }[];
}

export async function addContact(team: Team, accountId: string, email: string, name: string): Promise<string> {
  const id = `ct_e2e_${crypto.randomUUID().slice(0, 8)}`;
  const at = new Date().toISOString();
  await inTenant(team.tenantId, (db) =>
    db.insert(schema.contacts).values({ id, accountId, externalId: null, name, email, title: null, role: "champion", isPrimary: false, status: "active", createdAt: at, updatedAt: at }).run(),
  );
  return id;
}

/** A new team with SendGrid connected (the fake answers the test call) and one account with two contacts. */
export async function connected(label: string, fields: Record<string, unknown> = {}): Promise<Setup> {
  const team = await newTeam(`SG ${label}`);
  const admin = (await tokenFor(team.workspace, { scope: "cs:read cs:write cs:admin" })).access_token;
  const apiKey = uniqueKey(label);
  const key = await signingKey();
  const answer = await ok<{ integration: Record<string, unknown>; test: { ok: boolean; message: string } }>(admin, "connect_integration", {
    provider: "sendgrid",
    fields: { api_key: apiKey, from_email: "success@acme.test", from_name: "Acme Success", webhook_public_key: key.publicKey, ...fields },
  });
  expect(answer.test.ok, answer.test.message).toBe(true);
  expect(JSON.stringify(answer.integration)).not.toContain(apiKey);
  const accountId = await register(team.token, { client_name: `${label} Corp` });
  const contacts = [
    { email: `ana.${label}@customer.test`, name: "Ana Lima" },
    { email: `ben.${label}@customer.test`, name: "Ben Ode" },
  ];
  const ids = [];
  for (const contact of contacts) ids.push({ id: await addContact(team, accountId, contact.email, contact.name), email: contact.email });
  return { team, admin, apiKey, key, accountId, contacts: ids };
}
