// WebSocket close reasons are limited to 123 UTF-8 bytes, and ws throws (crashing the server
// from inside a message handler) above that: truncate by bytes, never inside a character.
export const MAX_CLOSE_REASON_BYTES = 123;

export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= MAX_CLOSE_REASON_BYTES) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > MAX_CLOSE_REASON_BYTES) break;
    out += ch;
    bytes += n;
  }
  return out;
}
