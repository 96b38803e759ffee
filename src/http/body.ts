/**
 * Reads a request body as bytes, at most `limit` of them: null when it is longer (by its
 * Content-Length, or, for a body sent without one, once the stream passes the limit), without
 * reading further.
 */
export async function readLimitedBody(request: Request, limit: number): Promise<Uint8Array | null> {
  const header = request.headers.get("content-length");
  const declared = header === null || header.trim() === "" ? Number.NaN : Number(header);
  if (Number.isFinite(declared) && declared > limit) return null;
  if (!request.body) return new Uint8Array();
  if (Number.isFinite(declared)) {
    // The runtime delivers exactly Content-Length bytes, so one native read is safe (and much
    // cheaper than a JavaScript loop over chunks); the check after it is belt and braces.
    const body = new Uint8Array(await request.arrayBuffer());
    return body.byteLength > limit ? null : body;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
}

/** The parts as one array of `length` bytes (the part itself when there is only one). */
export function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
