/**
 * The AsyncAPI document of the catalog is generated (never hand-edited), valid AsyncAPI 3.0 by the
 * reference parser, names every event type with its schema, and docs/asyncapi.json is current.
 */
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { asyncApiDocument, OfferEventDefinitions } from '../src';
import { ASYNCAPI_FILE, asyncApiText } from '../../../scripts/asyncapi';

test('the document is valid AsyncAPI 3.0: no error diagnostics from @asyncapi/parser', async () => {
  const { document, diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument()));
  const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
  expect(errors).toEqual([]);
  expect(document?.version()).toBe('3.0.0');
  const names = document!
    .channels()
    .get('offerEvents')!
    .messages()
    .all()
    .map((m) => m.id());
  expect(names.sort()).toEqual(Object.keys(OfferEventDefinitions).sort());
});

test('every event type has its payload schema, and nested classes are referenced, not inlined', () => {
  const doc = asyncApiDocument() as {
    components: { schemas: Record<string, { properties?: Record<string, unknown> }>; messages: Record<string, { payload: { $ref: string } }> };
  };
  for (const [type, definition] of Object.entries(OfferEventDefinitions)) {
    const ref = doc.components.messages[type].payload.$ref;
    expect(ref).toBe(`#/components/schemas/${definition.schema.name}`);
    expect(doc.components.schemas[definition.schema.name]).toMatchObject({ type: 'object' });
  }
  // OfferSubmitted carries the draft: its nested classes are schemas of their own
  expect(JSON.stringify(doc.components.schemas[OfferEventDefinitions.OfferSubmitted.schema.name])).toContain('#/components/schemas/');
});

test('docs/asyncapi.json is current (run `npm run asyncapi` after changing the catalog)', () => {
  expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(asyncApiText());
});
