/**
 * What the events of one applied batch share: lookups that no event of the batch can change
 * (a SendGrid event never adds or moves a contact) are read once per batch, not once per event;
 * a batch of 100 events often names the same few recipients many times.
 */
export class InboundBatch {
  private readonly lookups = new Map<string, unknown>();

  /** Stores what a batch-wide query found, so memo() finds it without a query of its own. */
  remember<T>(key: string, value: T): void {
    this.lookups.set(key, value);
  }

  memo<T>(key: string, read: () => T): T {
    if (this.lookups.has(key)) return this.lookups.get(key) as T;
    const value = read();
    this.lookups.set(key, value);
    return value;
  }
}
