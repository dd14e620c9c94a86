export * from './store';
export * from './encrypted-table-store';
export * from './memory-store';
export * from './vault-store';
export * from './config';
export * from './nest';
