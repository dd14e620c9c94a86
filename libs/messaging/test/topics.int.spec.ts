import { createKafka, ensureMessagingTopics } from '../src';
import { testBrokers, uniqueId } from '@mkt/testing';

test('the offer-events and dead-letter topics are created once, with the configured partitions and unlimited retention', async () => {
  const settings = {
    brokers: testBrokers(),
    clientId: 'topics-test',
    eventsTopic: `offers.${uniqueId()}`,
    deadLetterTopic: `offers.${uniqueId()}.dlq`,
    partitions: 8,
  };
  const kafka = createKafka(settings);
  // several instances starting at once, then a restart
  await Promise.all([ensureMessagingTopics(kafka, settings), ensureMessagingTopics(kafka, settings), ensureMessagingTopics(kafka, settings)]);
  await ensureMessagingTopics(kafka, settings);

  const admin = kafka.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [settings.eventsTopic, settings.deadLetterTopic] });
    expect(metadata.topics.map((t) => t.partitions.length)).toEqual([8, 8]);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [settings.eventsTopic, settings.deadLetterTopic].map((name) => ({ type: 2, name, configNames: ['retention.ms', 'retention.bytes'] })),
    });
    for (const resource of configs.resources) {
      expect(Object.fromEntries(resource.configEntries.map((e) => [e.configName, e.configValue]))).toEqual({ 'retention.ms': '-1', 'retention.bytes': '-1' });
    }
    await admin.deleteTopics({ topics: [settings.eventsTopic, settings.deadLetterTopic] });
  } finally {
    await admin.disconnect();
  }
});
