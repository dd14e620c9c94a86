/* eslint-disable @typescript-eslint/no-require-imports */
type Globals = typeof globalThis & { __mktStartedKafka?: boolean; __mktContainers?: Array<{ stop(): Promise<unknown> }> };

export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as Globals;
  if (globals.__mktStartedKafka) {
    const kafka = require('../../../scripts/infra/kafka.js');
    await kafka.stop('test');
    globals.__mktStartedKafka = false;
  }
  for (const container of globals.__mktContainers ?? []) await container.stop();
}
