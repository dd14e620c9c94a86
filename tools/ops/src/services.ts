/** The services the console talks to, each at its own operator API (OPS_<NAME>_URL overrides the development address). */
export const SERVICES = ['offer-api', 'validation', 'certification', 'provisioning', 'packaging', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The stage services: they consume the event log and run jobs (offer-api projects it). */
export const STAGE_SERVICES = ['validation', 'certification', 'provisioning', 'packaging', 'notification'] as const satisfies readonly ServiceName[];

const DEVELOPMENT_PORTS: Record<ServiceName, number> = {
  'offer-api': 3000,
  validation: 3101,
  certification: 3102,
  provisioning: 3103,
  packaging: 3104,
  notification: 3105,
};

export function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

export function serviceUrl(service: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const variable = `OPS_${service.toUpperCase().replace(/-/g, '_')}_URL`;
  return (env[variable] ?? `http://127.0.0.1:${DEVELOPMENT_PORTS[service]}`).replace(/\/+$/, '');
}

/** Where a service serves its operator endpoints: offer-api keeps its API under /api. */
export function operatorBase(service: ServiceName): string {
  return service === 'offer-api' ? '/api/operator' : '/operator';
}
