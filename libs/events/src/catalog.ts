import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Turns the data of one schema version into the data of the next one. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventDefinition<TType extends string = string, TData = unknown> {
  readonly type: TType;
  /** Current schema version: what producers write and what consumers receive after upcasting. */
  readonly version: number;
  readonly schema: new () => TData;
  /** upcasters[n] turns version n into version n + 1. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

export function defineEvent<TType extends string, TData extends object>(definition: {
  type: TType;
  version: number;
  schema: new () => TData;
  upcasters?: Record<number, Upcaster>;
}): EventDefinition<TType, TData> {
  const upcasters = definition.upcasters ?? {};
  for (let v = 1; v < definition.version; v += 1) {
    if (!upcasters[v]) throw new Error(`${definition.type}: missing upcaster from v${v} to v${v + 1}`);
  }
  return { ...definition, upcasters };
}

export class SchemaViolation {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {}
  toString(): string {
    return `${this.path}: ${this.problems.join('; ')}`;
  }
}

function flatten(errors: ValidationError[], prefix = ''): SchemaViolation[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [new SchemaViolation(path, Object.values(error.constraints))] : [];
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** Checks plain data against a class-validator schema; returns every violation, empty when valid. */
export function checkSchema<T extends object>(schema: new () => T, data: unknown): SchemaViolation[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return [new SchemaViolation('(root)', ['must be an object'])];
  }
  const instance = plainToInstance(schema, data);
  return flatten(validateSync(instance as object, { forbidUnknownValues: false }));
}

export type UpcastResult = { ok: true; data: Record<string, unknown> } | { ok: false; reason: string };

/** Brings data written at `version` up to the definition's current version. */
export function upcast(definition: EventDefinition, version: number, data: Record<string, unknown>): UpcastResult {
  if (!Number.isInteger(version) || version < 1) return { ok: false, reason: `invalid schema version ${version}` };
  if (version > definition.version) {
    return { ok: false, reason: `schema version ${version} is newer than the known v${definition.version}` };
  }
  let current = data;
  for (let v = version; v < definition.version; v += 1) current = definition.upcasters[v](current);
  return { ok: true, data: current };
}
