/**
 * The relay keeps each key's order when transactions commit out of id order. An outbox id is taken at
 * insert and becomes visible at commit: a transaction that holds its row open while the relay publishes
 * rows with higher ids commits "behind" them. A later row of the same key (written after that commit,
 * as every service writes an offer's events under its attempt lock) must still follow it on the log.
 * The chaos test found the relay taking "ids after the last batch" and sending the later row first.
 */
import { createOfferEvent, type Envelope, offerEventCodec } from '@mkt/events';
import { EventLog, TestDatabase, TestTopics, waitFor } from '@mkt/testing';
import { appendToOutbox, eventRecord, MessagingRuntime } from '../src';

const KEYS = 12;
const topics = new TestTopics();
let db: TestDatabase;
let runtime: MessagingRuntime | undefined;

afterAll(async () => {
  await runtime?.close();
  await db?.drop();
  await topics.cleanup();
});

function event(subject: string, by: string): Envelope {
  return createOfferEvent('GoLiveRequested', { requestedBy: by }, { subject, attempt: 1, correlationId: subject }, { source: '/marketplace/test' });
}

test('a row committed late with a lower id is published before the later rows of its key', async () => {
  db = await new TestDatabase('relayorder').create();
  const topic = await topics.create('relay-order', 3);
  runtime = await MessagingRuntime.create({
    service: 'relay-order',
    codec: offerEventCodec,
    kafka: { eventsTopic: topic, deadLetterTopic: `${topic}.dlq`, partitions: 3 },
    database: { url: db.serverUrl, database: db.name, poolSize: 8 },
    relay: { pollIntervalMs: 20 },
  });
  const log = await new EventLog(topic).start();
  runtime.startRelay();
  const uow = runtime.unitOfWork;

  // A steady trickle of other keys keeps the relay in its publish loop, never idle and never behind:
  // the state in which it takes its next batch right after the one it sent.
  let filling = true;
  let filled = 0;
  const filler = (async () => {
    while (filling) {
      await uow.run(async (tx) => tx.emit(...Array.from({ length: 5 }, () => event(`filler/${filled++ % 7}`, 'filler'))));
      await new Promise((resolve) => setTimeout(resolve, 2)); // pacing, not waiting for a condition
    }
  })();

  const expected = new Map<string, string[]>();
  try {
    for (let k = 0; k < KEYS; k++) {
      const subject = `late/offer-${k}`;
      const first = event(subject, 'first');
      const second = event(subject, 'second');
      expected.set(subject, [first.id, second.id]);
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      let inserted!: () => void;
      const hasId = new Promise<void>((resolve) => (inserted = resolve));
      const late = uow.run(async (tx) => {
        await appendToOutbox(tx, [eventRecord(topic, first, offerEventCodec.encode)]); // takes its id now (emit would write at commit)
        inserted();
        await held; // ...and commits only after the relay has sent rows with higher ids
      });
      await hasId;
      const sentBefore = runtime.relay.stats.published;
      await waitFor('the relay publishes rows inserted after the open one', () => runtime!.relay.stats.published >= sentBefore + 30);
      commit();
      await late;
      await uow.run(async (tx) => tx.emit(second)); // written after the first committed, as under the attempt lock
    }
    await waitFor('every late key has both rows on the log', () => [...expected.keys()].every((s) => log.of(s).length === 2));
    const reordered = [...expected]
      .filter(
        ([subject, ids]) =>
          log
            .of(subject)
            .map((e) => e.id)
            .join() !== ids.join(),
      )
      .map(([subject]) => subject);
    expect(reordered).toEqual([]);
  } finally {
    filling = false;
    await filler;
    await log.stop();
  }
}, 120_000);
