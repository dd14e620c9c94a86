import { CATALOGUES } from './catalogues';
import { compile, parameterNames, type MessageParams } from './format';

/**
 * Helpers for the tests that check translations (this library's and the services'): sample parameters
 * for a message, and the English catalogue texts found in a rendered text.
 */

/** Parameters that make every branch-free part of a message render: identifiers, never English words. */
export function sampleParams(source: string): MessageParams {
  return Object.fromEntries(parameterNames(source).map((name) => [name, sampleValue(name)]));
}

function sampleValue(name: string): string | number {
  if (
    /^(max|min|count|rules|checks|disks|failed|run|listed|images|regions|done|total|replicated|tries|attempt|omitted|status|days|timeoutMs|lun|length|first|last|received|expected|percentage)$/.test(
      name,
    )
  )
    return 7;
  if (name === 'url') return 'https://example.com/x';
  return `‹${name}›`;
}

/**
 * Words that are the same in every language (product and protocol names, button labels quoted in
 * English on purpose): a phrase of the English catalogue made only of these does not count as English.
 */
const SAME_IN_EVERY_LANGUAGE = new Set([
  // command lines quoted in the messages
  'convert-vhd',
  '-vhdtype',
  'fixed',
  'resize-vhd',
  'qemu-img',
  'go',
  'live',
  'azure',
  'https',
  'http',
  'url',
  'urls',
  'sas',
  'vhd',
  'tls',
  'json',
  'post',
  'png',
  'guid',
  'linux',
  'windows',
  'dns',
  'mib',
  'gib',
  'id',
  'ids',
  'sp',
  'se',
  'sv',
  'sig',
  'location',
  'content-length',
  'content-range',
  'authorization',
  'accountname',
  'accountkey',
  'vm',
  'os',
  'bytes',
  'ms',
  'pixels',
  'provisioning',
  'lead',
  'leads',
  'marketplace',
  'blob',
  'token',
  'endpoint',
  'host',
  'e-mail',
  'email',
  'status',
]);

/** The phrases of English texts: their literal parts (between parameters), cut at punctuation. */
function englishPhrases(): string[] {
  const phrases = new Set<string>();
  for (const source of Object.values(CATALOGUES.en)) {
    const literals: string[] = [];
    const walk = (nodes: ReturnType<typeof compile>) => {
      for (const node of nodes) {
        if (typeof node === 'string') literals.push(node);
        else for (const branch of Object.values(node.branches ?? {})) walk(branch);
      }
    };
    walk(compile(source));
    for (const literal of literals) {
      for (const phrase of literal.split(/[.,;:()“”"!?…]+/)) {
        const words = phrase.trim().toLowerCase().split(/\s+/).filter(Boolean);
        // at least two words that are English rather than shared by every language
        if (words.filter((w) => /^[a-z'’-]+$/.test(w) && !SAME_IN_EVERY_LANGUAGE.has(w)).length >= 2) phrases.add(words.join(' '));
      }
    }
  }
  return [...phrases];
}

let cached: string[] | undefined;

/** The English catalogue phrases (of two words or more) that occur in `text`. */
export function englishLeaks(text: string): string[] {
  cached ??= englishPhrases();
  const normalized = ` ${text.toLowerCase().replace(/\s+/g, ' ')} `;
  return cached.filter((phrase) => new RegExp(`(^|[^a-z])${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z])`).test(normalized));
}
