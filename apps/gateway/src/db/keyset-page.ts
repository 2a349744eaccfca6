import { GatewayError } from '@arbiter/shared';
import { and, eq, lt, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * Keyset pagination, newest first, over (timestamp, id): stable under concurrent inserts, unlike offsets. The cursor
 * is opaque to clients (base64url of "<ISO time>|<id>").
 */
export function encodeKeysetCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** The condition "strictly after the cursor in newest-first order". */
export function keysetCondition(cursor: string, timeColumn: PgColumn, idColumn: PgColumn): SQL {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(time ?? '');
  if (id === undefined || id === '' || Number.isNaN(at.getTime())) {
    throw new GatewayError('invalid_request', { message: 'The cursor is not valid.', param: 'cursor' });
  }
  const condition = or(lt(timeColumn, at), and(eq(timeColumn, at), lt(idColumn, id)));
  if (condition === undefined) throw new Error('unreachable: or() of two conditions');
  return condition;
}

/** Splits the `limit + 1` rows of a query into the page and the next cursor. */
export function toKeysetPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => { at: Date; id: string },
  toItem: (row: Row) => Item,
): { object: 'list'; data: Item[]; has_more: boolean; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rows.length > limit;
  const key = last === undefined ? null : keyOf(last);
  return { object: 'list', data: page.map(toItem), has_more: hasMore, next_cursor: hasMore && key !== null ? encodeKeysetCursor(key.at, key.id) : null };
}
