import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Rows of any statement. TypeORM's plain `query()` answers UPDATE/DELETE ... RETURNING on PostgreSQL
 * with `[rows, count]` instead of rows; this asks for the structured result and always returns rows.
 */
export async function queryRows<T = Record<string, unknown>>(on: DataSource | QueryRunner, sql: string, parameters?: unknown[]): Promise<T[]> {
  if ('createQueryRunner' in on) {
    const runner = on.createQueryRunner();
    try {
      return (await runner.query(sql, parameters, true)).records as T[];
    } finally {
      await runner.release();
    }
  }
  return (await on.query(sql, parameters, true)).records as T[];
}
