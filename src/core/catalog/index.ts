export * from './catalog.js';
export { SqliteCatalog, type SqliteCatalogOptions } from './sqlite/sqlite-catalog.js';
export { GlueCatalog, storageDescriptorFor, type GlueCatalogOptions } from './glue/glue-catalog.js';
