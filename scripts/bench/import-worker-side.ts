/**
 * The Worker's side of a setup-page CSV import, for `npm run bench:import-memory`: bundled by
 * scripts/bench-import-memory.ts with esbuild and run in Node, it does what the route
 * POST /setup/data/import/:kind (src/setup/routes.tsx) does with the upload, with the same
 * modules: read the multipart form, then read the file as a stream (src/setup/csv-file.ts),
 * parse, map the columns, validate and send the chunks to the Tenant object (src/import/run.ts),
 * with a progress callback as the page has.
 * The Tenant object is replaced by `send`, which receives each chunk as the RPC would carry it.
 */
import type { Actor, TenantApi } from "../../durable-objects/tenant";
import { importCsv, type ImportReport } from "../../src/import/run";
import type { ImportBatch, ImportKind } from "../../src/import/rows";
import { csvFileSource } from "../../src/setup/csv-file";

export interface WorkerSideHooks {
  /** A point where the heap is sampled (the stage's name). */
  probe(stage: string): void;
  /** One chunk as the Tenant object's importRows would receive it; answers how many rows it created. */
  send(batch: ImportBatch): number;
}

const ACTOR: Actor = { userId: "bench", via: "setup" };

export async function workerSide(request: Request, kind: ImportKind, hooks: WorkerSideHooks): Promise<ImportReport> {
  const form = await request.formData();
  hooks.probe("form read");
  const file = form.get("file");
  if (!(file instanceof File)) throw new Error("no file in the form");
  const source = csvFileSource(file);
  const tenant = {
    importRows: async (batch: ImportBatch) => {
      hooks.probe("chunk sent");
      const created = hooks.send(batch);
      return { ok: true as const, value: { created, updated: 0, unchanged: 0, rejected: 0, errors: [] } };
    },
  } as unknown as TenantApi;
  const report = await importCsv(tenant, ACTOR, { kind, source, dryRun: false, delimiter: "," }, { onProgress: () => hooks.probe("progress") });
  if (kind === "accounts" && !source.warning()) throw new Error("the Windows-1252 rows were not noticed");
  return report;
}
