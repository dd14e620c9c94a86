export { MARKETPLACE_CATEGORIES, type MarketplaceCategory } from '@mkt/prerequisites';
