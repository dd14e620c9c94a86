export const DEFAULT_LANGUAGE = 'en';

/**
 * The language of the e-mails: the one asked for when a template folder exists for it (BCP 47 tags
 * compare case-insensitively), else one sharing its primary subtag (`it-IT` -> `it`, `pt` -> `pt-BR`),
 * else English.
 */
export function chooseLanguage(requested: string | undefined, available: readonly string[], fallback = DEFAULT_LANGUAGE): string {
  if (!requested) return fallback;
  const wanted = requested.trim().toLowerCase();
  const exact = available.find((language) => language.toLowerCase() === wanted);
  if (exact) return exact;
  const primary = wanted.split(/[-_]/)[0];
  const sameFamily = available.filter((language) => language.toLowerCase().split('-')[0] === primary);
  return sameFamily.length === 1 ? sameFamily[0] : fallback;
}
