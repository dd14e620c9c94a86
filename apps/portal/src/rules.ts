import { call } from './api';

/** The prerequisite rules as offer-api serves them (GET /api/prerequisite-rules: the validation stage's, libs/events). */
export interface RuleData {
  path: string;
  code: string;
  check: { kind: string; values?: string[]; max?: number; min?: number; pattern?: string };
  message: string;
}

let rules: Promise<RuleData[]> | undefined;
export function prerequisiteRules(): Promise<RuleData[]> {
  rules ??= call<{ value: RuleData[] }>('GET', '/api/prerequisite-rules').then(
    (a) => a.body.value,
    () => {
      rules = undefined;
      return [];
    },
  );
  return rules;
}

/** The values a `one-of` rule allows at a path (the categories, the OS families), from the rules, not copied here. */
export function allowedValues(all: RuleData[], path: string): string[] {
  return all.find((r) => r.path === path && r.check.kind === 'one-of')?.check.values ?? [];
}

/** The largest length a `max-length` rule allows at a path (shown as the input's maxlength hint). */
export function maxLength(all: RuleData[], path: string): number | undefined {
  const generic = path.replace(/\[\d+\]/g, '[]');
  return all.find((r) => r.path === generic && r.check.kind === 'max-length')?.check.max;
}
