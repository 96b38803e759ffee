import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { catalog } from "../../src/tools/catalog";
import { toolsMarkdown } from "../../src/tools/docs";

// docs/tools.md is generated from the catalog; `npm run docs:tools` rewrites it.
describe("docs/tools.md", () => {
  it("matches the catalog", () => {
    const generated = toolsMarkdown(catalog);
    if (process.env.UPDATE_TOOLS_DOC === "1") writeFileSync("docs/tools.md", generated);
    expect(readFileSync("docs/tools.md", "utf8"), "docs/tools.md is stale: run npm run docs:tools").toBe(generated);
  });
});
