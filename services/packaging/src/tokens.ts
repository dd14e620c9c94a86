/** Nest injection tokens of the packaging service. */
export const PACKAGING_CONFIG = Symbol('PACKAGING_CONFIG');
export const LEAD_SENDER = Symbol('LEAD_SENDER');
