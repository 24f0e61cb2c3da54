// Per-client-address accounting: open WebSockets, sessions held for resume after a dropped
// connection, and REST uploads in flight all take a slot of their address, so one client cannot
// take every session slot from the others.

export type Release = () => void;

export class AddressSlots {
  private readonly used = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Takes a slot for `address`; null when it already holds its limit. The release is idempotent. */
  acquire(address: string): Release | null {
    const n = this.used.get(address) ?? 0;
    if (n >= this.limit) return null;
    this.used.set(address, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.used.get(address) ?? 1) - 1;
      if (left <= 0) this.used.delete(address);
      else this.used.set(address, left);
    };
  }

  count(address: string): number {
    return this.used.get(address) ?? 0;
  }

  get max(): number {
    return this.limit;
  }
}
