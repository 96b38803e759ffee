/**
 * Only for `BENCH_SPLIT=1 npm run bench:import`: a Worker that hosts nothing but the Tenant
 * object, so that under `wrangler dev` the object runs in an isolate of its own (as in
 * production) and its heap can be read apart from the Worker's. The main Worker reaches it
 * through a TENANT binding with script_name (scripts/bench-import.ts writes both configs).
 */
export { TenantDO } from "../../durable-objects/tenant";

export default {
  fetch(): Response {
    return new Response("This Worker only hosts the Tenant object.", { status: 404 });
  },
};
