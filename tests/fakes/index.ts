/** Every fake provider, registered with the router. One import per provider. */
export { routeOutbound } from "./router";
import "./intercom";
import "./zendesk";
