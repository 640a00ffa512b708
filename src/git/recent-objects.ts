import type { GitObject } from './encode.js';

/**
 * The last trees and commits a store wrote. The next run logged in the same process builds on
 * exactly these, and reading them back from disk (inflating a shard tree of hundreds of
 * entries) was a measurable part of a write.
 *
 * @example
 * recent.add(oid, { type: 'tree', content }); recent.get(oid);
 */
export class RecentObjects {
  private readonly objects = new Map<string, GitObject>();

  constructor(private readonly capacity = 64) {}

  add(oid: string, obj: GitObject): void {
    this.objects.set(oid, obj);
    if (this.objects.size > this.capacity) this.objects.delete(this.objects.keys().next().value!);
  }

  get(oid: string): GitObject | undefined {
    return this.objects.get(oid);
  }
}
