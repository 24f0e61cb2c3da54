// The stream session's public face: what the rest of the extension and the tests import (the
// core is stream-session.ts, its links beside it).

export { StreamSession } from './stream-session.ts';
export type { StreamEvent, StreamSessionOptions, StreamState, WebSocketConstructor } from './types.ts';
export type { WireEncoder, WireEncoderFactory } from './wire-encoder.ts';
export { plainClose, plainServerError } from './wording.ts';
