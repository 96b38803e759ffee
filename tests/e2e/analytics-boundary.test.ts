import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// src/analytics must run unchanged in the Tenant object, a Worker and Node: no I/O, no
// clock or randomness of its own, and nothing from the rest of src.
const DIR = "src/analytics";
const files = readdirSync(DIR).filter((file) => file.endsWith(".ts"));

describe("src/analytics boundary", () => {
  it("imports only its own modules", () => {
    const offenders: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(join(DIR, file), "utf8").matchAll(/from\s+"([^"]+)"/g)) {
        const target = match[1] ?? "";
        if (!target.startsWith("./")) offenders.push(`${file} imports ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("reads no clock, randomness or network", () => {
    const offenders = files.filter((file) => /Date\.now\(|Math\.random\(|new Date\(\)|fetch\(|crypto\./.test(readFileSync(join(DIR, file), "utf8")));
    expect(offenders).toEqual([]);
  });
});
