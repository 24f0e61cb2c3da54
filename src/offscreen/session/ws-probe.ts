// While the session is on REST: every so often one WebSocket, only to see whether it works
// again (REST carries the audio meanwhile); a probe that fails schedules the next look.

type Timer = ReturnType<typeof setTimeout> | undefined;

export class WsProbe {
  /** The socket in flight is only a probe: if it fails, REST simply goes on. */
  active = false;
  private timer: Timer;

  constructor(
    private readonly everyMs: number,
    /** On REST, running, and no socket open: a probe is wanted. */
    private readonly wanted: () => boolean,
    /** Opens the probe socket. */
    private readonly connect: () => void,
  ) {}

  /** Looks at the WebSocket again in `everyMs`, if still wanted then. */
  schedule(): void {
    clearTimeout(this.timer);
    if (!this.wanted()) return;
    this.timer = setTimeout(() => {
      if (!this.wanted()) return;
      this.active = true;
      this.connect();
    }, this.everyMs);
  }

  /** The socket went away: true if it was a probe (REST goes on; the next look is scheduled). */
  failed(): boolean {
    if (!this.active) return false;
    this.active = false;
    this.schedule();
    return true;
  }

  /** The WebSocket took over, or the session ended. */
  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
  }
}
