/**
 * The layers of offer-api, checked on its sources: http -> application -> domain, persistence (the only
 * place with SQL) used by application and the projection consumer, nothing importing upward. And no
 * service talks to Kafka through kafkajs itself: topic reading and replay are @mkt/messaging's.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..', '..');
const SRC = resolve(__dirname, '..', 'src');

/** What each folder of src may import from src (files at the root of src, the wiring, may import anything). */
const ALLOWED: Record<string, string[]> = {
  domain: ['domain'],
  persistence: ['persistence', 'domain'],
  application: ['application', 'persistence', 'domain', 'config'],
  projection: ['projection', 'persistence', 'domain'],
  http: ['http', 'application', 'domain', 'config'],
};

const SQL = /\b(SELECT\s[\s\S]*?\sFROM|INSERT INTO|UPDATE\s+\S+\s+SET|DELETE FROM|CREATE (TABLE|INDEX)|ALTER TABLE|DROP TABLE|TRUNCATE|LOCK TABLE|SAVEPOINT)\b/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a file under src: its top folder, or the file's own name (without .ts) at the root. */
function layerOf(path: string): string {
  const [top, ...rest] = relative(SRC, path).split('/');
  return rest.length ? top : top.replace(/\.ts$/, '');
}

function relativeImports(source: string): string[] {
  return [...source.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
}

test('nothing in offer-api imports upward', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const allowed = ALLOWED[layerOf(file)];
    if (!allowed) continue;
    for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
      const target = layerOf(resolve(dirname(file), specifier) + '.ts');
      if (!allowed.includes(target)) violations.push(`${relative(SRC, file)} imports ${specifier} (${target})`);
    }
  }
  expect(violations).toEqual([]);
});

test('SQL is only in persistence', () => {
  const violations = files(SRC)
    .filter((file) => layerOf(file) !== 'persistence')
    .flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      const found = [...(SQL.exec(source) ?? []).slice(0, 1), ...(/\.query\s*[<(]/.test(source) ? ['.query('] : [])];
      return found.map((what) => `${relative(SRC, file)}: ${what.slice(0, 60)}`);
    });
  expect(violations).toEqual([]);
});

test('no service imports kafkajs or drives the Kafka client itself', () => {
  const services = join(REPO, 'services');
  const violations = readdirSync(services)
    .map((name) => join(services, name, 'src'))
    .filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    .flatMap(files)
    .flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      return [
        ...(/(from\s+|require\(\s*|import\s*\(\s*)'kafkajs'/.test(source) ? ['imports kafkajs'] : []),
        ...(/\.kafka\.(admin|consumer|producer)\s*\(/.test(source) ? ['uses the Kafka client directly'] : []),
      ].map((what) => `${relative(REPO, file)} ${what}`);
    });
  expect(violations).toEqual([]);
});
