// Resumable sessions: the secret that proves a reconnecting client owns a session, the
// index of sessions that can be taken over (one per server, created by http-server.ts and
// passed in), and the recent finals a resumed client may have missed.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FinalMessage } from '../../protocol/index.ts';

/** 256 random bits, URL-safe: unguessable, and safe to log nowhere. */
export function newResumeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; hashing first makes lengths equal, so length leaks nothing either. */
export function tokensMatch(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/**
 * The last finals of a session, sent or not, so a resumed client gets those it missed:
 * a final written to a socket just before it died may never have arrived.
 */
export class FinalReplay {
  private readonly finals: FinalMessage[] = [];

  constructor(private readonly capacity = 256) {}

  add(f: FinalMessage): void {
    this.finals.push(f);
    if (this.finals.length > this.capacity) this.finals.shift();
  }

  /** Finals with a segmentId above `lastSegmentId` (all kept ones when the client does not say). */
  after(lastSegmentId: number | undefined): FinalMessage[] {
    return lastSegmentId === undefined ? [...this.finals] : this.finals.filter((f) => f.segmentId > lastSegmentId);
  }
}

/** What the registry needs from a session. */
export interface Resumable {
  readonly id: string;
  readonly resumeToken: string;
}

/**
 * Sessions that can be resumed, by id: those that sent `ready` and are alive (connected, or
 * held for the grace period after their socket dropped). Owned by the server object: one per server.
 */
export class ResumeRegistry<S extends Resumable> {
  private readonly byId = new Map<string, S>();

  add(session: S): void {
    this.byId.set(session.id, session);
  }

  remove(session: S): void {
    if (this.byId.get(session.id) === session) this.byId.delete(session.id);
  }

  /** The session if the token is right; null for an unknown id or a wrong token alike. */
  claim(sessionId: string, token: string): S | null {
    const s = this.byId.get(sessionId);
    // Compare against a dummy when the id is unknown, so timing does not reveal live ids.
    const ok = tokensMatch(s?.resumeToken ?? 'no-such-session', token);
    return s && ok ? s : null;
  }

  get size(): number {
    return this.byId.size;
  }
}
