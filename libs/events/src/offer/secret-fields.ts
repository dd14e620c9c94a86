/**
 * The parts of an offer that are secrets, and how an offer field holds a reference to one instead.
 *
 * Secrets a publisher gives us (docs/secrets.md): the lead endpoint's Authorization value, the key of an
 * Azure Storage connection string (AccountKey or SharedAccessSignature) and the signature (`sig`) of a
 * disk's SAS URL. The field keeps everything else as it was and carries a reference where the secret was:
 *
 *   authorization      secret-ref.<id>
 *   connectionString   DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=secret-ref.<id>;EndpointSuffix=...
 *   osDiskUrl          https://acct.blob.core.windows.net/vhds/os.vhd?sv=...&sp=r&se=...&sig=secret-ref.<id>
 *
 * So the redacted form still says what the value is (which account, which blob, which SAS permissions and
 * expiry) and every rule that judges its shape still works; only the stage that uses the secret resolves
 * the reference, at job time. The catalog imports nothing of ours, so the format lives here and the
 * secret store (@mkt/secrets) only sees the id.
 */

/** What a secret is, as the secret store records it. */
export type SecretKind = 'lead-authorization' | 'storage-account-key' | 'sas-signature';

const REFERENCE_PREFIX = 'secret-ref.';
/** Marks a secret that an event written before secrets were kept apart carried: upcasting drops it. */
export const UNAVAILABLE_SECRET_ID = 'unavailable';
const REFERENCE = /secret-ref\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|unavailable)/g;

/** How a field holds a reference to a secret store entry. */
export function secretReference(id: string): string {
  return `${REFERENCE_PREFIX}${id}`;
}

/** The ids of the secret references in a text, in order. */
export function secretReferenceIds(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1]);
}

function isOnlyReference(text: string): boolean {
  const ids = secretReferenceIds(text);
  return ids.length === 1 && text.trim() === secretReference(ids[0]);
}

/**
 * Replaces every secret reference in `text` by the value `resolve` gives for its id. The values are
 * returned too, so that a message about a failed request can be scrubbed of them (`scrubSecrets`).
 */
export async function revealSecretReferences(text: string, resolve: (id: string) => Promise<string>): Promise<{ text: string; secrets: string[] }> {
  const ids = [...new Set(secretReferenceIds(text))];
  if (ids.length === 0) return { text, secrets: [] };
  const values = new Map<string, string>();
  for (const id of ids) values.set(id, await resolve(id));
  return { text: text.replace(REFERENCE, (_, id: string) => values.get(id) as string), secrets: [...values.values()] };
}

/** Puts the references back where a message repeats a revealed secret (an error quoting a URL). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('(secret)');
  return scrubbed;
}

// ---------------------------------------------------------------------------------------------
// Where the secret part of each kind of field is

/** The secret part of a value: where it starts and ends (the rest of the value is not secret). */
interface SecretSpan {
  start: number;
  end: number;
}

/** Whole value, unless empty. */
function authorizationSpan(value: string): SecretSpan[] {
  return value.trim() ? [{ start: 0, end: value.length }] : [];
}

/** The `sig` parameter's value, as written (still percent-encoded), wherever the query is. */
function sasSignatureSpans(value: string): SecretSpan[] {
  return [...value.matchAll(/(?:^|[?&])sig=([^&#]*)/gi)]
    .filter((m) => m[1].length > 0)
    .map((m) => ({ start: m.index + m[0].length - m[1].length, end: m.index + m[0].length }));
}

/**
 * The AccountKey and SharedAccessSignature values of a connection string. Something that is not a
 * connection string at all (a key pasted alone) is secret as a whole: the rules then say it is invalid.
 */
function connectionStringSpans(value: string): SecretSpan[] {
  if (!value.trim()) return [];
  const segments = value.split(';').filter((s) => s.trim().length > 0);
  if (!segments.every((s) => /^\s*[A-Za-z]+\s*=/.test(s))) return [{ start: 0, end: value.length }];
  return [...value.matchAll(/(?:^|;)\s*(?:AccountKey|SharedAccessSignature)\s*=\s*([^;]*)/gi)]
    .filter((m) => m[1].trim().length > 0)
    .map((m) => ({ start: m.index + m[0].length - m[1].length, end: m.index + m[0].length }));
}

/** The offer fields that hold secrets, by property name, wherever they are nested. */
const SECRET_FIELDS: Record<string, { kind: SecretKind; spans(value: string): SecretSpan[] }> = {
  authorization: { kind: 'lead-authorization', spans: authorizationSpan },
  connectionString: { kind: 'storage-account-key', spans: connectionStringSpans },
  osDiskUrl: { kind: 'sas-signature', spans: sasSignatureSpans },
  dataDiskUrls: { kind: 'sas-signature', spans: sasSignatureSpans },
};

/** One secret part of one field that is still a plain value (not yet a reference). */
export interface PlainSecret {
  /** Path of the field, e.g. `plans[0].imageVersions[0].dataDiskUrls[1]`; `#<n>` when a field has several. */
  path: string;
  kind: SecretKind;
  value: string;
}

function replaceSpans(value: string, spans: SecretSpan[], path: string, kind: SecretKind, replace: (secret: PlainSecret) => string): string {
  let out = '';
  let at = 0;
  spans.forEach((span, n) => {
    const secret = value.slice(span.start, span.end);
    out += value.slice(at, span.start);
    out += isOnlyReference(secret) ? secret : replace({ path: spans.length > 1 ? `${path}#${n}` : path, kind, value: secret });
    at = span.end;
  });
  return out + value.slice(at);
}

/**
 * A copy of `data` (a draft, a snapshot, a job payload: any JSON holding offer fields) where `replace`
 * decides what each plain secret part becomes. Parts that are references already are left as they are.
 */
export function mapPlainSecrets<T>(data: T, replace: (secret: PlainSecret) => string): T {
  const visit = (value: unknown, path: string, field: (typeof SECRET_FIELDS)[string] | undefined): unknown => {
    if (typeof value === 'string') return field ? replaceSpans(value, field.spans(value), path, field.kind, replace) : value;
    if (Array.isArray(value)) return value.map((item, i) => visit(item, `${path}[${i}]`, field));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          visit(item, path ? `${path}.${key}` : key, Object.hasOwn(SECRET_FIELDS, key) ? SECRET_FIELDS[key] : undefined),
        ]),
      );
    }
    return value;
  };
  return visit(data, '', undefined) as T;
}

/** Every plain secret part in `data`. */
export function plainSecretsIn(data: unknown): PlainSecret[] {
  const found: PlainSecret[] = [];
  mapPlainSecrets(data, (secret) => {
    found.push(secret);
    return secret.value;
  });
  return found;
}

/** The ids of every secret reference in `data`, with the path of the field that holds it. */
export function secretReferencesIn(data: unknown): Array<{ path: string; id: string }> {
  const found: Array<{ path: string; id: string }> = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') for (const id of secretReferenceIds(value)) found.push({ path, id });
    else if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`));
    else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) visit(item, path ? `${path}.${key}` : key);
  };
  visit(data, '');
  return found;
}

/**
 * What a copy written before secrets were kept apart becomes when read: its plain secrets are dropped
 * and marked unavailable (an upcaster cannot store them; the one-off migration stores the copies that are
 * still needed, docs/secrets.md).
 */
export function withoutPlainSecrets<T>(data: T): T {
  return mapPlainSecrets(data, () => secretReference(UNAVAILABLE_SECRET_ID));
}
