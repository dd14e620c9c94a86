/**
 * The cloud's public regions (Azure public cloud, generally available, without the EUAP canaries and
 * the sovereign clouds), by programmatic name. Every image is replicated to every one of them.
 */
export interface Region {
  name: string;
  displayName: string;
  geography: string;
}

export const AZURE_PUBLIC_REGIONS: readonly Region[] = [
  // Americas
  { name: 'eastus', displayName: 'East US', geography: 'United States' },
  { name: 'eastus2', displayName: 'East US 2', geography: 'United States' },
  { name: 'centralus', displayName: 'Central US', geography: 'United States' },
  { name: 'northcentralus', displayName: 'North Central US', geography: 'United States' },
  { name: 'southcentralus', displayName: 'South Central US', geography: 'United States' },
  { name: 'westcentralus', displayName: 'West Central US', geography: 'United States' },
  { name: 'westus', displayName: 'West US', geography: 'United States' },
  { name: 'westus2', displayName: 'West US 2', geography: 'United States' },
  { name: 'westus3', displayName: 'West US 3', geography: 'United States' },
  { name: 'canadacentral', displayName: 'Canada Central', geography: 'Canada' },
  { name: 'canadaeast', displayName: 'Canada East', geography: 'Canada' },
  { name: 'brazilsouth', displayName: 'Brazil South', geography: 'Brazil' },
  { name: 'brazilsoutheast', displayName: 'Brazil Southeast', geography: 'Brazil' },
  { name: 'mexicocentral', displayName: 'Mexico Central', geography: 'Mexico' },
  { name: 'chilecentral', displayName: 'Chile Central', geography: 'Chile' },
  // Europe
  { name: 'northeurope', displayName: 'North Europe', geography: 'Europe' },
  { name: 'westeurope', displayName: 'West Europe', geography: 'Europe' },
  { name: 'uksouth', displayName: 'UK South', geography: 'United Kingdom' },
  { name: 'ukwest', displayName: 'UK West', geography: 'United Kingdom' },
  { name: 'francecentral', displayName: 'France Central', geography: 'France' },
  { name: 'francesouth', displayName: 'France South', geography: 'France' },
  { name: 'germanywestcentral', displayName: 'Germany West Central', geography: 'Germany' },
  { name: 'germanynorth', displayName: 'Germany North', geography: 'Germany' },
  { name: 'switzerlandnorth', displayName: 'Switzerland North', geography: 'Switzerland' },
  { name: 'switzerlandwest', displayName: 'Switzerland West', geography: 'Switzerland' },
  { name: 'norwayeast', displayName: 'Norway East', geography: 'Norway' },
  { name: 'norwaywest', displayName: 'Norway West', geography: 'Norway' },
  { name: 'swedencentral', displayName: 'Sweden Central', geography: 'Sweden' },
  { name: 'swedensouth', displayName: 'Sweden South', geography: 'Sweden' },
  { name: 'polandcentral', displayName: 'Poland Central', geography: 'Poland' },
  { name: 'italynorth', displayName: 'Italy North', geography: 'Italy' },
  { name: 'spaincentral', displayName: 'Spain Central', geography: 'Spain' },
  // Middle East and Africa
  { name: 'uaenorth', displayName: 'UAE North', geography: 'United Arab Emirates' },
  { name: 'uaecentral', displayName: 'UAE Central', geography: 'United Arab Emirates' },
  { name: 'qatarcentral', displayName: 'Qatar Central', geography: 'Qatar' },
  { name: 'israelcentral', displayName: 'Israel Central', geography: 'Israel' },
  { name: 'southafricanorth', displayName: 'South Africa North', geography: 'South Africa' },
  { name: 'southafricawest', displayName: 'South Africa West', geography: 'South Africa' },
  // Asia Pacific
  { name: 'eastasia', displayName: 'East Asia', geography: 'Asia Pacific' },
  { name: 'southeastasia', displayName: 'Southeast Asia', geography: 'Asia Pacific' },
  { name: 'japaneast', displayName: 'Japan East', geography: 'Japan' },
  { name: 'japanwest', displayName: 'Japan West', geography: 'Japan' },
  { name: 'koreacentral', displayName: 'Korea Central', geography: 'Korea' },
  { name: 'koreasouth', displayName: 'Korea South', geography: 'Korea' },
  { name: 'centralindia', displayName: 'Central India', geography: 'India' },
  { name: 'southindia', displayName: 'South India', geography: 'India' },
  { name: 'westindia', displayName: 'West India', geography: 'India' },
  { name: 'jioindiawest', displayName: 'Jio India West', geography: 'India' },
  { name: 'jioindiacentral', displayName: 'Jio India Central', geography: 'India' },
  { name: 'australiaeast', displayName: 'Australia East', geography: 'Australia' },
  { name: 'australiasoutheast', displayName: 'Australia Southeast', geography: 'Australia' },
  { name: 'australiacentral', displayName: 'Australia Central', geography: 'Australia' },
  { name: 'australiacentral2', displayName: 'Australia Central 2', geography: 'Australia' },
  { name: 'newzealandnorth', displayName: 'New Zealand North', geography: 'New Zealand' },
  { name: 'indonesiacentral', displayName: 'Indonesia Central', geography: 'Indonesia' },
  { name: 'malaysiawest', displayName: 'Malaysia West', geography: 'Malaysia' },
];

export const REGION_NAMES: readonly string[] = AZURE_PUBLIC_REGIONS.map((r) => r.name);

export function isKnownRegion(name: string): boolean {
  return REGION_NAMES.includes(name);
}
