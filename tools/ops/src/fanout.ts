import type { Context } from './command';
import { isService, SERVICES, type ServiceName } from './services';
import { UsageError } from './command';

/** The services a command asks: --service a,b or all of them. */
export function chosenServices(value: string | undefined, among: readonly ServiceName[] = SERVICES): ServiceName[] {
  if (!value) return [...among];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isService(name) || !among.includes(name));
  if (unknown.length) throw new UsageError(`unknown service ${unknown.join(', ')}; one of ${among.join(', ')}`);
  return names as ServiceName[];
}

/** Asks each service; one that cannot answer is reported on stderr and left out, the others still count. */
export async function eachService<T>(
  context: Context,
  services: ServiceName[],
  ask: (service: ServiceName) => Promise<T>,
  { quiet = false } = {},
): Promise<{ answers: Array<{ service: ServiceName; answer: T }>; failed: Array<{ service: ServiceName; error: string }> }> {
  const answers: Array<{ service: ServiceName; answer: T }> = [];
  const failed: Array<{ service: ServiceName; error: string }> = [];
  await Promise.all(
    services.map(async (service) => {
      try {
        answers.push({ service, answer: await ask(service) });
      } catch (error) {
        failed.push({ service, error: (error as Error).message });
      }
    }),
  );
  answers.sort((a, b) => services.indexOf(a.service) - services.indexOf(b.service));
  if (!quiet) for (const { error } of failed) context.out.note(`${error}\n`);
  return { answers, failed };
}
