export { MARKETPLACE_CATEGORIES, type MarketplaceCategory } from '@mkt/events';
