export * from './stage';
export * from './certify-disk';
export * from './checks';
export * from './images';
export * from './outcome';
export * from './rules';
export * from './vhd-footer';
