// The plain words a user reads about the session (status line, notices): why a connection
// closed, what a fatal server error means, and the fixed messages the session's parts use.

import { CloseCode, type ErrorMessage } from '../../../protocol/index.ts';

export const WORDS = {
  noAnswer: 'The transcription server did not answer',
  stoppedAnswering: 'The server stopped answering',
  switchingToStreaming: 'Switching to streaming',
  switchingToPcm: 'Switching to uncompressed audio',
  opusFailed: 'Opus encoding failed in this browser; sending uncompressed audio instead',
  opusRefused: 'The server does not take Opus audio; sending uncompressed audio instead',
  badMessage: 'The server sent a message this extension does not understand',
  badAddress: (url: string) => `"${url}" is not a valid server address`,
  unreachable: (url: string) => `Can't reach the transcription server at ${url}`,
  refused: (reason: string) => `The server refused the session${reason ? `: ${reason}` : ''}`,
} as const;

/** Why a live connection closed, in words a user understands. */
export function plainClose(code: number): string {
  switch (code) {
    case CloseCode.goingAway:
      return 'The transcription server is restarting';
    case CloseCode.tryAgainLater:
      return 'The transcription server is busy';
    case CloseCode.idleTimeout:
      return 'The server closed the idle session';
    case CloseCode.tooBig:
      return 'The server rejected an audio frame as too large';
    case CloseCode.internal:
      return 'The transcription server hit an internal error';
    case 1007:
      return 'The server rejected a message as invalid';
    default:
      return 'The connection to the transcription server was lost';
  }
}

/** A fatal server error, in words a user understands. */
export function plainServerError(msg: Pick<ErrorMessage, 'code' | 'message'>): string {
  switch (msg.code) {
    case 'unknown_engine':
      return `The server does not offer that engine (${msg.message})`;
    case 'unsupported_language':
      return `The server cannot transcribe that language (${msg.message})`;
    case 'busy':
    case 'overloaded':
      return 'The transcription server is busy';
    case 'shutting_down':
      return 'The transcription server is shutting down';
    case 'idle_timeout':
      return 'The server closed the idle session';
    case 'too_many_connections':
      return 'Too many connections to the transcription server from this computer';
    default:
      return msg.message || `The server reported an error (${msg.code})`;
  }
}
