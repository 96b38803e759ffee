import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../durable-objects/tenant";
import { callTool, newWorkspace, tenantIdOf, tokenFor } from "./support/worker";

type Page = { clients: { client_id: string; client_name: string; health_score: number | null }[]; pagination: { next_cursor: string | null } };

async function setup(name: string) {
  const ws = await newWorkspace(name);
  const token = (await tokenFor(ws)).access_token;
  const tenantId = await tenantIdOf(ws.email);
  const namespace = env.TENANT as DurableObjectNamespace<TenantDO>;
  const list = async (args: Record<string, unknown>): Promise<Page> => {
    const { result } = await callTool(token, "list_clients", args);
    if (!result || result.isError) throw new Error(`list_clients failed: ${JSON.stringify(result)}`);
    return result.structuredContent as Page;
  };
  const register = async (clientName: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const { result } = await callTool(token, "register_client", { client_name: clientName, company_name: `${clientName} Inc.`, ...extra });
    return (result?.structuredContent as { client: { client_id: string } }).client.client_id;
  };
  const setScores = (scores: Record<string, number | null>) =>
    runInDurableObject(namespace.get(namespace.idFromName(tenantId)), (instance: TenantDO) => {
      // Through the object's own storage, as all its writes go.
      const storage = (instance as unknown as { storage: DurableObjectStorage }).storage;
      for (const [id, score] of Object.entries(scores)) storage.sql.exec("UPDATE accounts SET health_score = ? WHERE id = ?", score, id);
    });
  return { list, register, setScores };
}

/** Every page of a listing, following next_cursor. */
async function allPages(list: (args: Record<string, unknown>) => Promise<Page>, args: Record<string, unknown>): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await list({ ...args, ...(cursor ? { cursor } : {}) });
    pages.push(page.clients.map((client) => client.client_name));
    cursor = page.pagination.next_cursor;
  } while (cursor && pages.length < 20);
  return pages;
}

describe("list_clients pages in index order", () => {
  it("by health: scored accounts in score order, then unscored ones by id, in both directions, across page boundaries", async () => {
    const { list, register, setScores } = await setup("Health Pages Co");
    const ids: Record<string, string> = {};
    for (const name of ["H-a", "H-b", "H-c", "H-d", "H-e", "H-f", "H-g"]) ids[name] = await register(name);
    const score: Record<string, number | null> = { "H-a": 70, "H-b": 40, "H-c": null, "H-d": 70, "H-e": 90, "H-f": null, "H-g": 10 };
    await setScores(Object.fromEntries(Object.entries(score).map(([name, value]) => [ids[name] ?? "", value])));
    const byId = (a: string, b: string) => ((ids[a] ?? "") < (ids[b] ?? "") ? -1 : 1);
    const tiedAt70 = ["H-a", "H-d"].sort(byId);
    const unscored = ["H-c", "H-f"].sort(byId);

    const ascending = await allPages(list, { sort_by: "health_score", sort_order: "asc", limit: 2 });
    expect(ascending.flat()).toEqual(["H-g", "H-b", ...tiedAt70, "H-e", ...unscored]);
    expect(ascending.map((page) => page.length)).toEqual([2, 2, 2, 1]);

    const descending = await allPages(list, { sort_by: "health_score", sort_order: "desc", limit: 3 });
    expect(descending.flat()).toEqual(["H-e", ...[...tiedAt70].reverse(), "H-b", "H-g", ...[...unscored].reverse()]);

    // A page that ends on an unscored account continues with the next unscored one.
    const twoAtATime = await allPages(list, { sort_by: "health_score", sort_order: "asc", limit: 6 });
    expect(twoAtATime).toEqual([["H-g", "H-b", ...tiedAt70, "H-e", unscored[0]], [unscored[1]]]);
  });

  it("by name within a tier, and by name overall, with no row twice or missing", async () => {
    const { list, register } = await setup("Tier Pages Co");
    const names = ["Delta", "alpha", "Charlie", "Bravo", "Echo", "Foxtrot"];
    for (const [index, name] of names.entries()) await register(name, { tier: index % 2 === 0 ? "enterprise" : "starter" });
    const enterprise = await allPages(list, { tier: ["enterprise"], limit: 2 });
    expect(enterprise.flat()).toEqual(["Charlie", "Delta", "Echo"]);
    const everyone = await allPages(list, { sort_order: "desc", limit: 4 });
    expect(everyone.flat()).toEqual(["alpha", "Foxtrot", "Echo", "Delta", "Charlie", "Bravo"]);
  });
});
