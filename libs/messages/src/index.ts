import { SUPPORTED_LANGUAGES } from '@mkt/events';
import { CATALOGUES, type Catalogue, type MessageCode } from './catalogues';
import { formatMessage, type MessageParams } from './format';

/**
 * Messages by code. Events carry a stable code and its parameters (besides the English text kept for
 * compatibility); whoever shows a message to a publisher renders it here, in the publisher's language,
 * from the catalogue of that language (src/catalogues/<language>/). docs/messages.md explains the codes.
 */
export { SUPPORTED_LANGUAGES };
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: SupportedLanguage = 'en';
export { CATALOGUES, type Catalogue, type MessageCode };
export { formatMessage, parameterNames, type MessageParams } from './format';

/** A message as events carry it: its code and parameters. */
export interface MessageRef {
  code: string;
  params?: MessageParams;
}

export function isSupportedLanguage(language: unknown): language is SupportedLanguage {
  return typeof language === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(language);
}

/**
 * The supported language for a requested one: the same tag (compared case-insensitively), else the only
 * supported one sharing its primary subtag (`it-IT` -> `it`, `pt` -> `pt-BR`), else undefined.
 */
export function matchLanguage(requested: string | undefined | null, available: readonly string[] = SUPPORTED_LANGUAGES): string | undefined {
  if (!requested) return undefined;
  const wanted = requested.trim().toLowerCase();
  if (!wanted) return undefined;
  const exact = available.find((language) => language.toLowerCase() === wanted);
  if (exact) return exact;
  const primary = wanted.split(/[-_]/)[0];
  const sameFamily = available.filter((language) => language.toLowerCase().split('-')[0] === primary);
  return sameFamily.length === 1 ? sameFamily[0] : undefined;
}

/** `matchLanguage`, English when nothing matches. */
export function chooseLanguage(requested: string | undefined | null): SupportedLanguage {
  return (matchLanguage(requested) as SupportedLanguage | undefined) ?? DEFAULT_LANGUAGE;
}

/**
 * The language an `Accept-Language` header asks for (RFC 9110: the highest q first, `*` and q=0 ignored),
 * or undefined when it names no supported language.
 */
export function negotiateLanguage(header: string | undefined | null): SupportedLanguage | undefined {
  if (!header) return undefined;
  const ranges = header
    .split(',')
    .slice(0, 50)
    .map((part, index) => {
      const [tag, ...parameters] = part.trim().split(';');
      const q = parameters.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)).find(Boolean);
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((r) => r.tag && r.tag !== '*' && r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    const match = matchLanguage(range.tag);
    if (match) return match as SupportedLanguage;
  }
  return undefined;
}

/** The text of a code in a catalogue, undefined when the catalogue lacks it. */
export function lookup(code: string, language: string): string | undefined {
  const catalogue = CATALOGUES[chooseLanguage(language)] as Readonly<Record<string, string>>;
  return Object.prototype.hasOwnProperty.call(catalogue, code) ? catalogue[code] : undefined;
}

export function isKnownCode(code: string): code is MessageCode {
  return lookup(code, DEFAULT_LANGUAGE) !== undefined;
}

/**
 * The text of a message in a language: its catalogue's text, else English, else the code itself (with
 * its parameters), so that an unknown code still says something. The language is matched as
 * `chooseLanguage` does.
 */
export function render(code: string, params: MessageParams = {}, language: string = DEFAULT_LANGUAGE): string {
  const chosen = chooseLanguage(language);
  const source = lookup(code, chosen) ?? lookup(code, DEFAULT_LANGUAGE);
  if (source === undefined) {
    const shown = Object.entries(params);
    return shown.length ? `${code} (${shown.map(([k, v]) => `${k}=${String(v)}`).join(', ')})` : code;
  }
  return formatMessage(source, params, chosen);
}

/** A message ref rendered (shorthand for `render(ref.code, ref.params, language)`). */
export function renderRef(ref: MessageRef, language: string = DEFAULT_LANGUAGE): string {
  return render(ref.code, ref.params, language);
}

/** A code with its parameters and its English text, as producers put them into events. */
export function message(code: MessageCode, params: MessageParams = {}): { messageCode: MessageCode; params: MessageParams; message: string } {
  return { messageCode: code, params, message: render(code, params, DEFAULT_LANGUAGE) };
}
export { englishLeaks, sampleParams } from './testing';
