/**
 * The shape of the code, checked: which module may import which, and where SQL, Kafka clients and row
 * claiming may appear (docs/architecture.md, "Modules and their dependencies"). A rule broken here is a
 * design decision to discuss, not a test to adjust.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const rel = (path: string) => relative(ROOT, path).split(sep).join('/');
const read = (path: string) => readFileSync(path, 'utf8');
const services = readdirSync(join(ROOT, 'services'));
const serviceSources = services.flatMap((s) => sources(join(ROOT, 'services', s, 'src')));

/** Imports of a file: module specifiers of import/export ... from and import(). */
function imports(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'([^']+)'/gm)].map((m) => m[1]);
}

// SQL statements as they appear in strings: a keyword that starts a statement, followed by its shape.
const SQL =
  /['"`]\s*(?:SELECT\s[\s\S]{0,200}?\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(?:TABLE|INDEX|UNIQUE)\s|WITH\s+\w+\s+AS\s*\()/i;

test('libs/messaging names no offer type and no attempt table', () => {
  const offending = sources(join(ROOT, 'libs/messaging/src')).flatMap((file) => {
    const text = read(file);
    const hits = [...text.matchAll(/\bOffer[A-Z]\w*|\boffer_attempts\b|@mkt\/events/g)].map((m) => m[0]);
    return hits.length ? [`${rel(file)}: ${[...new Set(hits)].join(', ')}`] : [];
  });
  expect(offending).toEqual([]);
});

test("libs/secrets knows no offer: it keeps values by owner and kind (where a secret sits in an offer is the catalog's)", () => {
  const offending = sources(join(ROOT, 'libs/secrets/src'))
    .filter((file) => /@mkt\/events|\bOffer[A-Z]\w*/.test(read(file)))
    .map(rel);
  expect(offending).toEqual([]);
});

test('no file under services/*/src outside persistence/ contains SQL', () => {
  const offending = serviceSources.filter((file) => !rel(file).includes('/persistence/') && SQL.test(read(file))).map(rel);
  expect(offending).toEqual([]);
});

test("no service imports kafkajs or claims rows itself (SKIP LOCKED is the job engine's)", () => {
  const kafkajs = serviceSources.filter((file) => imports(read(file)).includes('kafkajs')).map(rel);
  const claiming = serviceSources.filter((file) => /SKIP\s+LOCKED/i.test(read(file))).map(rel);
  expect({ kafkajs, claiming }).toEqual({ kafkajs: [], claiming: [] });
});

test('dependencies point one way: libs never import services; domain folders import no framework, I/O or outer layer', () => {
  const libsImportingServices = sources(join(ROOT, 'libs'))
    .filter((file) => !rel(file).includes('/test/'))
    .filter((file) => imports(read(file)).some((m) => m.startsWith('@mkt/service-') || m.includes('/services/')))
    .map(rel);
  const impureDomain = serviceSources
    .filter((file) => rel(file).includes('/src/domain/'))
    .flatMap((file) => {
      const bad = imports(read(file)).filter(
        (m) =>
          /^(@nestjs\/|kafkajs|pg$|typeorm|node:(fs|net|http|https|child_process)|@mkt\/messaging)/.test(m) ||
          /\.\.\/(handlers|http|persistence|application|projection|adapters)\b/.test(m),
      );
      return bad.length ? [`${rel(file)}: ${bad.join(', ')}`] : [];
    });
  expect({ libsImportingServices, impureDomain }).toEqual({ libsImportingServices: [], impureDomain: [] });
});

test("every stage's domain exports its decide and evolve", () => {
  const stages = services.filter((s) => s !== 'offer-api');
  const missing = stages.filter((s) => {
    const domain = sources(join(ROOT, 'services', s, 'src', 'domain'))
      .map(read)
      .join('\n');
    return !/^export (?:function|const) decide\b/m.test(domain) || !/^export (?:function|const) evolve\b/m.test(domain);
  });
  expect({ stages: stages.length, missing }).toEqual({ stages: 5, missing: [] });
});
