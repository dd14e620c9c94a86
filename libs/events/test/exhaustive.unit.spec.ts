/**
 * Type-level test: a new event type added to the catalog fails type-checking at every consumer until it
 * decides what to do with it (status view, product pages, e-mail choice, each stage's decider). The catalog is patched in
 * memory with `OfferTeleported` and the consumers are type-checked with the project's compiler options.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..', '..');
const CATALOG = join(ROOT, 'libs/events/src/offer/events.ts');
const CONSUMERS = {
  'status view (evolve)': 'services/offer-api/src/domain/status-view.ts',
  'product pages (projection)': 'services/offer-api/src/persistence/projection.ts',
  // the e-mail choice (notifications.ts) switches over the types MAIL_FOR_EVENT says are mailed
  'e-mail per event type': 'services/notification/src/domain/mail-model.ts',
  // each stage's decider names every type: handled, or set aside with eventTypes(...)
  'validation decider': 'services/validation/src/domain/stage.ts',
  'certification decider': 'services/certification/src/domain/stage.ts',
  'provisioning decider': 'services/provisioning/src/domain/stage.ts',
  'packaging decider': 'services/packaging/src/domain/stages.ts',
  'notification decider': 'services/notification/src/domain/stage.ts',
};

function diagnostics(patchCatalog: boolean): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json could not be read');
  const original = readFileSync(CATALOG, 'utf8');
  const anchor = '  NotificationFailed: defineEvent(';
  if (!original.includes(anchor)) throw new Error(`the catalog no longer contains ${anchor.trim()}: update this test`);
  const patched = original.replace(anchor, `  OfferTeleported: defineEvent({ type: 'OfferTeleported', version: 1, schema: GoLiveRequestedV1 }),\n${anchor}`);
  const host = ts.createCompilerHost(config.options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => (patchCatalog && resolve(file) === CATALOG ? patched : read(file));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    patchCatalog && resolve(file) === CATALOG ? ts.createSourceFile(file, patched, language) : getSourceFile(file, language, ...rest);
  const program = ts.createProgram({ rootNames: Object.values(CONSUMERS).map((f) => join(ROOT, f)), options: { ...config.options, noEmit: true }, host });
  const byFile = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? d.file.fileName.replace(`${ROOT}/`, '') : '(global)';
    byFile.set(file, [...(byFile.get(file) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
  }
  return byFile;
}

test('the consumers type-check against the catalog as it is', () => {
  expect([...diagnostics(false).entries()]).toEqual([]);
}, 60_000);

test('a new event type fails type-checking at each consumer until it decides', () => {
  const errors = diagnostics(true);
  for (const [consumer, file] of Object.entries(CONSUMERS)) {
    const messages = errors.get(file) ?? [];
    expect({ consumer, failsOnTheNewType: messages.some((m) => /OfferTeleported/.test(m)) }).toEqual({ consumer, failsOnTheNewType: true });
  }
  // nothing else broke: every error is about the new type
  for (const messages of errors.values()) for (const m of messages) expect(m).toMatch(/OfferTeleported/);
}, 60_000);
