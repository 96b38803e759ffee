import type { ToolError } from "../tools/define";
import type { FieldProblems } from "../tools/input-errors";

/**
 * The REST API's error answers: `{ "error": { "code", "message", "fields"? } }`. `fields` holds
 * the problems of an input that failed validation, by field path, so a client can show each
 * beside its field without parsing the message.
 */

export const STATUS_OF_ERROR = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409 } as const;

export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldProblems };
}

export function errorBody(code: string, message: string, fields?: FieldProblems): ErrorBody {
  return { error: { code, message, ...(fields ? { fields } : {}) } };
}

/** A tool's refusal as its body and status. */
export function toolErrorAnswer(error: ToolError): { body: ErrorBody; status: (typeof STATUS_OF_ERROR)[ToolError["code"]] } {
  return { body: errorBody(error.code, error.message, error.fields), status: STATUS_OF_ERROR[error.code] };
}
