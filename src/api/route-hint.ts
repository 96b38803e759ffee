import { likelyField } from "../tools/input-errors";

/**
 * What a request that matched no REST route most likely meant: the methods its path does take,
 * or the route one misspelled segment away ("/clients/{client_id}/timline" → ".../timeline").
 */

export interface RouteName {
  method: string;
  /** Under the API prefix, with {name} segments. */
  path: string;
  /** The tool it runs. */
  name: string;
}

function segments(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "");
}

/** How far `given` is from a route's path: 0 the same, 1 one misspelled segment, null further. */
function distance(given: readonly string[], route: readonly string[]): number | null {
  if (given.length !== route.length) return null;
  let misspelled = 0;
  for (const [index, part] of route.entries()) {
    const asked = given[index] ?? "";
    if (part.startsWith("{") || part === asked) continue;
    if (likelyField(asked, [part]) === undefined) return null;
    misspelled++;
  }
  return misspelled <= 1 ? misspelled : null;
}

/** The hint: `allow` lists the methods when the path is a route's and only the method is wrong. */
export interface RouteHint {
  text: string;
  allow: string[] | null;
}

export function routeHint(method: string, path: string, prefix: string, routes: readonly RouteName[]): RouteHint | null {
  const given = segments(path.startsWith(prefix) ? path.slice(prefix.length) : path);
  const scored = routes.map((route) => ({ route, away: distance(given, segments(route.path)) })).filter((entry) => entry.away !== null);
  const best = Math.min(...scored.map((entry) => entry.away ?? Number.POSITIVE_INFINITY));
  const nearest = scored.filter((entry) => entry.away === best).map((entry) => entry.route);
  if (nearest.length === 0) return null;
  const named = nearest.map((route) => `${route.method} ${prefix}${route.path} (${route.name})`).join(", ");
  if (best === 0) return { text: `${method} is not a method of this path; it takes ${named}.`, allow: nearest.map((route) => route.method) };
  return { text: `did you mean ${named}?`, allow: null };
}
