/**
 * A string-keyed collection that lives as long as the process while its entries come and go, one per
 * command. It is a plain object used as a dictionary, not a `Map`: when a `Map`
 * outgrows or shrinks its hash table, V8 links the old table to the new one (for iterators still walking
 * it), so such a `Map` chains its tables through the young generation. Once one table of the chain is old,
 * the scavenger keeps every later one alive, with all they held, and promotes them to die in the old
 * generation (see `PendingWrites` in the SQLite event store, and docs/benchmarks.md, `memory-peak`).
 */
export class Dictionary<V> {
  #entries: Record<string, V> = Object.create(null) as Record<string, V>;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    return this.#entries[key];
  }

  set(key: string, value: V): void {
    if (!(key in this.#entries)) this.#size++;
    this.#entries[key] = value;
  }

  delete(key: string): void {
    if (!(key in this.#entries)) return;
    delete this.#entries[key];
    this.#size--;
  }
}
