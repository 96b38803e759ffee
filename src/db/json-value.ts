import { z } from "zod";
import type { Json } from "./accounts";

/** Any JSON value, as a zod schema (queue messages, provider payloads, connection fields). */
export const jsonValue: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
