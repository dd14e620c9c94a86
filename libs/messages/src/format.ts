/**
 * A small ICU-like message format: `{name}` is replaced by the parameter; `{name, select, a {…} other {…}}`
 * picks a branch by the parameter's value and `{n, plural, one {…} other {…}}` by the plural category of
 * the number in the language (`#` in a plural branch is the number). Branches may nest. A missing
 * parameter is left as `{name}` so that nothing is silently dropped.
 */
export type MessageParams = Readonly<Record<string, string | number>>;

type Node = string | { name: string; kind?: 'select' | 'plural'; branches?: Record<string, Node[]> };

function parse(source: string, at: { i: number }, nested: boolean): Node[] {
  const nodes: Node[] = [];
  let text = '';
  while (at.i < source.length) {
    const c = source[at.i];
    if (c === '}' && nested) break;
    if (c !== '{') {
      text += c;
      at.i += 1;
      continue;
    }
    if (text) nodes.push(text);
    text = '';
    at.i += 1;
    nodes.push(parseArgument(source, at));
  }
  if (text) nodes.push(text);
  return nodes;
}

function parseArgument(source: string, at: { i: number }): Node {
  const close = source.indexOf('}', at.i);
  const comma = source.indexOf(',', at.i);
  if (comma < 0 || (close >= 0 && close < comma)) {
    const name = source.slice(at.i, close < 0 ? source.length : close).trim();
    at.i = close < 0 ? source.length : close + 1;
    return { name };
  }
  const name = source.slice(at.i, comma).trim();
  const second = source.indexOf(',', comma + 1);
  const kind = source.slice(comma + 1, second).trim();
  if (second < 0 || (kind !== 'select' && kind !== 'plural')) throw new Error(`message format: unknown argument type in "${source}"`);
  at.i = second + 1;
  const branches: Record<string, Node[]> = {};
  for (;;) {
    while (/\s/.test(source[at.i] ?? '')) at.i += 1;
    if (source[at.i] === '}') {
      at.i += 1;
      break;
    }
    const open = source.indexOf('{', at.i);
    if (open < 0) throw new Error(`message format: unterminated ${kind} in "${source}"`);
    const key = source.slice(at.i, open).trim();
    at.i = open + 1;
    branches[key] = parse(source, at, true);
    if (source[at.i] !== '}') throw new Error(`message format: unterminated branch "${key}" in "${source}"`);
    at.i += 1;
  }
  if (!branches.other) throw new Error(`message format: ${kind} of "${name}" has no "other" branch in "${source}"`);
  return { name, kind, branches };
}

const cache = new Map<string, Node[]>();

export function compile(source: string): Node[] {
  let nodes = cache.get(source);
  if (!nodes) {
    nodes = parse(source, { i: 0 }, false);
    cache.set(source, nodes);
  }
  return nodes;
}

// Intl objects are costly to construct (a number formatter took most of a certification's message rendering): one per locale
const numberFormats = new Map<string, Intl.NumberFormat>();
const pluralRules = new Map<string, Intl.PluralRules>();

function numberFormat(locale: string): Intl.NumberFormat {
  let format = numberFormats.get(locale);
  if (!format) numberFormats.set(locale, (format = new Intl.NumberFormat(locale, { maximumFractionDigits: 2, useGrouping: false })));
  return format;
}

function pluralRulesOf(locale: string): Intl.PluralRules {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules;
}

function display(value: MessageParams[string], locale: string): string {
  if (typeof value === 'number') return numberFormat(locale).format(value);
  return String(value);
}

function emit(nodes: readonly Node[], params: MessageParams, locale: string, count?: number): string {
  return nodes
    .map((node) => {
      if (typeof node === 'string') return count === undefined ? node : node.replace(/#/g, display(count, locale));
      const value = params[node.name];
      if (!node.kind) return value === undefined ? `{${node.name}}` : display(value, locale);
      const branches = node.branches!;
      if (node.kind === 'select') return emit(branches[String(value)] ?? branches.other, params, locale, count);
      const n = Number(value);
      const exact = branches[`=${n}`];
      if (exact) return emit(exact, params, locale, n);
      const category = pluralRulesOf(locale).select(n);
      return emit(branches[category] ?? branches.other, params, locale, n);
    })
    .join('');
}

/** The message with its parameters filled in. */
export function formatMessage(source: string, params: MessageParams = {}, locale = 'en'): string {
  return emit(compile(source), params, locale);
}

/** The names of the parameters a message uses (select and plural arguments included). */
export function parameterNames(source: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: readonly Node[]) => {
    for (const node of nodes) {
      if (typeof node === 'string') continue;
      names.add(node.name);
      for (const branch of Object.values(node.branches ?? {})) walk(branch);
    }
  };
  walk(compile(source));
  return [...names];
}
