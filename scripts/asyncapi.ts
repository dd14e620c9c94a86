/**
 * Writes the AsyncAPI 3.0 document of the event catalog to docs/asyncapi.json (generated from libs/events;
 * libs/events/test/asyncapi.unit.spec.ts fails when the file is not current).
 *   npm run asyncapi
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from '@mkt/events';

export const ASYNCAPI_FILE = join(__dirname, '..', 'docs', 'asyncapi.json');

export function asyncApiText(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(ASYNCAPI_FILE, asyncApiText());
  console.log(`wrote ${ASYNCAPI_FILE}`);
}
