/**
 * A service's simulated back ends as one object that operators change at run time in development mode
 * (`PUT /operator/faults`): each setting reads and writes the very object the simulation reads on every
 * use (the service's config), so a change applies to the next call without a restart. Changes are
 * validated as a whole first: a bad field changes nothing and is reported by name.
 */

export interface FieldProblem {
  field: string;
  problems: string[];
}

export interface FaultSetting {
  /** What is in force now (JSON). */
  get(): unknown;
  /** Why `value` is not acceptable, or undefined. */
  check(value: unknown): string | undefined;
  set(value: unknown): void;
  /** For operators: what it does. */
  description: string;
}

export type FaultChange = { ok: true; settings: Record<string, unknown> } | { ok: false; fields: FieldProblem[] };

export class FaultSettings {
  constructor(private readonly settings: Record<string, FaultSetting>) {}

  current(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.settings).map(([name, setting]) => [name, setting.get()]));
  }

  describe(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.settings).map(([name, setting]) => [name, setting.description]));
  }

  /** Applies a partial change (only the settings named), all or nothing. */
  apply(change: unknown): FaultChange {
    if (typeof change !== 'object' || change === null || Array.isArray(change)) {
      return { ok: false, fields: [{ field: '(body)', problems: ['must be an object of settings, e.g. {"failureRate": 0.5}'] }] };
    }
    const fields: FieldProblem[] = [];
    for (const [name, value] of Object.entries(change)) {
      const setting = Object.hasOwn(this.settings, name) ? this.settings[name] : undefined;
      const problem = setting ? setting.check(value) : `unknown setting (known: ${Object.keys(this.settings).join(', ') || 'none'})`;
      if (problem) fields.push({ field: name, problems: [problem] });
    }
    if (fields.length) return { ok: false, fields };
    for (const [name, value] of Object.entries(change)) this.settings[name].set(value);
    return { ok: true, settings: this.current() };
  }
}

type Holder<K extends string, V> = { [key in K]: V };

/** An integer field of `target`, within bounds. */
export function integerSetting<K extends string>(
  target: Holder<K, number>,
  key: K,
  description: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): FaultSetting {
  return {
    description,
    get: () => target[key],
    check: (value) =>
      Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? undefined : `must be an integer from ${min} to ${max}`,
    set: (value) => {
      target[key] = value as number;
    },
  };
}

/** A number field of `target`, within bounds. */
export function numberSetting<K extends string>(
  target: Holder<K, number>,
  key: K,
  description: string,
  { min = 0, max = Number.MAX_VALUE } = {},
): FaultSetting {
  return {
    description,
    get: () => target[key],
    check: (value) =>
      typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? undefined : `must be a number from ${min} to ${max}`,
    set: (value) => {
      target[key] = value as number;
    },
  };
}

/** A boolean field of `target`. */
export function booleanSetting<K extends string>(target: Holder<K, boolean>, key: K, description: string): FaultSetting {
  return {
    description,
    get: () => target[key],
    check: (value) => (typeof value === 'boolean' ? undefined : 'must be true or false'),
    set: (value) => {
      target[key] = value as boolean;
    },
  };
}

/** A list of names (e.g. regions) each accepted by `valid`. */
export function nameListSetting<K extends string>(
  target: Holder<K, readonly string[]>,
  key: K,
  description: string,
  valid: (name: string) => boolean,
  { maxItems = 1000 } = {},
): FaultSetting {
  return {
    description,
    get: () => [...target[key]],
    check: (value) => {
      if (!Array.isArray(value) || value.length > maxItems) return `must be an array of at most ${maxItems} names`;
      const bad = value.filter((name) => typeof name !== 'string' || !valid(name));
      return bad.length ? `unknown: ${bad.slice(0, 10).map(String).join(', ')}` : undefined;
    },
    set: (value) => {
      target[key] = [...new Set(value as string[])];
    },
  };
}

/** A map of names to positive counts (e.g. region to failing tries). */
export function countMapSetting<K extends string>(
  target: Holder<K, Readonly<Record<string, number>>>,
  key: K,
  description: string,
  valid: (name: string) => boolean,
  { maxCount = 1000 } = {},
): FaultSetting {
  return {
    description,
    get: () => ({ ...target[key] }),
    check: (value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of name: count';
      const bad = Object.entries(value).filter(([name, count]) => !valid(name) || !Number.isInteger(count) || count < 1 || count > maxCount);
      return bad.length ? `each entry must be a known name with an integer count from 1 to ${maxCount}; not: ${bad.map(([n]) => n).join(', ')}` : undefined;
    },
    set: (value) => {
      target[key] = { ...(value as Record<string, number>) };
    },
  };
}
