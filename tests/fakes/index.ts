/** Every fake provider, registered with the router. One import per provider. */
export { routeOutbound } from "./router.ts";
import "./intercom.ts";
import "./zendesk.ts";
import "./mixpanel.ts";
import "./sendgrid.ts";
