/**
 * The Worker that hosts the Tenant object under `npm run dev` (scripts/dev.mjs). In production
 * each object runs in an isolate apart from the Worker that calls it; locally, wrangler would run
 * a Worker's own Durable Objects in that Worker's isolate, on its one thread, so every SQLite
 * statement would queue behind the requests. dev.mjs runs this Worker beside the main one, whose
 * TENANT binding names it by script_name: one workerd process, one isolate each, shared state.
 */
export { TenantDO } from "./tenant";

export default {
  fetch(): Response {
    return new Response("This Worker only hosts the Tenant object; the product is served by the main Worker.", { status: 404 });
  },
};
