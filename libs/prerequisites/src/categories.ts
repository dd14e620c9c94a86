/**
 * The marketplace's categories (Azure Marketplace, virtual-machine offers), as the ids offers carry.
 * An offer names one or two of them.
 */
export const MARKETPLACE_CATEGORIES = [
  'ai-plus-machine-learning',
  'analytics',
  'blockchain',
  'business-applications',
  'compute',
  'containers',
  'databases',
  'developer-tools',
  'devops',
  'identity',
  'integration',
  'internet-of-things',
  'it-and-management-tools',
  'media',
  'migration',
  'mixed-reality',
  'monitoring-and-diagnostics',
  'networking',
  'security',
  'storage',
  'web',
] as const;

export type MarketplaceCategory = (typeof MARKETPLACE_CATEGORIES)[number];
