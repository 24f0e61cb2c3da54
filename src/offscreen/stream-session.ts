// The StreamSession's public face, where the rest of the extension and the tests import it
// from; the session itself lives in session/ (core in session/stream-session.ts, links beside it).

export { StreamSession } from './session/stream-session.ts';
export type { StreamEvent, StreamSessionOptions, StreamState, WebSocketConstructor } from './session/types.ts';
export type { WireEncoder, WireEncoderFactory } from './session/wire-encoder.ts';
export { plainClose, plainServerError } from './session/wording.ts';
