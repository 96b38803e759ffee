#!/usr/bin/env node
// `npm run rotate-encryption-key`: rotates ENCRYPTION_KEY, the root of every tenant's
// integration-credential key (docs/security.md, "Rotating ENCRYPTION_KEY").
//
//   locally (default): in .dev.vars, the current key becomes ENCRYPTION_KEY_PREVIOUS and a new
//                      random ENCRYPTION_KEY is written; restart `npm run dev`.
//   --production:      generates the new key and prints the exact wrangler commands, in order;
//                      it changes nothing itself (secrets are set by a person with access).
//   --finish:          locally, drops ENCRYPTION_KEY_PREVIOUS once every workspace is re-sealed.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const DEV_VARS = ".dev.vars";
const args = new Set(process.argv.slice(2));
const newKey = () => randomBytes(32).toString("base64url");

function readVars() {
  if (!existsSync(DEV_VARS)) {
    console.error(`${DEV_VARS} does not exist yet: run \`npm run dev\` once, which creates it.`);
    process.exit(2);
  }
  return readFileSync(DEV_VARS, "utf8");
}

function setVar(text, name, value) {
  const line = `${name}=${value}`;
  const pattern = new RegExp(`^${name}=.*$`, "m");
  if (value === null) return text.replace(new RegExp(`^${name}=.*\\n?`, "m"), "");
  return pattern.test(text) ? text.replace(pattern, line) : `${text}${text.endsWith("\n") ? "" : "\n"}${line}\n`;
}

if (args.has("--production")) {
  const key = newKey();
  console.log(`Rotating ENCRYPTION_KEY in production. New key (keep it only as long as step 2 takes):

  ${key}

1. Keep the current key readable during the rotation:
     npx wrangler secret put ENCRYPTION_KEY_PREVIOUS     # paste the CURRENT ENCRYPTION_KEY
2. Install the new key:
     npx wrangler secret put ENCRYPTION_KEY              # paste the new key above
3. Re-seal. Every workspace's daily maintenance re-seals its credentials under the new key
   (audit entry "reseal_integration_credentials"); a workspace admin can do it at once with the
   reseal_integration_credentials tool (POST /api/v1/integration-credentials/reseal). Until then
   both keys open them, so nothing stops working.
4. After a full day (every workspace's maintenance has run), drop the old key:
     npx wrangler secret delete ENCRYPTION_KEY_PREVIOUS
   A connection sealed with neither key is reported as "unreadable" by the re-seal: its
   workspace must connect that provider again.`);
  process.exit(0);
}

let vars = readVars();
const current = /^ENCRYPTION_KEY=(.*)$/m.exec(vars)?.[1];
if (args.has("--finish")) {
  vars = setVar(vars, "ENCRYPTION_KEY_PREVIOUS", null);
  writeFileSync(DEV_VARS, vars);
  console.log(`Removed ENCRYPTION_KEY_PREVIOUS from ${DEV_VARS}; restart npm run dev.`);
  process.exit(0);
}
if (!current) {
  console.error(`${DEV_VARS} has no ENCRYPTION_KEY: run \`npm run dev\` once, which creates it.`);
  process.exit(2);
}
if (/^ENCRYPTION_KEY_PREVIOUS=/m.test(vars)) {
  console.error("A rotation is already under way (ENCRYPTION_KEY_PREVIOUS is set): finish it first with `npm run rotate-encryption-key -- --finish`.");
  process.exit(2);
}
vars = setVar(vars, "ENCRYPTION_KEY_PREVIOUS", current);
vars = setVar(vars, "ENCRYPTION_KEY", newKey());
writeFileSync(DEV_VARS, vars);
console.log(`Rotated ENCRYPTION_KEY in ${DEV_VARS} (the old one is ENCRYPTION_KEY_PREVIOUS).
Restart npm run dev, then re-seal (reseal_integration_credentials, or wait for the daily
maintenance), then: npm run rotate-encryption-key -- --finish`);
